"""QUANTIZE (float32 -> int8, int8 -> int8) and DEQUANTIZE (int8 -> float32): TFLite-Micro ==
numpy reference == generated C.

Float inputs include exact halves (k + 0.5) * scale, their float32 neighbours (where a rounding
shortcut such as `x * (1/scale)`, double division or `floor(x + 0.5)` goes wrong), signed zeros
and values far outside the int8 range. Inputs TFLM leaves undefined (NaN, infinities, quotients
beyond int32) are checked only between the numpy reference and the C, which saturate them.
"""
import tempfile

import numpy as np
import pytest
from bitexact import check_bit_exact

from mcutool import api
from mcutool.errors import UnsupportedOpsError
from mcutool.ir.builder import GraphBuilder
from mcutool.lower import lower_graph

ALL_CODES = np.arange(-128, 128, dtype=np.int8)


def unary_graph(op, in_dtype, in_quant, out_dtype, out_quant, shape):
    b = GraphBuilder(op.lower())
    b.input("x", shape, in_dtype, *in_quant)
    b.tensor("y", shape, out_dtype, *out_quant)
    b.op(op, ["x"], ["y"])
    b.output("y")
    return b.build()


def tricky_floats(scale, rng):
    """Halves, their neighbours, integers, signed zeros, far out-of-range and random values."""
    scale = np.float32(scale)
    k = np.arange(-300, 300, dtype=np.float32)
    halves = (k + np.float32(0.5)) * scale
    values = [halves, np.nextafter(halves, np.float32(np.inf)), np.nextafter(halves, np.float32(-np.inf)),
              k * scale, np.float32([0.0, -0.0, 0.49999997, -0.49999997, 1e-30, -1e-30]),
              np.float32([1e4, -1e4, 3e5]) * scale, rng.normal(0.0, 100.0, 300).astype(np.float32) * scale]
    return np.concatenate(values).astype(np.float32)


# (output scale, output zero point)
QUANT_CASES = [(0.05, 0), (0.0123, -17), (0.7, 100), (3e-4, -128), (1.0, 127)]


@pytest.mark.parametrize("case", range(len(QUANT_CASES)))
def test_quantize_float_bit_exact(case):
    scale, zp = QUANT_CASES[case]
    x = tricky_floats(scale, np.random.default_rng(case))
    graph = unary_graph("QUANTIZE", "float32", (None, None), "int8", (scale, zp), x.shape)
    check_bit_exact(graph, samples=[[x]])


# (input quant, output quant): scale ratios < 1, > 1, == 1
REQUANT_CASES = [
    ((0.05, -20), (0.08, 10)),
    ((0.05, -20), (0.011, 10)),       # ratio 4.5: saturates
    ((0.02, 127), (0.02, -128)),      # same scale, zero point moves by 255
    ((0.0371, 5), (0.0371, 5)),       # identity
    ((1e-3, 0), (0.25, 0)),           # ratio 1/250: almost everything rounds to 0
]


@pytest.mark.parametrize("case", range(len(REQUANT_CASES)))
def test_requantize_bit_exact(case):
    in_q, out_q = REQUANT_CASES[case]
    graph = unary_graph("QUANTIZE", "int8", in_q, "int8", out_q, (256,))
    check_bit_exact(graph, samples=[[ALL_CODES]])


@pytest.mark.parametrize("quant", [(0.05, 0), (0.0123, -17), (3e-4, -128), (0.7, 127)])
def test_dequantize_bit_exact(quant):
    graph = unary_graph("DEQUANTIZE", "int8", quant, "float32", (None, None), (4, 64))
    check_bit_exact(graph, samples=[[ALL_CODES.reshape(4, 64)]])


def test_float_in_float_out_chain():
    """QUANTIZE -> DEQUANTIZE: float input and output at the graph boundary."""
    b = GraphBuilder("roundtrip")
    b.input("x", (2, 5, 7), "float32")
    b.tensor("q", (2, 5, 7), "int8", 0.031, -3)
    b.tensor("y", (2, 5, 7), "float32")
    b.op("QUANTIZE", ["x"], ["q"])
    b.op("DEQUANTIZE", ["q"], ["y"])
    b.output("y")
    check_bit_exact(b.build(), n=5, seed=3)


def test_undefined_inputs_saturate_in_reference_and_c():
    """NaN, infinities and quotients beyond int32: TFLM's result is undefined behaviour (on x86
    1e20 comes out as -128); the reference and the C agree on saturation, NaN giving -128."""
    x = np.float32([np.nan, np.inf, -np.inf, 1e20, -1e20, 3e9, -3e9, 126.5, -128.5])
    graph = unary_graph("QUANTIZE", "float32", (None, None), "int8", (1.0, -5), x.shape)
    compiled = api.compile_graph(graph)
    expected = np.int8([-128, 127, -128, 127, -128, 127, -128, 122, -128])
    assert np.array_equal(api.reference(compiled, [[x]])[0][0], expected)
    with tempfile.TemporaryDirectory(prefix="mcutool-test-") as tmp:
        out = api.generate(compiled, f"{tmp}/gen", source_name=graph.name)
        assert np.array_equal(api.run(out, [[x]], sanitize=True)[0][0], expected)


def test_unsupported_variants():
    cases = [
        ("QUANTIZE", "float32", (None, None), "int32", (0.01, 0), "int32"),
        ("QUANTIZE", "uint8", (0.01, 128), "int8", (0.01, 0), "uint8"),
        ("QUANTIZE", "int16", (0.01, 0), "uint8", (0.01, 128), "from int16 to uint8"),
        ("DEQUANTIZE", "int16", (0.01, 0), "int8", (0.01, 0), "DEQUANTIZE to int8"),
    ]
    for op, in_dtype, in_q, out_dtype, out_q, fragment in cases:
        graph = unary_graph(op, in_dtype, in_q, out_dtype, out_q, (4,))
        with pytest.raises(UnsupportedOpsError, match=fragment):
            lower_graph(graph)
    b = GraphBuilder()
    b.input("x", (2, 3), "float32")
    b.tensor("y", (2, 3), "int8", [0.1, 0.2, 0.3], 0, axis=1)
    b.op("QUANTIZE", ["x"], ["y"])
    b.output("y")
    with pytest.raises(UnsupportedOpsError, match="per-tensor"):
        lower_graph(b.build())
