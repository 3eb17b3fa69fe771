"""SOFTMAX, LOGISTIC, TANH and HARD_SWISH (int8): bit-exact with TFLite-Micro.

The unary ops are checked exhaustively (all 256 inputs) against TFLite-Micro for many
quantization parameters through the reference executor, which is cheap; a few graphs of each
op also go through the generated C (check_bit_exact).
"""
from __future__ import annotations

import numpy as np
import pytest
from bitexact import check_bit_exact

from mcutool.errors import UnsupportedOpsError
from mcutool.frontends.tflite import write_tflite
from mcutool.ir.builder import GraphBuilder
from mcutool.lower import lower_graph
from mcutool.oracle.tflm import run_tflm_batch
from mcutool.reference import run_reference
from mcutool.reference.kernels.softmax import softmax_s8

ALL_INT8 = np.arange(-128, 128, dtype=np.int8)
FIXED_OUTPUT = {"SOFTMAX": (1 / 256, -128), "LOGISTIC": (1 / 256, -128), "TANH": (1 / 128, 0)}


def unary_graph(op_type, shape, in_scale, in_zp, out_scale=None, out_zp=None, dtype="int8",
                **attrs):
    default_scale, default_zp = FIXED_OUTPUT.get(op_type, (in_scale, in_zp))
    gb = GraphBuilder(op_type.lower())
    gb.input("x", shape, dtype, scale=in_scale, zero_point=in_zp)
    gb.tensor("y", shape, dtype, scale=default_scale if out_scale is None else out_scale,
              zero_point=default_zp if out_zp is None else out_zp)
    gb.op(op_type, ["x"], ["y"], **attrs)
    gb.output("y")
    return gb.build()


def tflm_and_reference(graph, samples):
    expected = [out[0] for out in run_tflm_batch(write_tflite(graph), [[s] for s in samples])]
    lowered = lower_graph(graph)
    actual = [run_reference(lowered, [s])[0] for s in samples]
    return expected, actual


def assert_all_inputs_exact(graph):
    [expected], [actual] = tflm_and_reference(graph, [ALL_INT8.reshape(graph.tensors["x"].shape)])
    bad = np.nonzero(expected.reshape(-1) != actual.reshape(-1))[0]
    assert bad.size == 0, (f"{bad.size} inputs differ, first {int(bad[0]) - 128}: "
                           f"TFLM {expected.reshape(-1)[bad[0]]} ours {actual.reshape(-1)[bad[0]]}")


def param_grid(seed, n):
    """Input scales over 1e-4 .. 30 (plus the usual ones) with random zero points."""
    rng = np.random.default_rng(seed)
    scales = [1 / 256, 1 / 128, 0.0625, 0.1, 0.5, 1.0, 16.0, 40.0]
    scales += list(10 ** rng.uniform(-4, 1.5, n))
    zps = [0, -128, 127] + list(rng.integers(-128, 128, n + 5))
    return [(float(s), int(zps[i % len(zps)])) for i, s in enumerate(scales)]


# -- LOGISTIC, TANH: every input, many scales (exhaustive against TFLM) -----------------------

@pytest.mark.parametrize("op_type", ["LOGISTIC", "TANH"])
def test_sigmoid_family_all_inputs_many_scales(op_type):
    for scale, zp in param_grid(seed=1 if op_type == "LOGISTIC" else 2, n=24):
        assert_all_inputs_exact(unary_graph(op_type, (256,), scale, zp))


def test_logistic_ignores_output_scale_like_tflm():
    # TFLM only checks LOGISTIC's output zero point; the codes are always on scale 1/256.
    graph = unary_graph("LOGISTIC", (256,), 0.05, 7, out_scale=0.01, out_zp=-128)
    assert_all_inputs_exact(graph)
    standard = run_reference(lower_graph(unary_graph("LOGISTIC", (256,), 0.05, 7)), [ALL_INT8])
    assert np.array_equal(run_reference(lower_graph(graph), [ALL_INT8])[0], standard[0])


def test_tanh_ignores_output_quantization_like_tflm():
    assert_all_inputs_exact(unary_graph("TANH", (256,), 0.03, -5, out_scale=0.05, out_zp=3))


# -- HARD_SWISH: every input, many input/output scale pairs ----------------------------------

def test_hard_swish_all_inputs_many_scales():
    rng = np.random.default_rng(3)
    cases = [(0.05, 0, 0.05, 0), (0.1, -128, 0.05, -128), (1.0, 0, 0.01, 0),
             (0.02, 10, 0.02 / 100, 127),        # output multiplier exponent 0: int16 wrap
             (0.001, 0, 100.0, 0)]               # divide by 2^23 on int16: TFLM's +-1 quirk
    for _ in range(30):
        in_scale = 10 ** rng.uniform(-3, 1)
        cases.append((in_scale, int(rng.integers(-128, 128)),
                      in_scale * 10 ** rng.uniform(-1.5, 1.5), int(rng.integers(-128, 128))))
    for in_scale, in_zp, out_scale, out_zp in cases:
        graph = unary_graph("HARD_SWISH", (256,), in_scale, in_zp, out_scale, out_zp)
        assert_all_inputs_exact(graph)


# -- SOFTMAX against TFLM through the reference executor --------------------------------------

def softmax_rows_safe_for_tflm(x, scale, beta):
    """TFLM aborts the process when a row's sum of exps reaches 512: keep clear of that."""
    rows = x.reshape(-1, x.shape[-1]).astype(np.float64)
    sums = np.exp(beta * scale * (rows - rows.max(axis=1, keepdims=True))).sum(axis=1)
    return sums.max() < 480


def test_softmax_many_scales_betas_and_shapes():
    rng = np.random.default_rng(4)
    shapes = [(10,), (1, 10), (3, 7), (2, 3, 5), (1, 1), (4, 2), (2, 2, 2, 17), (1, 300)]
    checked = 0
    for i in range(40):
        scale = float(10 ** rng.uniform(-3.5, 1))
        beta = float(rng.choice([1.0, rng.uniform(0.05, 4.0)]))
        shape = shapes[i % len(shapes)]
        samples = [rng.integers(-128, 128, shape).astype(np.int8) for _ in range(3)]
        samples += [np.full(shape, rng.integers(-128, 128), np.int8),
                    rng.choice(np.array([-128, 127], np.int8), shape)]
        samples = [s for s in samples if softmax_rows_safe_for_tflm(s, scale, beta)]
        if not samples:
            continue
        graph = unary_graph("SOFTMAX", shape, scale, int(rng.integers(-128, 128)), beta=beta)
        expected, actual = tflm_and_reference(graph, samples)
        for e, a in zip(expected, actual):
            assert np.array_equal(e, a.reshape(e.shape)), (shape, scale, beta)
        checked += 1
    assert checked >= 30


def test_softmax_tiny_and_huge_beta_times_scale():
    # Multiplier capped at 2^31 - 1 (diff_min 0: only the maxima count) and a barely-valid one.
    for scale, beta in [(10.0, 30.0), (1e-4, 0.5), (3e-5, 1.0)]:
        samples = [np.random.default_rng(5).integers(-128, 128, (2, 9)).astype(np.int8),
                   np.full((2, 9), 3, np.int8)]
        samples = [s for s in samples if softmax_rows_safe_for_tflm(s, scale, beta)]
        graph = unary_graph("SOFTMAX", (2, 9), scale, 0, beta=beta)
        expected, actual = tflm_and_reference(graph, samples)
        for e, a in zip(expected, actual):
            assert np.array_equal(e, a.reshape(e.shape))


def test_softmax_sum_just_below_tflm_limit():
    # 511 equal values: sum of exps 511.0, the largest TFLM accepts (each output rounds to -127).
    graph = unary_graph("SOFTMAX", (1, 511), 0.1, 0)
    [expected], [actual] = tflm_and_reference(graph, [np.zeros((1, 511), np.int8)])
    assert np.array_equal(expected, actual) and np.all(actual == -127)


def test_softmax_where_tflm_aborts_gives_minus_128():
    # From a sum of 512.0 on, TFLM stops on a TFLITE_CHECK (SIGABRT); we output the correctly
    # rounded value, 0, i.e. -128 everywhere.
    lowered = lower_graph(unary_graph("SOFTMAX", (2, 600), 0.01, 0))
    [out] = run_reference(lowered, [np.zeros((2, 600), np.int8)])
    assert np.all(out == -128)
    call = lowered.calls[0]
    x = np.random.default_rng(6).integers(120, 128, (1, 5000)).astype(np.int8)
    assert np.all(softmax_s8(x, *call.args[3:6]) == -128)


# -- the generated C, TFLM and the reference together -----------------------------------------

@pytest.mark.parametrize("shape,scale,zp,beta", [
    ((1, 10), 0.1, 3, 1.0),
    ((3, 7), 0.02, -20, 0.7),
    ((2, 3, 5), 0.25, 100, 2.0),
    ((4, 1), 0.05, 0, 1.0),
    ((1, 1, 2, 2), 1.5, -128, 1.0),
    ((1, 1000), 1.0, 0, 1.0),
])
def test_softmax_c(shape, scale, zp, beta):
    rng = np.random.default_rng(7)
    samples = [[rng.integers(-128, 128, shape).astype(np.int8)] for _ in range(6)]
    samples += [[np.full(shape, 17, np.int8)], [rng.choice(np.array([-128, 127], np.int8), shape)]]
    samples = [s for s in samples if softmax_rows_safe_for_tflm(s[0], scale, beta)]
    check_bit_exact(unary_graph("SOFTMAX", shape, scale, zp, beta=beta), samples=samples)


@pytest.mark.parametrize("op_type,shape,in_q,out_q", [
    ("LOGISTIC", (1, 5, 7, 3), (0.08, -10), None),
    ("LOGISTIC", (256,), (0.02, 127), None),
    ("TANH", (2, 9, 11), (0.04, 5), None),
    ("TANH", (256,), (0.5, -128), None),
    ("HARD_SWISH", (1, 6, 6, 5), (0.05, -30), (0.03, -100)),
    ("HARD_SWISH", (256,), (0.2, 0), (0.1, 11)),
])
def test_unary_c(op_type, shape, in_q, out_q):
    graph = unary_graph(op_type, shape, *in_q, *(out_q or (None, None)))
    samples = [[ALL_INT8.reshape(shape)]] if shape == (256,) else None
    check_bit_exact(graph, samples=samples, n=6, seed=8)


# -- what TFLM refuses, we refuse --------------------------------------------------------------

@pytest.mark.parametrize("op_type,out_q,why", [
    ("SOFTMAX", (1 / 256, 0), "1/256, -128"),
    ("SOFTMAX", (1 / 128, -128), "1/256, -128"),
    ("LOGISTIC", (1 / 256, 0), "zero point must be -128"),
    ("HARD_SWISH", (0.05 / 200, 0), "rejects"),
])
def test_unsupported_output_quantization(op_type, out_q, why):
    graph = unary_graph(op_type, (1, 8), 0.05, 0, *out_q)
    with pytest.raises(UnsupportedOpsError, match=why):
        lower_graph(graph)


@pytest.mark.parametrize("op_type", ["SOFTMAX", "LOGISTIC", "TANH", "HARD_SWISH"])
def test_float_and_int16_are_unsupported(op_type):
    for dtype in ("int16", "float32"):
        with pytest.raises(UnsupportedOpsError, match=op_type):
            lower_graph(unary_graph(op_type, (1, 8), 0.05, 0, 0.05, 0, dtype=dtype))


def test_softmax_beta_too_small_is_unsupported():
    with pytest.raises(UnsupportedOpsError, match="too small"):
        lower_graph(unary_graph("SOFTMAX", (1, 8), 1e-6, 0, beta=1e-3))
