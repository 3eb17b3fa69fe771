"""Clustering-aware fine-tuning (`qat --weights codebook:K`, mcutool/qat/codebook.py): the
centroid gradient of trained quantization, fixed and re-assigned indices, the export equal to
the forward, and the trained model stored packed and bit-exact with TFLite-Micro."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from clirun import cli
from conftest import ROOT

from mcutool import api
from mcutool.ir.codebook import codebook_k, decode, encode, index_bits, pack_indices, stored_bytes
from mcutool.lower import data_type, lower_graph
from mcutool.lower.codebook import codebook_operands
from mcutool.qat.checks import QatOptions
from mcutool.qat.codebook import CodebookQuant
from mcutool.qat.distributed import World
from mcutool.qat.export import export_graph
from mcutool.qat.train import build_model, train
from mcutool.quantize import params as qp
from mcutool.quantize.codebook import cluster_weights
from mcutool.quantize.prepare import prepare

DIGITS = ROOT / "examples" / "digits_cnn_float.tflite"
LAYERS = ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")


def conv_weights(seed: int = 0) -> torch.Tensor:
    """OHWI weights whose channels have different ranges (so their scales differ)."""
    rng = np.random.default_rng(seed)
    w = rng.normal(0, 0.1, (6, 3, 3, 4)) * rng.uniform(0.3, 2.0, (6, 1, 1, 1))
    return torch.from_numpy(w.astype(np.float32))


def test_starts_from_ptqs_clustering():
    w = conv_weights()
    cq = CodebookQuant(w, 0, 8)
    scales = qp.weight_scales(w.numpy(), 0, qmax=127)
    indices, table = cluster_weights(qp.quantize_weights(w.numpy(), scales, 0, 127), 8)
    codes, s = cq.export(w)
    assert np.array_equal(codes.numpy(), table[indices].astype(np.float32))
    assert np.array_equal(s.numpy(), scales)


def test_untrained_export_is_ptqs_codebook_model():
    """With the same calibration, the module before training exports `quantize --weights
    codebook:K`'s graph, tensor for tensor: PTQ and QAT start from the same codebooks."""
    from mcutool.data import load_data
    from mcutool.quantize import PtqOptions, calibration_samples
    from mcutool.quantize.pipeline import run_ptq
    graph = api.load_model(DIGITS)
    x = calibration_samples(graph, load_data(ROOT / "examples" / "digits_calib.npz"))[:100]
    ptq = run_ptq(graph, x, PtqOptions(weights="codebook:8")).int8
    q = export_graph(build_model(prepare(graph), x, QatOptions(weights="codebook:8", calib_samples=len(x))))
    assert sorted(q.tensors) == sorted(ptq.tensors) and codebook_k(q.description) == 8
    for name, t in ptq.tensors.items():
        u = q.tensors[name]
        assert u.dtype == t.dtype, name
        if t.data is not None:
            assert np.array_equal(np.asarray(u.data), np.asarray(t.data)), name
        if t.quant is not None:
            assert np.array_equal(u.quant.scale, t.quant.scale) and np.array_equal(u.quant.zero_point,
                                                                                   t.quant.zero_point), name


@pytest.mark.parametrize("axis", [0, None])
def test_centroid_gradient_is_the_sum_of_its_members_gradients(axis):
    """dL/dcentroid_k = sum over the weights at k of dL/dw * their channel's scale (in the
    centroid's weight units: / the layer's mean scale), which is Han's sum of the members'
    gradients when the layer has one scale; the float weights get dL/dw itself (STE)."""
    w = conv_weights().requires_grad_(True)
    cq = CodebookQuant(w, axis, 8)
    upstream = torch.from_numpy(np.random.default_rng(1).normal(size=w.shape).astype(np.float32))
    (cq(w) * upstream).sum().backward()
    assert np.array_equal(w.grad.numpy(), upstream.numpy())
    s = cq.step(w).detach()
    member = (upstream * s).numpy().reshape(-1).astype(np.float64)
    idx = cq.indices.numpy().reshape(-1)
    expect = np.bincount(idx, member, minlength=cq.centroids.numel()) / cq.unit
    np.testing.assert_allclose(cq.centroids.grad.numpy(), expect, rtol=1e-5, atol=1e-5)
    if axis is None:   # one scale: exactly the sum of the members' gradients
        plain = np.bincount(idx, upstream.numpy().reshape(-1).astype(np.float64), minlength=cq.centroids.numel())
        np.testing.assert_allclose(cq.centroids.grad.numpy(), plain, rtol=1e-5, atol=1e-5)


def test_forward_sees_the_rounded_table_and_export_equals_forward():
    w = conv_weights()
    cq = CodebookQuant(w, 0, 8)
    with torch.no_grad():   # centroids between integer codes, as training leaves them
        cq.centroids.add_(torch.linspace(-0.7, 0.7, cq.centroids.numel()) * cq.unit)
    codes, s = cq.export(w)
    assert np.array_equal(codes.numpy(), np.round(codes.numpy()))   # integer codes
    assert np.unique(codes.numpy()).size <= 8
    expect = codes * s.reshape(-1, 1, 1, 1)
    assert torch.equal(cq(w).detach(), expect)


def test_fixed_indices_stay_and_reassign_moves_each_weight_to_its_nearest_centroid():
    w = conv_weights()
    cq = CodebookQuant(w, 0, 4)
    start = cq.indices.clone()
    table = cq.export(w)[0].numpy()
    moved = w.clone()
    # push the first weight of channel 0 onto the code of the last centroid
    last = int(start.max())
    code_last = float(table.reshape(-1)[(start.reshape(-1) == last).nonzero()[0][0]])
    moved[0, 0, 0, 0] = code_last * cq.step(w)[0, 0, 0, 0]
    cq(moved)   # a forward pass changes nothing
    assert torch.equal(cq.indices, start)
    changed = cq.reassign(moved)
    assert changed >= 1 and int(cq.indices[0, 0, 0, 0]) == last
    # every index now names a centroid nearest to its weight
    values = np.unique(table)
    u = (moved / cq.step(moved)).numpy()
    chosen = cq.export(moved)[0].numpy()
    best = np.abs(u[..., None] - values).min(axis=-1)
    assert np.allclose(np.abs(u - chosen), best)


def trained(weights: str, reassign: bool, epochs: int = 2, n: int = 160, learn: bool = False):
    d = np.load(ROOT / "examples" / "digits_train.npz")
    x, y = d["x"][:n], d["y"][:n].astype(np.int64)
    options = QatOptions(epochs=epochs, weights=weights, codebook_reassign=reassign, calib_samples=n,
                         learn_scales=learn)
    m = build_model(prepare(api.load_model(DIGITS)), x, options)
    start = [wq.indices.clone() for wq in m.wq]
    train(m, x, y, options, World(), progress=False)
    return m, start


@pytest.mark.slow  # trains
@pytest.mark.parametrize("reassign", [False, True])
def test_training_keeps_or_reassigns_the_indices(reassign):
    m, start = trained("codebook:4", reassign)
    same = [torch.equal(wq.indices, s) for wq, s in zip(m.wq, start)]
    assert all(same) if not reassign else not all(same)
    if reassign:   # deterministic: the same model, byte for byte
        from mcutool.frontends.tflite import write_tflite
        again, _ = trained("codebook:4", reassign)
        assert write_tflite(export_graph(m)) == write_tflite(export_graph(again))


@pytest.mark.slow  # trains
@pytest.mark.parametrize("learn", [False, True])
def test_exported_weights_are_the_trained_fake_quantized_weights(learn):
    """Decoded int8 weights times their scales == the module's weights, exactly; at most K
    values per layer; marked, and lowered to the codebook kernels with the packed indices of
    the PTQ path. With learned (LSQ) scales too."""
    m, _ = trained("codebook:8", True, learn=learn)
    q = export_graph(m)
    assert codebook_k(q.description) == 8
    by_output = {op.outputs[0]: op for op in q.operators}
    for op in m.graph.operators:
        if op.outputs[0] not in m.layer_index:
            continue
        k = m.layer_index[op.outputs[0]]
        with torch.no_grad():
            fake = m.fake_weight(op).numpy()
        wt = q.tensors[by_output[op.outputs[0]].inputs[1]]
        shape = [1] * wt.data.ndim
        shape[m.ir_axes[k]] = -1
        assert wt.dtype == "int8" and wt.quant.axis == m.ir_axes[k]
        decoded = wt.data.astype(np.float32) * wt.quant.scale.astype(np.float32).reshape(shape)
        assert np.array_equal(decoded, fake), op.name
        # the table is the trained centroids the layer uses, at most K of them
        wq = m.wq[k]
        used = np.unique(wq.export(m.w[k].detach())[0].numpy()[None])
        indices, table = encode(wt.data)
        assert table.size <= 8 and np.array_equal(table.astype(np.float32), used)
        packed, tab, bits = codebook_operands(wt)
        assert bits == index_bits(table.size) and np.array_equal(tab.data, table)
        assert np.array_equal(packed.data, pack_indices(indices, bits))
        assert np.array_equal(decode(packed.data, bits, table, wt.size), wt.data.reshape(-1))
    assert len(stored_bytes(q)) == 4
    assert {data_type(q, op) for op in q.operators if op.type in LAYERS} == {"int8cb"}
    lower_graph(q)


@pytest.fixture(scope="module")
def small_train(tmp_path_factory):
    d = np.load(ROOT / "examples" / "digits_train.npz")
    path = tmp_path_factory.mktemp("qatcb") / "train.npz"
    np.savez(path, x=d["x"][:300], y=d["y"][:300])
    return path


@pytest.mark.parametrize("args,message", [
    (["--weights", "codebook:17"], "error: --weights 'codebook:17': write codebook:K with K from 2 to 16"),
    (["--weights", "int5"], "error: --weights must be one of int8, int4 or codebook:K, got 'int5'"),
    (["--codebook-reassign"], "error: --codebook-reassign applies to codebook:K weights only"),
    (["--weights", "int4", "--codebook-fixed"], "error: --codebook-fixed applies to codebook:K weights only")])
def test_bad_codebook_options(capsys, tmp_path, small_train, args, message):
    out = tmp_path / "out.tflite"
    code, _, err = cli(capsys, "qat", DIGITS, "--train", small_train, "--epochs", 1, "-o", out, *args)
    assert code == 2 and err.strip() == message and not out.exists()


def test_batch_statistics_do_not_combine_with_codebooks():
    from mcutool.qat import QatError
    with pytest.raises(QatError, match="batch_norm='batch' does not combine with codebook"):
        QatOptions(weights="codebook:8", batch_norm="batch").check()


@pytest.mark.slow  # trains, then builds and runs the C under the sanitizers and on an emulated Cortex-M4
def test_qat_codebook_cli_writes_a_packed_model_bit_exact_with_tflite_micro(capsys, tmp_path, small_train):
    out = tmp_path / "cb8.tflite"
    test = ROOT / "examples" / "digits_test.npz"
    d = np.load(test)
    val = tmp_path / "val.npz"
    np.savez(val, x=d["x"][:120], y=d["y"][:120])
    code, stdout, _ = cli(capsys, "qat", DIGITS, "--train", small_train, "--val", val, "--epochs", 2,
                          "--weights", "codebook:8", "-o", out)
    assert code == 0, stdout
    assert "codebook:8 weights, indices re-assigned every epoch" in stdout
    for row in ("PTQ codebook:8", "QAT codebook:8", "packed indices and a table per layer"):
        assert row in stdout
    graph = api.load_model(out)
    assert codebook_k(graph.description) == 8
    weights = [graph.tensors[op.inputs[1]] for op in graph.operators if op.type in LAYERS]
    assert len(weights) == 4 and all(np.unique(w.data).size <= 8 for w in weights)
    kernels = {c.kernel for c in lower_graph(graph).calls}
    assert {"mcu_convolve_codebook_s8", "mcu_depthwise_conv_codebook_s8",
            "mcu_fully_connected_codebook_s8"} <= kernels
    from mcutool.validate.run import validate_model
    for board in ("host", "mps2-an386"):
        report = validate_model(out, val, board=board)
        assert report["mismatches"] == 0 and report["samples"] == 120, board


@pytest.mark.slow  # trains through the command line
def test_qat_codebook_fixed_json(capsys, tmp_path, small_train):
    out = tmp_path / "cb4.tflite"
    code, stdout, _ = cli(capsys, "qat", DIGITS, "--train", small_train, "--epochs", 1, "--weights", "codebook:4",
                          "--codebook-fixed", "-o", out, "--json")
    assert code == 0
    report = json.loads(stdout)
    assert report["options"]["weights"] == "codebook:4" and report["options"]["codebook_reassign"] is False
    assert report["weight_bytes"]["qat"] <= report["weight_bytes"]["ptq"] < 1000
    assert codebook_k(api.load_model(out).description) == 4


@pytest.mark.slow  # two interpreters importing torch, about 12 s
def test_qat_codebook_under_torchrun_with_two_processes(tmp_path):
    """The indices are buffers (DistributedDataParallel keeps rank 0's) and the re-assignment
    depends on the weights alone, which the averaged gradients keep equal on every rank."""
    d = np.load(ROOT / "examples" / "digits_train.npz")
    train_path = tmp_path / "train.npz"
    np.savez(train_path, x=d["x"][:400], y=d["y"][:400])
    out = tmp_path / "q.tflite"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
           "-m", "mcutool", "qat", str(DIGITS), "--train", str(train_path), "--epochs", "2",
           "--weights", "codebook:8", "-o", str(out), "--json"]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    report = json.loads(r.stdout[r.stdout.index("{"):])
    assert report["world_size"] == 2 and report["accuracy"]["qat"] > 0.9
    graph = api.load_model(out)
    assert codebook_k(graph.description) == 8 and len(stored_bytes(graph)) == 4
