"""16-bit activations end to end: `quantize --activations int16` on the digits example (TFLite's
16x8 layout, bit-exact with TFLite-Micro through the twin and the host C), a 16x8 model laid
out as TensorFlow's converter writes it with float input and output, and bad options."""
from pathlib import Path

import numpy as np
import pytest
from bitexact import check_bit_exact
from clirun import cli

from mcutool import api
from mcutool.data import to_model_input
from mcutool.frontends.tflite import read_tflite, write_tflite
from mcutool.ir import Graph, Operator, QuantParams, Tensor
from mcutool.quantize.pipeline import PtqOptions, run_ptq

ROOT = Path(__file__).resolve().parent.parent
DIGITS = ROOT / "examples" / "digits_cnn_float.tflite"
CALIB = ROOT / "examples" / "digits_calib.npz"


@pytest.fixture(scope="module")
def digits():
    graph = api.load_model(DIGITS)
    test = np.load(ROOT / "examples" / "digits_test.npz")
    return graph, np.load(CALIB)["x"], test["x"], test["y"]


@pytest.fixture(scope="module")
def digits16(digits):
    graph, calib, _, _ = digits
    return run_ptq(graph, calib, PtqOptions(activations="int16")).int8


def accuracy(graph: Graph, x: np.ndarray, y: np.ndarray) -> float:
    compiled = api.compile_graph(graph)
    q = to_model_input(graph, x)
    out = api.reference(compiled, [[s] for s in q])
    return float(np.mean([o[0].argmax() for o in out] == np.asarray(y)))


def test_digits_int16_layout(digits16):
    """What TFLite's 16x8 spec asks for: int16 activations with zero point 0, int8 weights,
    int64 bias, a per-tensor FC, SOFTMAX output (1/32768, 0)."""
    g = digits16
    acts = [t for t in g.tensors.values() if not t.is_const]
    assert {t.dtype for t in acts} == {"int16"}
    assert all(int(t.quant.zero_point[0]) == 0 for t in acts)
    weights = {op.type: g.tensors[op.inputs[1]] for op in g.operators if len(op.inputs) > 1}
    assert {weights[k].dtype for k in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")} == {"int8"}
    assert weights["FULLY_CONNECTED"].quant.scale.size == 1
    assert {g.tensors[op.inputs[2]].dtype for op in g.operators if op.type in weights and len(op.inputs) > 2} \
        == {"int64"}
    out = g.tensors[g.outputs[0]]
    assert float(out.quant.scale[0]) == pytest.approx(1 / 32768) and int(out.quant.zero_point[0]) == 0


def test_digits_int16_accuracy(digits, digits16):
    graph, calib, x, y = digits
    int8 = run_ptq(graph, calib, PtqOptions()).int8
    assert accuracy(digits16, x, y) >= accuracy(int8, x, y) - 0.005


def test_digits_int16_bit_exact_with_tflm(digits, digits16, c_path):
    q = to_model_input(digits16, digits[2][:30])
    check_bit_exact(digits16, samples=[[s] for s in q])


def with_float_edges(graph: Graph) -> Graph:
    """The converter's 16x8 layout with float input and output: QUANTIZE float -> int16 first,
    DEQUANTIZE int16 -> float last."""
    g = Graph(name=graph.name, description="TensorFlow-style 16x8 model")
    [x], [y] = graph.inputs, graph.outputs
    xt, yt = graph.tensors[x], graph.tensors[y]
    g.add_tensor(Tensor("serving_input", xt.shape, "float32"))
    for t in graph.tensors.values():
        g.add_tensor(t)
    g.add_tensor(Tensor("serving_output", yt.shape, "float32"))
    g.add_op(Operator("QUANTIZE", ["serving_input"], [x], name="quantize"))
    for op in graph.operators:
        g.add_op(op)
    g.add_op(Operator("DEQUANTIZE", [y], ["serving_output"], name="dequantize"))
    g.inputs, g.outputs = ["serving_input"], ["serving_output"]
    g.validate()
    return g


def test_tensorflow_made_16x8_model_runs(digits, digits16):
    """Written to .tflite and read back, as a converted file would be, then run: TFLite-Micro ==
    twin == host C on float inputs, and its float outputs are probabilities."""
    model = read_tflite(write_tflite(with_float_edges(digits16)))
    assert [op.type for op in model.operators][::len(model.operators) - 1] == ["QUANTIZE", "DEQUANTIZE"]
    x = digits[2][:8].astype(np.float32)
    expected = check_bit_exact(model, samples=[[s] for s in x])
    probs = np.array([e[0] for e in expected]).reshape(8, -1)
    assert np.allclose(probs.sum(axis=1), 1.0, atol=0.01)


def test_quantize_cli_int16(capsys, tmp_path):
    out_path = tmp_path / "q16.tflite"
    code, out, _ = cli(capsys, "quantize", DIGITS, "--calib", CALIB, "-o", out_path, "--activations", "int16")
    assert code in (0, None)
    assert "int16 activations" in out and "int16 ops" in out
    graph = read_tflite(out_path.read_bytes())
    assert graph.tensors[graph.inputs[0]].dtype == "int16"


@pytest.mark.parametrize("args, message", [
    (["--activations", "int4"], "--activations 'int4' is not supported; choose int8 or int16"),
    (["--activations", "int16", "--weights", "int4"], "--activations int16 takes int8 weights, not int4"),
])
def test_bad_activation_options_exit_2(capsys, tmp_path, args, message):
    out_path = tmp_path / "q.tflite"
    code, _, err = cli(capsys, "quantize", DIGITS, "--calib", CALIB, "-o", out_path, *args)
    assert code == 2 and err.strip() == f"error: {message}", err
    assert not out_path.exists()


def test_int16_constant_operand_is_int16():
    """A float constant of an ADD becomes int16 symmetric, not int8."""
    from mcutool.ir.builder import GraphBuilder
    b = GraphBuilder("addc")
    b.input("x", (1, 4), dtype="float32")
    b.const("c", np.array([[0.5, -1.0, 2.0, 0.25]], np.float32))
    b.tensor("y", (1, 4), dtype="float32")
    b.op("ADD", ["x", "c"], ["y"])
    b.output("y")
    q = run_ptq(b.build(), np.random.default_rng(0).normal(size=(20, 1, 4)).astype(np.float32),
                PtqOptions(activations="int16")).int8
    c = next(t for t in q.tensors.values() if t.is_const)
    assert c.dtype == "int16" and int(c.quant.zero_point[0]) == 0
    assert isinstance(c.quant, QuantParams)
    check_bit_exact(q, n=4, seed=0)


@pytest.mark.slow
def test_digits_int16_bit_exact_on_mps2_an386(digits, digits16, tmp_path):
    from bitexact import assert_same

    from mcutool.oracle.tflm import run_tflm_batch
    samples = [[s] for s in to_model_input(digits16, digits[2][:40])]
    out = api.generate(api.compile_graph(digits16), tmp_path / "gen")
    assert_same(run_tflm_batch(write_tflite(digits16), samples), api.run(out, samples, board="mps2-an386"),
                "mps2-an386 vs TFLite-Micro")
