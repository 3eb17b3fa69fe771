"""AVERAGE_POOL_2D, MAX_POOL_2D and MEAN: TFLite-Micro == numpy reference == generated C.

A handful of hand-picked graphs go through the full three-way check (each builds a C program);
a wider random sweep checks the numpy twins against TFLite-Micro only, which is cheap.
"""
import numpy as np
import pytest
from bitexact import check_bit_exact

from mcutool.errors import UnsupportedOpsError
from mcutool.ir.builder import GraphBuilder
from mcutool.lower import lower_graph
from mcutool.lower.pooling import window_output_and_padding

ACTIVATIONS = ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")


def pool_graph(kind, shape, filt, stride, padding, activation="NONE", seed=0):
    """One pooling op; input and output share a random scale and zero point (TFLM requires it)."""
    rng = np.random.default_rng(seed)
    n, h, w, c = shape
    out_h, _ = window_output_and_padding(h, filt[0], stride[0], padding)
    out_w, _ = window_output_and_padding(w, filt[1], stride[1], padding)
    scale, zp = float(rng.uniform(0.01, 0.1)), int(rng.integers(-128, 128))
    b = GraphBuilder(f"{kind.lower()}_{seed}")
    b.input("x", shape, scale=scale, zero_point=zp)
    b.tensor("y", (n, out_h, out_w, c), scale=scale, zero_point=zp)
    b.op(kind, ["x"], ["y"], filter_h=filt[0], filter_w=filt[1], stride_h=stride[0],
         stride_w=stride[1], padding=padding, activation=activation)
    b.output("y")
    return b.build()


def mean_graph(shape, axes, keep_dims, same_quant, seed=0):
    rng = np.random.default_rng(seed)
    reduced = {a % len(shape) for a in axes}
    kept = tuple(1 if i in reduced else d for i, d in enumerate(shape))
    out_shape = kept if keep_dims else tuple(d for i, d in enumerate(shape) if i not in reduced)
    in_scale, in_zp = float(rng.uniform(0.01, 0.1)), int(rng.integers(-128, 128))
    if same_quant:
        out_scale, out_zp = in_scale, in_zp
    else:  # a mean spans less than its input: a smaller output scale is the plausible case
        out_scale, out_zp = in_scale * float(rng.uniform(0.2, 1.5)), int(rng.integers(-100, 100))
    b = GraphBuilder(f"mean_{seed}")
    b.input("x", shape, scale=in_scale, zero_point=in_zp)
    b.const("axis", np.array(axes, np.int32))
    b.tensor("y", out_shape, scale=out_scale, zero_point=out_zp)
    b.op("MEAN", ["x", "axis"], ["y"], keep_dims=keep_dims)
    b.output("y")
    return b.build()


# (shape, filter, stride, padding, activation): 1x1 to 7x7 filters, strides 1-3, odd sizes,
# windows hanging over SAME borders, batch 2, every fused activation.
POOL_CASES = [
    ((1, 9, 7, 5), (2, 2), (2, 2), "VALID", "NONE"),
    ((1, 9, 7, 5), (3, 3), (2, 2), "SAME", "RELU"),
    ((1, 11, 13, 3), (7, 7), (3, 3), "SAME", "RELU6"),
    ((1, 8, 6, 4), (1, 1), (1, 1), "VALID", "RELU_N1_TO_1"),
    ((2, 6, 7, 3), (3, 2), (1, 3), "SAME", "NONE"),
    ((1, 7, 7, 8), (7, 7), (1, 1), "VALID", "NONE"),
    ((1, 5, 10, 2), (4, 5), (3, 2), "SAME", "RELU"),
    ((1, 3, 2, 4), (5, 4), (2, 1), "SAME", "RELU6"),      # filter larger than the input
]


@pytest.mark.parametrize("kind", ["AVERAGE_POOL_2D", "MAX_POOL_2D"])
@pytest.mark.parametrize("case", range(len(POOL_CASES)))
def test_pool_bit_exact(kind, case):
    shape, filt, stride, padding, act = POOL_CASES[case]
    check_bit_exact(pool_graph(kind, shape, filt, stride, padding, act, seed=case), n=6, seed=case)


@pytest.mark.parametrize("kind", ["AVERAGE_POOL_2D", "MAX_POOL_2D"])
def test_pool_random_sweep_reference(kind):
    rng = np.random.default_rng(7)
    for i in range(30):
        fh, fw = (int(v) for v in rng.integers(1, 8, 2))
        sh, sw = (int(v) for v in rng.integers(1, 4, 2))
        shape = (1, int(rng.integers(fh, 12)), int(rng.integers(fw, 12)), int(rng.integers(1, 7)))
        graph = pool_graph(kind, shape, (fh, fw), (sh, sw), ("SAME", "VALID")[i % 2],
                           ACTIVATIONS[i % 4], seed=100 + i)
        check_bit_exact(graph, n=2, seed=i, run_c=False)


def test_average_pool_rounds_negative_halves_away_from_zero():
    # A 2x1 window over (-1, -2) averages -1.5: TFLM rounds to -2, not -1.
    graph = pool_graph("AVERAGE_POOL_2D", (1, 2, 1, 1), (2, 1), (1, 1), "VALID")
    out = check_bit_exact(graph, samples=[[np.array([-1, -2], np.int8).reshape(1, 2, 1, 1)]])
    assert out[0][0].reshape(-1).tolist() == [-2]


def test_pool_rejects_rescale():
    b = GraphBuilder("rescale")
    b.input("x", (1, 4, 4, 2), scale=0.1, zero_point=0)
    b.tensor("y", (1, 2, 2, 2), scale=0.2, zero_point=0)
    b.op("MAX_POOL_2D", ["x"], ["y"])
    b.output("y")
    with pytest.raises(UnsupportedOpsError, match="quantization"):
        lower_graph(b.build())


MEAN_CASES = [
    # (shape, axes, keep_dims, same input/output quantization)
    ((1, 1, 1, 16), [1, 2], True, True),
    ((1, 7, 5, 13), [1, 2], False, True),
    ((1, 7, 5, 13), [2, 1], True, False),
    ((1, 8, 8, 32), [-3, -2], False, False),
    ((2, 3, 4, 5), [1], True, False),
    ((1, 6, 5, 7), [3], False, True),
    ((2, 3, 4, 5), [0, 3], True, False),
    ((1, 5, 9), [1], False, False),
]


@pytest.mark.parametrize("case", range(len(MEAN_CASES)))
def test_mean_bit_exact(case):
    shape, axes, keep, same = MEAN_CASES[case]
    check_bit_exact(mean_graph(shape, axes, keep, same, seed=case), n=6, seed=case)


def test_mean_random_sweep_reference():
    rng = np.random.default_rng(11)
    axis_sets = [[1, 2], [2, 1], [1], [2], [3], [0], [0, 3], [1, 3], [1, 2, 1], []]
    for i in range(30):
        shape = tuple(int(v) for v in rng.integers(1, 10, 4))
        graph = mean_graph(shape, axis_sets[i % len(axis_sets)], bool(i % 2), i % 3 == 0, seed=200 + i)
        check_bit_exact(graph, n=2, seed=i, run_c=False)


def _mean_with_axis(axis: np.ndarray):
    b = GraphBuilder("mean_bad")
    b.input("x", (1, 4, 4, 4), scale=0.1, zero_point=0)
    b.const("axis", axis)
    b.tensor("y", (1, 1, 1, 1), scale=0.1, zero_point=0)
    b.op("MEAN", ["x", "axis"], ["y"], keep_dims=True)
    b.output("y")
    return b.build()


@pytest.mark.parametrize("axis, why", [
    (np.array([1, 2, 3], np.int32), "axes"),      # TFLM resolves at most two axes
    (np.array([1, 2], np.int64), "int32"),        # TFLM's Prepare wants an int32 axis tensor
])
def test_mean_rejects_what_tflm_rejects(axis, why):
    with pytest.raises(UnsupportedOpsError, match=why):
        lower_graph(_mean_with_axis(axis))
