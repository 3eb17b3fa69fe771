"""Codebook (k-means) weights, `--weights codebook:K`: the clustering, the packed index layout,
the mcu_*_codebook_s8 kernels (TFLite-Micro on the decoded int8 model == numpy twin ==
generated C, portable and emulated-DSP paths, under ASan/UBSan), the digits acceptance
numbers, the .tflite round trip and bad option values."""
import tempfile
from pathlib import Path

import numpy as np
import pytest
from bitexact import assert_same, check_bit_exact, random_samples
from test_ops_conv import _merge, conv_graph
from test_ops_fully_connected import fc_graph

from mcutool import api
from mcutool.cli import main
from mcutool.codegen.project import render_sources
from mcutool.frontends.tflite import read_tflite, write_tflite
from mcutool.ir import Graph
from mcutool.ir.analysis import weight_bytes
from mcutool.ir.codebook import codebook_k, decode, encode, index_bits, pack_indices, unpack_indices
from mcutool.lower import data_type, lower_graph
from mcutool.plan import plan_memory
from mcutool.quantize.codebook import CodebookError, cluster_weights, parse_weights
from mcutool.quantize.pipeline import PtqOptions, run_ptq

ROOT = Path(__file__).resolve().parent.parent
DIGITS = ROOT / "examples" / "digits_cnn_float.tflite"
CALIB = ROOT / "examples" / "digits_calib.npz"


def to_codebook(graph: Graph, k: int, seed: int = 0) -> Graph:
    """Replace the weights of every op with k distinct random int8 values and mark the graph."""
    rng = np.random.default_rng(seed)
    for op in graph.operators:
        w = graph.tensors[op.inputs[1]]
        table = rng.choice(np.arange(-127, 128), k, replace=False)
        w.data = table[rng.integers(0, k, w.shape)].astype(np.int8)
    graph.description = f"test codebook:{k}"
    return graph


# -- clustering and layout ---------------------------------------------------------------------
def test_cluster_weights_k_shared_values_deterministic():
    w = np.random.default_rng(0).normal(0, 40, (8, 3, 3, 4)).clip(-127, 127).round().astype(np.int8)
    for k in (2, 3, 8, 16):
        indices, table = cluster_weights(w, k)
        assert table.dtype == np.int8 and 2 <= table.size <= k and np.all(np.diff(table.astype(int)) > 0)
        assert indices.shape == w.shape and indices.max() < table.size
        decoded = table[indices]
        # every code goes to its nearest centre
        assert np.all(np.abs(decoded.astype(int) - w) <= np.abs(w[..., None].astype(int) - table).min(-1))
        again = cluster_weights(w.copy(), k)
        assert np.array_equal(again[0], indices) and np.array_equal(again[1], table)
    # linear initialisation: two clusters of a symmetric range split at zero
    idx2, t2 = cluster_weights(np.array([-100, -90, -80, 80, 90, 100], np.int8), 2)
    assert t2.tolist() == [-90, 90] and idx2.tolist() == [0, 0, 0, 1, 1, 1]
    # few enough values are kept exactly
    few = np.array([[-5, 3], [3, 70]], np.int8)
    i, t = cluster_weights(few, 4)
    assert np.array_equal(t[i], few)


def test_cluster_weights_per_channel_axis():
    w = np.random.default_rng(1).integers(-127, 128, (4, 30)).astype(np.int8)
    indices, tables = cluster_weights(w, 4, axis=0)
    assert tables.shape[0] == 4 and tables.shape[1] <= 4
    decoded = np.take_along_axis(tables, indices, axis=1)
    for c in range(4):
        i, t = cluster_weights(w[c], 4)
        assert np.array_equal(decoded[c], t[i])


@pytest.mark.parametrize("bits", [1, 2, 3, 4])
def test_index_stream_little_endian(bits):
    count = 37
    idx = np.random.default_rng(bits).integers(0, 1 << bits, count)
    packed = pack_indices(idx, bits)
    assert packed.dtype == np.uint8 and packed.size == (count * bits + 7) // 8
    assert np.array_equal(unpack_indices(packed, bits, count), idx)
    if bits == 3:   # index 0 in bits 0-2, index 2 straddles bytes 0 and 1
        assert pack_indices(np.array([5, 0, 7]), 3).tolist() == [0b11000101, 0b1]
    assert index_bits(2) == 1 and index_bits(3) == 2 and index_bits(5) == 3 and index_bits(16) == 4


def test_encode_decode_and_marker():
    w = np.array([[7, -3], [7, 100]], np.int8)
    indices, table = encode(w)
    assert table.tolist() == [-3, 7, 100]
    bits = index_bits(table.size)
    assert np.array_equal(decode(pack_indices(indices, bits), bits, table, 4).reshape(2, 2), w)
    assert codebook_k("mcutool post-training quantization (mse) codebook:8") == 8
    assert codebook_k("codebook:17") is None and codebook_k("") is None


# -- kernels: TFLite-Micro == twin == C ---------------------------------------------------------
CONV_CASES = [  # (shape, out_c, kernel, stride, dilation, padding, activation, groups, k)
    ((1, 8, 8, 3), 8, (3, 3), (1, 1), (1, 1), "SAME", "RELU", 1, 16),
    ((2, 7, 6, 3), 5, (3, 2), (2, 1), (1, 2), "VALID", "RELU6", 1, 5),    # 3-bit indices, batches
    ((1, 6, 6, 8), 6, (1, 1), (1, 1), (1, 1), "SAME", "NONE", 2, 2),      # grouped, 1-bit
    ((1, 5, 5, 17), 3, (2, 2), (1, 1), (1, 1), "SAME", "RELU_N1_TO_1", 1, 4),
    ((1, 5, 6, 4), 13, (3, 3), (2, 1), (1, 1), "SAME", "NONE", 1, 16),    # blocks of 8 and 5
]
DW_CASES = [  # (shape, kernel, stride, dilation, padding, activation, mult, k)
    ((1, 8, 8, 8), (3, 3), (1, 1), (1, 1), "SAME", "RELU", 1, 16),
    ((1, 7, 6, 5), (3, 3), (2, 1), (1, 1), "SAME", "NONE", 1, 7),
    ((1, 6, 6, 3), (2, 3), (1, 2), (2, 1), "VALID", "RELU6", 2, 3),
    ((2, 5, 5, 9), (5, 5), (1, 1), (1, 1), "SAME", "NONE", 1, 2),
]
FC_CASES = [  # (in_shape, units, activation, per_channel, k)
    ((1, 17), 10, "RELU", True, 16), ((3, 64), 7, "NONE", False, 8), ((2, 33), 5, "RELU6", True, 3),
]


def _conv(i, case, seed=0):
    shape, out_c, kernel, stride, dil, pad, act, groups, k = case
    return to_codebook(conv_graph(shape, out_c, kernel, stride, dil, pad, act, seed=seed + i, groups=groups),
                       k, seed=i)


def _dw(i, case, seed=0):
    shape, kernel, stride, dil, pad, act, mult, k = case
    return to_codebook(conv_graph(shape, 0, kernel, stride, dil, pad, act, depthwise=True, mult=mult,
                                  seed=seed + i), k, seed=i)


def _fc(i, case, seed=0):
    in_shape, units, act, per_channel, k = case
    return to_codebook(fc_graph(in_shape, units, activation=act, per_channel=per_channel, seed=seed + i),
                       k, seed=i)


@pytest.mark.parametrize("i", range(len(CONV_CASES)))
def test_conv_codebook_bit_exact(i, c_path):
    graph = _conv(i, CONV_CASES[i])
    assert lower_graph(graph).calls[0].kernel == "mcu_convolve_codebook_s8"
    check_bit_exact(graph, n=8, seed=1)


@pytest.mark.parametrize("i", range(len(DW_CASES)))
def test_depthwise_codebook_bit_exact(i, c_path):
    graph = _dw(i, DW_CASES[i])
    assert lower_graph(graph).calls[0].kernel == "mcu_depthwise_conv_codebook_s8"
    check_bit_exact(graph, n=8, seed=2)


@pytest.mark.parametrize("i", range(len(FC_CASES)))
def test_fully_connected_codebook_bit_exact(i, c_path):
    graph = _fc(i, FC_CASES[i])
    assert lower_graph(graph).calls[0].kernel == "mcu_fully_connected_codebook_s8"
    check_bit_exact(graph, n=8, seed=3)


def test_lowering_needs_the_marker_and_at_most_k_values():
    graph = _conv(0, CONV_CASES[0])
    op = graph.operators[0]
    assert data_type(graph, op) == "int8cb"
    call = lower_graph(graph).calls[0]
    indices, table, bits = call.args[6:9]
    assert bits == 4 and table.data.size == 16 and indices.data.size == 8 * 3 * 3 * 3 * 4 // 8
    # scratch: four int16 im2col columns and a byte stage (27 taps, pitch 28), then a block of
    # eight filters
    assert call.args[0].size == 4 * 28 * 2 + 28 + 8 * 3 * 3 * 3
    graph.description = "codebook:8"         # 16 values do not fit 8
    assert data_type(graph, op) == "int8"
    graph.description = "no marker"
    assert lower_graph(graph).calls[0].kernel == "arm_convolve_wrapper_s8"


# -- the digits example -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def digits():
    graph = api.load_model(DIGITS)
    calib = np.load(CALIB)["x"]
    test = np.load(ROOT / "examples" / "digits_test.npz")
    return graph, calib, test["x"], test["y"]


@pytest.fixture(scope="module")
def digits_models(digits):
    graph, calib, _, _ = digits
    return {w: run_ptq(graph, calib, PtqOptions(weights=w)).int8
            for w in ("int8", "int4", "codebook:16", "codebook:4")}


def _quantized_inputs(graph, x):
    t = graph.tensors[graph.inputs[0]]
    q = np.clip(np.round(x / t.scale) + t.zero_point, -128, 127).astype(np.int8)
    return [[s.reshape(t.shape)] for s in q]


def _accuracy(graph, x, y) -> float:
    out = api.reference(api.compile_graph(graph), _quantized_inputs(graph, x))
    return float(np.mean([o[0].argmax() for o in out] == np.asarray(y)))


def _flash_bytes(graph) -> int:
    lowered = lower_graph(graph)
    meta = render_sources(lowered, plan_memory(lowered))["mcutool.json"]
    import json
    return int(json.loads(meta)["weight_bytes"])


@pytest.mark.slow  # quantizes and runs the digits example
def test_digits_codebook16_acceptance(digits, digits_models):
    """At least as accurate as int4 PTQ, weight bytes at most 55% of int8's."""
    _, _, x, y = digits
    cb = digits_models["codebook:16"]
    assert _accuracy(cb, x, y) >= _accuracy(digits_models["int4"], x, y)
    int8_bytes = _flash_bytes(digits_models["int8"])
    assert int8_bytes == 3000 and _flash_bytes(cb) <= 0.55 * int8_bytes
    weights = [cb.tensors[op.inputs[1]] for op in cb.operators
               if op.type in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")]
    assert len(weights) == 4 and all(w.dtype == "int8" and np.unique(w.values).size <= 16 for w in weights)
    assert {data_type(cb, op) for op in cb.operators} == {"int8", "int8cb"}


def test_digits_codebook_bit_exact_with_tflm(digits, digits_models, c_path):
    _, _, x, _ = digits
    for name in ("codebook:16", "codebook:4"):
        graph = digits_models[name]
        check_bit_exact(graph, samples=_quantized_inputs(graph, x[:12]))


def test_tflite_round_trip_gives_the_same_c(digits_models, tmp_path):
    """The .tflite holds the decoded int8 weights and the marker; read back, it generates the
    same compressed C."""
    graph = digits_models["codebook:16"]
    back = read_tflite(write_tflite(graph, description=graph.description))
    assert codebook_k(back.description) == 16

    def sources(g):
        lowered = lower_graph(g)
        return render_sources(lowered, plan_memory(lowered), source_name="m")
    import re
    a, b = sources(graph), sources(back)
    def code(text):   # op names (in comments) are not kept by .tflite
        return re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    assert code(a["model.c"]) == code(b["model.c"]) and a["model_weights.c"] == b["model_weights.c"]
    assert "mcu_convolve_codebook_s8" in a["model.c"]


def test_quantize_cli_codebook(capsys, tmp_path):
    out_path = tmp_path / "cb.tflite"
    with pytest.raises(SystemExit) as exit_info:
        main(["quantize", str(DIGITS), "--calib", str(CALIB), "-o", str(out_path), "--weights", "codebook:8"])
    out, _ = capsys.readouterr()
    assert exit_info.value.code in (0, None) and "codebook:8" in out
    graph = read_tflite(out_path.read_bytes())
    assert codebook_k(graph.description) == 8
    assert "mcu_fully_connected_codebook_s8" in [c.kernel for c in lower_graph(graph).calls]


@pytest.mark.parametrize("value", ["codebook:1", "codebook:17", "codebook:", "codebook", "codebook:x",
                                   "codebook:4.5"])
def test_bad_codebook_exit_2(capsys, tmp_path, value):
    out_path = tmp_path / "q.tflite"
    with pytest.raises(SystemExit) as exit_info:
        main(["quantize", str(DIGITS), "--calib", str(CALIB), "-o", str(out_path), "--weights", value])
    _, err = capsys.readouterr()
    assert exit_info.value.code == 2 and not out_path.exists()
    assert err.strip() == f"error: --weights {value!r}: write codebook:K with K from 2 to 16", err
    with pytest.raises(CodebookError):
        parse_weights(value)


def test_api_codebook(digits):
    graph, calib, _, _ = digits
    q, summary = api.quantize_model(graph, calib, weights="codebook:16")
    assert codebook_k(q.description) == 16 and len(summary["codebook_sizes"]) == 4


# -- the emulated boards ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def codebook_zoo():
    graphs = ([_conv(i, c, 700) for i, c in enumerate(CONV_CASES)]
              + [_dw(i, c, 800) for i, c in enumerate(DW_CASES)]
              + [_fc(i, c, 900) for i, c in enumerate(FC_CASES)])
    graph = _merge(graphs, "codebook_zoo")
    graph.description = "codebook:16"
    return graph


@pytest.mark.slow
@pytest.mark.parametrize("board", ["mps2-an386", "mps2-an385", "mps3-an547"])
def test_codebook_kernels_bit_exact_on_the_board(codebook_zoo, digits_models, board):
    """Every codebook case above and the codebook:16 digits model, under QEMU, against
    TFLite-Micro."""
    from mcutool.oracle.tflm import run_tflm_batch
    for graph, samples in ((codebook_zoo, random_samples(codebook_zoo, 3, seed=4)),
                           (digits_models["codebook:16"], None)):
        if samples is None:
            x = np.load(ROOT / "examples" / "digits_test.npz")["x"][:20]
            samples = _quantized_inputs(graph, x)
        expected = run_tflm_batch(write_tflite(graph), samples)
        with tempfile.TemporaryDirectory(prefix="mcutool-codebook-") as tmp:
            out = api.generate(api.compile_graph(graph, board), Path(tmp) / "gen")
            assert_same(expected, api.run(out, samples, board=board), f"{board} vs TFLite-Micro")


def test_generate_int8_model_with_codebook_option(capsys, tmp_path, digits_models):
    """An int8 .tflite without the marker (e.g. clustered elsewhere): `generate --weights
    codebook:K` stores its layers with at most K values as codebooks, without re-clustering."""
    import json

    from mcutool.quantize.command import write_model
    graph = digits_models["codebook:16"]
    graph_plain = read_tflite(write_tflite(graph, description="plain"))
    path = write_model(graph_plain, tmp_path / "plain.tflite")
    for args, kernel in (([], "arm_convolve_wrapper_s8"), (["--weights", "codebook:16"], "mcu_convolve_codebook_s8")):
        out = tmp_path / f"gen{len(args)}"
        with pytest.raises(SystemExit) as exit_info:
            main(["generate", str(path), "-o", str(out), *args])
        capsys.readouterr()
        assert exit_info.value.code in (0, None)
        assert kernel in (out / "model.c").read_text()
    meta = json.loads((tmp_path / "gen2" / "mcutool.json").read_text())
    assert meta["weight_bytes"] == _flash_bytes(graph) == 1648
    # the graph's stored bytes count the codebooks too (unmarked: int8; RESHAPE's shape is in both)
    assert weight_bytes(graph_plain) - weight_bytes(graph) == 3000 - 1648


def test_inspect_counts_codebook_weights_packed(digits_models):
    from mcutool.report.inspect import format_inspect, inspect_graph
    info = inspect_graph(digits_models["codebook:16"])
    assert info["codebook_layers"] == 4
    assert "(4 layers as codebooks: packed indices and a table)" in format_inspect(info)
    assert inspect_graph(digits_models["int8"])["codebook_layers"] == 0
