"""Quantization-aware training: the fake quantizers' gradients (STE, LSQ), the torch form of
every operator against the float executor, and the fake-quantized forward against the integer
reference on the exported model (which is bit-exact with TFLite-Micro, see test_qat_cli.py)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import ROOT
from float_models import elementwise_model, samples, structural_model

from mcutool import api
from mcutool.fixedpoint import tflite_round
from mcutool.ops import all_ops
from mcutool.qat.checks import QatOptions
from mcutool.qat.evaluate import int8_outputs, int8_tensors
from mcutool.qat.export import export_graph, fake_quant_outputs
from mcutool.qat.fake_quant import ActQuant, WeightQuant, fake_quantize, round_half_away
from mcutool.qat.model import QatModel
from mcutool.quantize.calibrate import calibrate
from mcutool.quantize.prepare import prepare
from mcutool.quantize.quantizer import activation_quant_params
from mcutool.reference.float_exec import run_float_batches

DIGITS = ROOT / "examples" / "digits_cnn_float.tflite"


def digits_data(n: int | None = None):
    train, test = np.load(ROOT / "examples" / "digits_train.npz"), np.load(ROOT / "examples" / "digits_test.npz")
    return train["x"][:n], train["y"][:n], test["x"], test["y"]


def module(graph, x, weights="int8", learn=False):
    prepared = prepare(graph)
    return QatModel(prepared, activation_quant_params(prepared, calibrate(prepared, x, "minmax")), weights, learn)


def test_rounding_is_tflites():
    v = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.49999997, -3.2, 7.7], np.float32)
    assert np.array_equal(round_half_away(torch.from_numpy(v)).numpy(), tflite_round(v.astype(np.float64)))


def test_ste_gradient_is_one_inside_the_range_and_zero_outside():
    scale, zp = 0.1, -20
    x = torch.linspace(-20.0, 20.0, 4001, requires_grad=True)
    y = fake_quantize(x, torch.tensor(scale), float(zp), -128, 127)
    y.sum().backward()
    code = tflite_round((x / scale).detach().numpy()) + zp  # the division in float32, as torch does it
    inside = (code >= -128) & (code <= 127)
    assert inside.any() and (~inside).any()
    assert np.array_equal(x.grad.numpy(), inside.astype(np.float32))
    # the forward is the int8 grid: codes clamped, dequantized
    expect = (np.clip(code, -128, 127) - zp) * scale
    np.testing.assert_allclose(y.detach().numpy(), expect, atol=1e-6)


@pytest.mark.parametrize("zp", [0, -37])
def test_lsq_step_gradient(zp):
    """dL/ds = g * sum(dL/dv^ * (round(v/s) - v/s inside, qmin - z below, qmax - z above))."""
    rng = np.random.default_rng(0)
    v = torch.from_numpy(rng.normal(0, 3, 500).astype(np.float32))
    upstream = torch.from_numpy(rng.normal(0, 1, 500).astype(np.float32))
    q = ActQuant(0.03, zp, features=500, learn=True)
    (q(v) * upstream).sum().backward()
    s = 0.03
    r = v.numpy().astype(np.float64) / s
    code = tflite_round(r) + zp
    local = np.where(code < -128, -128 - zp, np.where(code > 127, 127 - zp, tflite_round(r) - r))
    g = 1.0 / np.sqrt(500 * 255)
    expect = g * np.sum(upstream.numpy() * local)
    assert q.scale.grad is not None
    np.testing.assert_allclose(float(q.scale.grad), expect, rtol=1e-4)


def test_lsq_weight_step_gradient_per_channel():
    rng = np.random.default_rng(1)
    w = torch.from_numpy(rng.normal(0, 1, (3, 40)).astype(np.float32))
    wq = WeightQuant(w, axis=0, qmax=7, learn=True)
    with torch.no_grad():
        wq.scale.mul_(0.6)  # some weights clip
    s = wq.scale.detach().numpy().astype(np.float64)[:, None]
    wq(w).sum().backward()
    r = w.numpy() / s
    code = tflite_round(r)
    local = np.where(code < -7, -7, np.where(code > 7, 7, code - r))
    g = 1.0 / np.sqrt(40 * 7)
    np.testing.assert_allclose(wq.scale.grad.numpy(), g * local.sum(axis=1), rtol=1e-4)


def test_every_quantizable_operator_has_a_torch_form():
    missing = [d.name for d in all_ops() if d.quant.quantizable and d.float_eval and d.torch_forward is None]
    assert missing == []


def grouped_model():
    """A grouped CONV_2D (4 groups: filter depth 2 of an input depth 8) into a dense layer."""
    from mcutool.ir import Conv2DAttrs, FullyConnectedAttrs
    from mcutool.ir.builder import GraphBuilder
    rng = np.random.default_rng(3)
    b = GraphBuilder("grouped")
    b.input("x", (1, 5, 5, 8), dtype="float32")
    b.const("g/w", rng.normal(0, 0.4, (12, 3, 3, 2)).astype(np.float32))
    b.const("g/b", rng.normal(0, 0.1, 12).astype(np.float32))
    b.tensor("g", (1, 3, 3, 12), dtype="float32")
    b.op("CONV_2D", ["x", "g/w", "g/b"], ["g"], Conv2DAttrs(2, 2, padding="SAME", activation="RELU"))
    b.const("fc/w", rng.normal(0, 0.2, (5, 108)).astype(np.float32))
    b.const("fc/b", np.zeros(5, np.float32))
    b.tensor("fc", (1, 5), dtype="float32")
    b.op("FULLY_CONNECTED", ["g", "fc/w", "fc/b"], ["fc"], FullyConnectedAttrs())
    b.output("fc")
    return b.build()


@pytest.mark.parametrize("make", [structural_model, elementwise_model, grouped_model])
def test_module_without_quantization_is_the_float_model(make):
    """Every operator's torch form (layout at the edges) computes what the float executor does."""
    graph = make()
    x = samples(graph, 16)
    m = module(graph, x)
    m.set_quantize(False)
    expect = run_float_batches(m.graph, x)[0].reshape(len(x), -1)
    np.testing.assert_allclose(fake_quant_outputs(m, x).reshape(len(x), -1), expect, atol=2e-6)


@pytest.mark.parametrize("weights", ["int8", "int4", "codebook:4"])
@pytest.mark.parametrize("make", [structural_model, elementwise_model, grouped_model])
def test_fake_quant_agrees_with_integer_reference_on_every_operator(make, weights):
    graph = make()
    x = samples(graph, 32)
    m = module(graph, x, weights)
    fq = fake_quant_outputs(m, x).reshape(len(x), -1)
    q = export_graph(m)
    out = q.tensors[q.outputs[0]]
    codes = int8_outputs(q, x).astype(np.float32)
    # one rounding of difference per requantization, and the elementwise model chains two
    assert np.abs(codes - (fq / out.scale + out.zero_point)).max() <= 2.01


def trained_digits(weights: str, epochs: int = 2, learn: bool = False, batch_norm: str = "frozen"):
    x, y, xv, yv = digits_data(400)
    options = QatOptions(epochs=epochs, weights=weights, learn_scales=learn, calib_samples=300, method="minmax",
                         batch_norm=batch_norm)
    from mcutool.qat.distributed import World
    from mcutool.qat.train import build_model, train
    graph = api.load_model(DIGITS)
    m = build_model(prepare(graph), x[:300], options)
    train(m, x, y.astype(np.int64), options, World(), progress=False)
    return m, xv, yv


@pytest.mark.slow  # trains on the digits example five times
@pytest.mark.parametrize("weights,learn,batch_norm", [("int8", False, "frozen"), ("int4", False, "frozen"),
                                                      ("int4", True, "frozen"), ("int4", False, "batch"),
                                                      ("codebook:8", False, "frozen")])
def test_trained_fake_quant_agrees_with_exported_int8(weights, learn, batch_norm):
    """Same top-1 on at least 99% of samples, logits within 2 LSB, probabilities within a few."""
    m, x, _ = trained_digits(weights, learn=learn, batch_norm=batch_norm)
    x = x[:300]
    q = export_graph(m)
    fq = fake_quant_outputs(m, x).reshape(len(x), -1)
    out = q.tensors[q.outputs[0]]
    ints = int8_tensors(q, x, [q.outputs[0], m.logits_name])
    codes = ints[q.outputs[0]].astype(np.float32)
    assert np.mean(codes.argmax(1) == fq.argmax(1)) >= 0.99
    with torch.no_grad():
        logits = m(torch.from_numpy(x))[0].numpy().reshape(len(x), -1)
    lt = q.tensors[m.logits_name]
    logit_codes = ints[m.logits_name].astype(np.float32)
    assert np.abs(logit_codes - (logits / lt.scale + lt.zero_point)).max() <= 2.01
    # softmax amplifies a 1-LSB logit difference by up to p(1-p) * logit scale * 256 output
    # LSBs (about 10 with int4 weights' coarser logits), on the few samples with 0 < p < 1
    diff = np.abs(codes - (fq / out.scale + out.zero_point))
    assert np.quantile(diff, 0.99) <= 1.01 and diff.max() <= 24.01 and diff.mean() < 0.1


@pytest.mark.slow  # trains
def test_int4_export_is_on_the_int4_grid():
    m, _, _ = trained_digits("int4", epochs=1)
    q = export_graph(m)
    layers = {op.type: q.tensors[op.inputs[1]] for op in q.operators if op.type in
              ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")}
    for t in layers.values():
        assert t.dtype == "int4" and np.abs(t.data).max() == 7
    assert layers["CONV_2D"].quant.axis == 0 and layers["CONV_2D"].quant.scale.size > 1
    assert layers["DEPTHWISE_CONV_2D"].quant.axis == 3
    # TFLite-Micro runs INT4 fully connected weights per tensor only
    assert layers["FULLY_CONNECTED"].quant.axis is None and layers["FULLY_CONNECTED"].quant.scale.size == 1


def test_qat_model_api_is_deterministic():
    x, y, xv, yv = digits_data(300)
    graph = api.load_model(DIGITS)
    options = QatOptions(epochs=1, weights="int4", calib_samples=300)
    first = api.qat_model(graph, x, y, xv[:100], yv[:100], options)
    second = api.qat_model(graph, x, y, xv[:100], yv[:100], options)
    assert first is not None and second is not None
    from mcutool.frontends.tflite import write_tflite
    assert write_tflite(first[0]) == write_tflite(second[0])
    summary = first[1]
    assert summary["accuracy_on"] == "validation" and summary["val_samples"] == 100
    assert set(summary["accuracy"]) == {"float", "ptq", "qat"}
    assert summary["accuracy"]["qat"] > 0.9


def test_batch_statistics_block_starts_as_the_prepared_layer():
    """Batch norm re-introduced with statistics measured on the calibration samples computes
    exactly the folded layer it replaces, until training moves it."""
    from mcutool.qat.train import build_model
    x, _, xv, _ = digits_data(300)
    graph = api.load_model(DIGITS)
    frozen = build_model(prepare(graph), x, QatOptions(weights="int4", method="minmax"))
    batch = build_model(prepare(graph), x, QatOptions(weights="int4", method="minmax", batch_norm="batch"))
    assert len(batch.bn) == 4 and not len(frozen.bn)
    np.testing.assert_allclose(fake_quant_outputs(batch, xv), fake_quant_outputs(frozen, xv), atol=1e-6)
