"""4-bit weights end to end: the IR's sub-byte type, TFLite's INT4 in .tflite files (packed,
element 0 in the low nibble), PTQ with --weights int4 (nearest and AdaRound) on the digits
example, packed weights in the generated C, and bad --weights / --rounding values."""
from pathlib import Path

import numpy as np
import pytest
from bitexact import check_bit_exact
from clirun import cli

from mcutool import api
from mcutool.frontends.tflite import read_tflite, write_tflite
from mcutool.ir import Tensor
from mcutool.ir.analysis import weight_bytes
from mcutool.ir.dtypes import dtype_of, pack_int4, unpack_int4
from mcutool.quantize.int4 import quantize_weights_int4
from mcutool.quantize.pipeline import PtqOptions, run_ptq

ROOT = Path(__file__).resolve().parent.parent
DIGITS = ROOT / "examples" / "digits_cnn_float.tflite"


@pytest.fixture(scope="module")
def digits():
    graph = api.load_model(DIGITS)
    calib = np.load(ROOT / "examples" / "digits_calib.npz")["x"]
    test = np.load(ROOT / "examples" / "digits_test.npz")
    return graph, calib, test["x"], test["y"]


@pytest.fixture(scope="module")
def digits_models(digits):
    graph, calib, _, _ = digits
    return {name: run_ptq(graph, calib, PtqOptions(weights=w, rounding=r))
            for name, (w, r) in {"int8": ("int8", "nearest"), "nearest": ("int4", "nearest"),
                                 "adaround": ("int4", "adaround")}.items()}


def accuracy(graph, x, y) -> float:
    compiled = api.compile_graph(graph)
    t = graph.tensors[graph.inputs[0]]
    q = np.clip(np.round(x / t.scale) + t.zero_point, -128, 127).astype(np.int8)
    out = api.reference(compiled, [[s.reshape(t.shape)] for s in q])
    return float(np.mean([o[0].argmax() for o in out] == np.asarray(y)))


def test_int4_is_a_four_bit_type():
    t4 = dtype_of("int4")
    assert t4.bits == 4 and t4.storage == "int8" and t4.range == (-8, 7)
    assert t4.nbytes(5) == 3 and dtype_of("int8").nbytes(5) == 5
    t = Tensor("w", (3, 3), "int4", data=np.arange(-4, 5).reshape(3, 3))
    assert t.bits == 4 and t.nbytes == 5 and t.data.dtype == np.int8
    assert Tensor("b", (3,), "int32").itemsize == 4
    with pytest.raises(ValueError, match="4 bits"):
        _ = t.itemsize


def test_packing_layout_low_nibble_first():
    """Weights 1, 2, 3, 4 are bytes 0x21, 0x43 (CMSIS-NN's example); an odd count leaves the
    last high nibble 0; negative values are two's complement nibbles."""
    assert pack_int4(np.array([1, 2, 3, 4])).tolist() == [0x21, 0x43]
    assert pack_int4(np.array([-1, 7, -8])).tolist() == [0x7F, 0x08]
    values = np.random.default_rng(0).integers(-8, 8, 37).astype(np.int8)
    assert np.array_equal(unpack_int4(pack_int4(values), 37), values)
    with pytest.raises(ValueError):
        pack_int4(np.array([8]))


@pytest.mark.slow  # trains AdaRound on the digits example once
def test_tflite_int4_round_trip(digits_models):
    """Written as TensorType.INT4 (17) with ceil(n / 2) bytes, read back identical."""
    import tflite
    graph = digits_models["nearest"].int8
    blob = write_tflite(graph)
    back = read_tflite(blob)
    int4 = [n for n, t in graph.tensors.items() if t.dtype == "int4"]
    assert len(int4) == 4
    for name in int4:
        assert back.tensors[name].dtype == "int4"
        assert np.array_equal(back.tensors[name].data, graph.tensors[name].data)
        assert np.array_equal(back.tensors[name].quant.scale, graph.tensors[name].quant.scale)
    model = tflite.Model.GetRootAsModel(blob, 0)
    sub = model.Subgraphs(0)
    for i in range(sub.TensorsLength()):
        t = sub.Tensors(i)
        if t.Name().decode() in int4:
            assert t.Type() == tflite.TensorType.INT4 == 17
            size = graph.tensors[t.Name().decode()].size
            assert model.Buffers(t.Buffer()).DataLength() == (size + 1) // 2
    assert write_tflite(back) == blob


def test_odd_sized_int4_tensor_round_trip():
    from test_ops_fully_connected import fc_graph
    from test_ops_int4 import to_int4
    graph = to_int4(fc_graph((1, 9), 3, per_channel=False))   # 27 weights: 14 bytes
    back = read_tflite(write_tflite(graph))
    assert np.array_equal(back.tensors["w"].data, graph.tensors["w"].data)
    check_bit_exact(back, n=5, seed=1, run_c=False)


def test_quantize_weights_int4_for_qat_export():
    w = np.random.default_rng(1).normal(size=(4, 3, 3, 2)).astype(np.float32)
    codes, scales = quantize_weights_int4(w, axis=0)
    assert codes.dtype == np.int8 and codes.min() >= -7 and codes.max() <= 7 and scales.shape == (4,)
    assert np.allclose(scales, np.abs(w).reshape(4, -1).max(axis=1) / 7)
    given = np.full(4, 0.25, np.float32)
    codes2, scales2 = quantize_weights_int4(w, axis=0, scales=given)
    assert np.array_equal(codes2, np.clip(np.round(w / 0.25), -7, 7)) and np.array_equal(scales2, given)
    assert quantize_weights_int4(w, None)[1].shape == (1,)
    with pytest.raises(ValueError):
        quantize_weights_int4(w, axis=0, scales=np.ones(3))


@pytest.mark.slow  # trains AdaRound on the digits example once
def test_digits_int4_weights_bytes_and_layout(digits_models):
    int8, int4 = digits_models["int8"].int8, digits_models["nearest"].int8
    assert weight_bytes(int4) <= 0.55 * weight_bytes(int8), (weight_bytes(int4), weight_bytes(int8))
    kinds = {op.type: (int4.tensors[op.inputs[1]].dtype, int4.tensors[op.inputs[1]].quant.axis)
             for op in int4.operators if op.type in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")}
    assert kinds == {"CONV_2D": ("int4", 0), "DEPTHWISE_CONV_2D": ("int4", 3), "FULLY_CONNECTED": ("int4", None)}
    for op in int4.operators:
        if op.type != "SOFTMAX" and len(op.inputs) > 1 and op.inputs[1]:
            assert int4.tensors[op.inputs[1]].data.min() >= -7


@pytest.mark.slow  # trains AdaRound on the digits example once
def test_generated_weights_are_packed(tmp_path, digits_models):
    graph = digits_models["nearest"].int8
    out = api.generate(api.compile_graph(graph), tmp_path / "gen")
    out8 = api.generate(api.compile_graph(digits_models["int8"].int8), tmp_path / "gen8")
    flash4, flash8 = api.read_metadata(out)["weight_bytes"], api.read_metadata(out8)["weight_bytes"]
    assert flash4 <= 0.55 * flash8, (flash4, flash8)     # 1584 vs 3000 bytes in flash
    text = (out / "model_weights.c").read_text()
    fc = next(op for op in graph.operators if op.type == "FULLY_CONNECTED")
    assert f"[{graph.tensors[fc.inputs[1]].size // 2}]" in text       # 2560 weights in 1280 bytes


@pytest.mark.slow  # trains AdaRound on the digits example once
def test_adaround_beats_nearest_on_digits(digits, digits_models):
    """Learned rounding lowers the output error of every int4 layer on the calibration data,
    and on the test images the logits are measurably closer to the float model's (SQNR), with
    no loss of accuracy."""
    from mcutool.report.quantization import quantization_report
    _, _, x, y = digits
    layers = digits_models["adaround"].summary["adaround"]["layers"]
    assert len(layers) == 4 and all(r["changed"] > 0 for r in layers)
    assert all(r["error_adaround"] < 0.95 * r["error_nearest"] for r in layers), layers
    assert sum(r["error_adaround"] for r in layers) < 0.3 * sum(r["error_nearest"] for r in layers)
    reports = {k: quantization_report(digits_models[k].reference, digits_models[k].int8, x, y)
               for k in ("nearest", "adaround")}

    def logits_sqnr(report: dict) -> float:
        return [r for r in report["layers"] if r["op"] != "SOFTMAX"][-1]["sqnr_db"]
    assert logits_sqnr(reports["adaround"]) > logits_sqnr(reports["nearest"]) + 3.0
    assert reports["adaround"]["mean_sqnr_db"] > reports["nearest"]["mean_sqnr_db"] + 2.0
    assert reports["adaround"]["int8_accuracy"] >= reports["nearest"]["int8_accuracy"]
    assert accuracy(digits_models["adaround"].int8, x, y) == reports["adaround"]["int8_accuracy"]


@pytest.mark.slow  # trains AdaRound on the digits example once
def test_digits_int4_bit_exact_with_tflm(digits, digits_models, c_path):
    x = digits[2]
    qgraph = digits_models["adaround"].int8
    t = qgraph.tensors[qgraph.inputs[0]]
    q = np.clip(np.round(x[:40] / t.scale) + t.zero_point, -128, 127).astype(np.int8)
    check_bit_exact(qgraph, samples=[[s.reshape(t.shape)] for s in q])


@pytest.mark.parametrize("args, message", [
    (["--weights", "int3"], "--weights 'int3' is not supported; choose int8, int4 or codebook:K"),
    (["--weights", "int4", "--rounding", "stochastic"],
     "--rounding 'stochastic' is not supported; choose nearest or adaround"),
    (["--rounding", "adaround"], "--rounding adaround applies to --weights int4 only"),
    (["--weights", "int4", "--rounding", "adaround", "--bias-correction"],
     "--bias-correction and --rounding adaround do not combine: AdaRound re-rounds the weights the "
     "correction was measured for; use one of them"),
])
def test_bad_weight_options_exit_2(capsys, tmp_path, args, message):
    out_path = tmp_path / "q.tflite"
    code, _, err = cli(capsys, "quantize", DIGITS, "--calib", ROOT / "examples" / "digits_calib.npz",
                       "-o", out_path, *args)
    assert code == 2 and err.strip() == f"error: {message}", err
    assert not out_path.exists()


def test_quantize_cli_int4(capsys, tmp_path):
    out_path = tmp_path / "q4.tflite"
    code, out, _ = cli(capsys, "quantize", DIGITS, "--calib", ROOT / "examples" / "digits_calib.npz",
                       "-o", out_path, "--weights", "int4", "--json")
    assert code in (0, None)
    assert '"weights": "int4"' in out
    graph = read_tflite(out_path.read_bytes())
    assert {t.dtype for t in graph.tensors.values() if t.is_const} == {"int4", "int32"}


def test_api_rejects_bad_weights(digits):
    from mcutool.errors import McutoolError
    graph, calib, _, _ = digits
    with pytest.raises(McutoolError, match="int2"):
        api.quantize_model(graph, calib, weights="int2")


@pytest.mark.slow  # trains AdaRound on the digits example once
def test_inspect_counts_int4_weights_packed(tmp_path, digits_models):
    from mcutool.quantize.command import write_model
    from mcutool.report.inspect import format_inspect, inspect_graph
    path = write_model(digits_models["nearest"].int8, tmp_path / "q4.tflite")
    info = inspect_graph(api.load_model(path))
    assert info["weight_bytes"] == 1592 and "int4" in info["weight_dtypes"]
    assert "1,592 weight bytes (int4 packed two per byte)" in format_inspect(info)


@pytest.mark.slow
def test_digits_int4_bit_exact_on_the_board(digits, digits_models):
    """The AdaRound int4 digits model on the emulated Cortex-M4 (DSP path), all 540 test
    images, against TFLite-Micro."""
    from bitexact import assert_same

    from mcutool.oracle.tflm import run_tflm_batch
    _, _, x, _ = digits
    qgraph = digits_models["adaround"].int8
    t = qgraph.tensors[qgraph.inputs[0]]
    q = np.clip(np.round(x / t.scale) + t.zero_point, -128, 127).astype(np.int8)
    samples = [[s.reshape(t.shape)] for s in q]
    expected = run_tflm_batch(write_tflite(qgraph), samples)
    import tempfile
    with tempfile.TemporaryDirectory(prefix="mcutool-int4-") as tmp:
        out = api.generate(api.compile_graph(qgraph, "mps2-an386"), Path(tmp) / "gen")
        assert_same(expected, api.run(out, samples, board="mps2-an386"), "mps2-an386 vs TFLite-Micro")


def test_bias_correction_with_int4_weights_is_bit_exact(digits):
    """Bias correction measures the shift of int4 rounding when the weights are int4."""
    graph, calib, x, _ = digits
    plain = run_ptq(graph, calib, PtqOptions(weights="int4")).int8
    corrected = run_ptq(graph, calib, PtqOptions(weights="int4", bias_correction=True)).int8
    fc = next(op for op in corrected.operators if op.type == "FULLY_CONNECTED")
    assert corrected.tensors[fc.inputs[1]].dtype == "int4"
    assert not np.array_equal(corrected.tensors[fc.inputs[2]].data, plain.tensors[fc.inputs[2]].data)
    t = corrected.tensors[corrected.inputs[0]]
    q = np.clip(np.round(x[:10] / t.scale) + t.zero_point, -128, 127).astype(np.int8)
    check_bit_exact(corrected, samples=[[s.reshape(t.shape)] for s in q], run_c=False)
