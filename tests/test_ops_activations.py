"""RELU, RELU6, LEAKY_RELU (int8): TFLite-Micro == numpy reference == generated C.

Every graph is fed all 256 int8 codes, so each check is exhaustive over the input domain.
TFLM facts pinned here: RELU requantizes to the output scale, RELU6 ignores the output's
quantization entirely, LEAKY_RELU's alpha may be < 0, 0, < 1 or > 1.
"""
import numpy as np
import pytest
from bitexact import check_bit_exact

from mcutool.errors import UnsupportedOpsError
from mcutool.frontends.tflite import write_tflite
from mcutool.ir.builder import GraphBuilder
from mcutool.lower import lower_graph
from mcutool.oracle.tflm import run_tflm_batch
from mcutool.reference import run_reference

ALL_CODES = np.arange(-128, 128, dtype=np.int8)


def unary_graph(op, in_quant, out_quant, shape=(256,), **attrs):
    b = GraphBuilder(op.lower())
    b.input("x", shape, scale=in_quant[0], zero_point=in_quant[1])
    b.tensor("y", shape, scale=out_quant[0], zero_point=out_quant[1])
    b.op(op, ["x"], ["y"], **attrs)
    b.output("y")
    return b.build()


def all_codes(shape=(256,)):
    return [[ALL_CODES.reshape(shape)]]


# (input (scale, zp), output (scale, zp))
RELU_CASES = [
    ((0.05, -20), (0.05, -20)),      # same quantization: a plain clamp at the zero point
    ((0.05, -20), (0.03, -128)),     # output scale smaller: requantize, codes saturate at 127
    ((0.02, 100), (0.1, 7)),         # output scale larger
    ((0.1, -128), (0.1, -128)),      # zero point at the bottom: identity
    ((0.5, 127), (0.01, 50)),        # every input <= 0
]


@pytest.mark.parametrize("case", range(len(RELU_CASES)))
def test_relu_bit_exact(case):
    check_bit_exact(unary_graph("RELU", *RELU_CASES[case]), samples=all_codes())


RELU6_CASES = [
    ((0.05, -20), (0.05, -20)),      # six = 100: inside int8
    ((0.1, 3), (0.02, -100)),        # output quantization differs: TFLM ignores it
    ((0.01, 100), (0.01, 100)),      # six = 700: clamped to 127
    ((1.0, -128), (1.0, -128)),      # six = -122
]


@pytest.mark.parametrize("case", range(len(RELU6_CASES)))
def test_relu6_bit_exact(case):
    check_bit_exact(unary_graph("RELU6", *RELU6_CASES[case], shape=(4, 8, 8)),
                    samples=all_codes((4, 8, 8)))


# (alpha, input quant, output quant)
LEAKY_CASES = [
    (0.2, (0.05, -10), (0.04, -30)),
    (0.01, (0.02, 30), (0.02, 30)),
    (1.7, (0.03, 0), (0.09, -50)),       # alpha > 1
    (-0.3, (0.04, -60), (0.05, 10)),     # negative alpha: negative multiplier
    (0.0, (0.1, 5), (0.05, -128)),       # alpha 0: zero multiplier
    (0.5, (0.2, -128), (0.01, 0)),       # output scale much smaller: saturates
]


@pytest.mark.parametrize("case", range(len(LEAKY_CASES)))
def test_leaky_relu_bit_exact(case):
    alpha, in_q, out_q = LEAKY_CASES[case]
    check_bit_exact(unary_graph("LEAKY_RELU", in_q, out_q, alpha=alpha), samples=all_codes())


def test_kernel_choice():
    relu_same = lower_graph(unary_graph("RELU", (0.05, 3), (0.05, 3))).calls[0]
    assert relu_same.kernel == "mcu_clamp_s8" and relu_same.args[3:] == [3, 127]
    relu = lower_graph(unary_graph("RELU", (0.05, 3), (0.1, -128))).calls[0]
    assert relu.kernel == "mcu_requantize_s8" and relu.args[-2:] == [-128, 127]
    relu6 = lower_graph(unary_graph("RELU6", (0.05, -20), (0.5, 99))).calls[0]
    assert relu6.kernel == "mcu_clamp_s8" and relu6.args[3:] == [-20, 100]


def test_random_sweep_reference():
    """Numpy twins vs TFLite-Micro: random scales (ratios 1/50 to 50), zero points, alphas."""
    rng = np.random.default_rng(99)
    for i in range(60):
        op = ("RELU", "RELU6", "LEAKY_RELU")[i % 3]
        si, so = np.exp(rng.uniform(-6, 0, 2))
        zi, zo = (int(z) for z in rng.integers(-128, 128, 2))
        attrs = {"alpha": float(rng.uniform(-1, 3))} if op == "LEAKY_RELU" else {}
        graph = unary_graph(op, (si, zi), (so, zo), **attrs)
        expected = run_tflm_batch(write_tflite(graph), all_codes())[0][0]
        got = run_reference(lower_graph(graph), [ALL_CODES])[0]
        assert np.array_equal(got, expected), (op, si, zi, so, zo, attrs)


def test_unsupported_variants():
    b = GraphBuilder()
    b.input("x", (4,), "float32")
    b.tensor("y", (4,), "float32")
    b.op("RELU", ["x"], ["y"])
    b.output("y")
    with pytest.raises(UnsupportedOpsError, match="float32"):
        lower_graph(b.build())
    b = GraphBuilder()
    b.input("x", (4,), "int16", 0.01, 0)
    b.tensor("y", (4,), "int8", 0.01, 0)   # int16 in, int8 out: no such kernel
    b.op("LEAKY_RELU", ["x"], ["y"], alpha=0.1)
    b.output("y")
    with pytest.raises(UnsupportedOpsError, match="int16"):
        lower_graph(b.build())
