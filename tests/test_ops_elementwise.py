"""ADD, SUB, MUL (int8): TFLite-Micro == numpy reference == generated C.

Hand-picked graphs (broadcast shapes, constant operands, every fused activation, input scales
above and below the output's) go through the full three-way check; one graph per op feeds every
pair of int8 codes; a wider random sweep checks the numpy twins against TFLite-Micro only.
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

OPS = ("ADD", "SUB", "MUL")
ACTIVATIONS = ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")


def binary_graph(op, shape_a, shape_b, activation="NONE", const_b=False, scales=None,
                 zero_points=None, seed=0):
    """One binary op; random scales in [0.004, 0.5] and zero points unless given."""
    rng = np.random.default_rng(seed)
    s1, s2, so = scales if scales is not None else np.exp(rng.uniform(-5.5, -0.7, 3))
    z1, z2, zo = zero_points if zero_points is not None else (int(z) for z in rng.integers(-128, 128, 3))
    b = GraphBuilder(f"{op.lower()}_{seed}")
    b.input("a", shape_a, scale=s1, zero_point=z1)
    if const_b:
        b.const("b", rng.integers(-128, 128, shape_b).astype(np.int8), scale=s2, zero_point=z2)
    else:
        b.input("b", shape_b, scale=s2, zero_point=z2)
    b.tensor("y", np.broadcast_shapes(tuple(shape_a), tuple(shape_b)), scale=so, zero_point=zo)
    b.op(op, ["a", "b"], ["y"], activation=activation)
    b.output("y")
    return b.build()


# (shape_a, shape_b, activation, const_b, scales (in1, in2, out) or None for random)
CASES = [
    ((1, 8, 8, 16), (1, 8, 8, 16), "NONE", False, (0.05, 0.02, 0.04)),    # out between inputs
    ((1, 8, 8, 16), (1, 1, 1, 16), "RELU", True, (0.01, 0.03, 0.2)),      # per-channel constant
    ((1, 7, 5, 3), (1, 7, 5, 3), "RELU6", False, (0.2, 0.3, 0.01)),       # out smaller than both
    ((2, 3, 5, 7), (2, 1, 5, 1), "RELU_N1_TO_1", False, None),
    ((3, 1, 7), (1, 4, 1), "NONE", False, None),                          # both broadcast, rank 3
    ((1, 1, 1, 1), (4, 3, 2, 5), "RELU", False, None),                    # scalar-shaped first input
    ((9,), (1,), "NONE", True, None),                                      # constant scalar
    ((1, 6, 6, 4), (6, 1, 4), "RELU6", True, None),                       # rank-3 constant, w broadcast
]


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("case", range(len(CASES)))
def test_binary_bit_exact(op, case):
    shape_a, shape_b, act, const_b, scales = CASES[case]
    graph = binary_graph(op, shape_a, shape_b, act, const_b, scales, seed=case)
    check_bit_exact(graph, n=4, seed=case)


@pytest.mark.parametrize("op", OPS)
def test_every_pair_of_codes(op):
    """All 65536 (a, b) pairs, edge codes -128 and 127 included, in one same-shape call."""
    a = np.repeat(np.arange(-128, 128, dtype=np.int8), 256)
    b = np.tile(np.arange(-128, 128, dtype=np.int8), 256)
    scales = {"ADD": (0.031, 0.0173, 0.045), "SUB": (0.0173, 0.031, 0.06), "MUL": (0.031, 0.0173, 0.0041)}[op]
    graph = binary_graph(op, a.shape, b.shape, "NONE", scales=scales, zero_points=(-7, 13, 3))
    check_bit_exact(graph, samples=[[a, b]])


def test_kernel_choice():
    same = lower_graph(binary_graph("ADD", (1, 4, 4, 8), (4, 4, 8)))  # equal once padded to 4-D
    assert [c.kernel for c in same.calls] == ["arm_elementwise_add_s8"]
    assert lower_graph(binary_graph("SUB", (2, 3), (2, 3))).calls[0].kernel == "mcu_elementwise_sub_s8"
    assert lower_graph(binary_graph("MUL", (2, 3), (2, 3))).calls[0].kernel == "arm_elementwise_mul_s8"
    for op in OPS:
        call = lower_graph(binary_graph(op, (1, 4, 4, 8), (8,))).calls[0]
        assert call.kernel == f"mcu_broadcast_{op.lower()}_s8"
    add = lower_graph(binary_graph("ADD", (4,), (4,), scales=(0.1, 0.05, 0.2))).calls[0]
    in1_shift, in2_shift, left_shift, out_shift = add.args[4], add.args[7], add.args[8], add.args[12]
    assert left_shift == 20 and in1_shift <= 0 and in2_shift <= 0 and out_shift <= 0
    # 0.1 / (2 * 0.1) = 0.5 exactly: multiplier 2^30, shift 0
    assert (add.args[3], in1_shift) == (1 << 30, 0)


def test_random_sweep_reference():
    """Numpy twins vs TFLite-Micro over random shapes, scales, zero points and activations."""
    rng = np.random.default_rng(2024)
    for i in range(45):
        op = OPS[i % 3]
        rank = int(rng.integers(1, 5))
        full = [int(d) for d in rng.integers(1, 6, rank)]
        other = [d if rng.random() < 0.5 else 1 for d in full][int(rng.integers(0, rank)):]
        shape_a, shape_b = (full, other) if rng.random() < 0.5 else (other, full)
        graph = binary_graph(op, shape_a, shape_b, ACTIVATIONS[int(rng.integers(0, 4))],
                             const_b=bool(rng.random() < 0.3), seed=100 + i)
        lowered = lower_graph(graph)
        samples = [[rng.integers(-128, 128, graph.tensors[n].shape).astype(np.int8)
                    for n in graph.inputs] for _ in range(3)]
        expected = run_tflm_batch(write_tflite(graph), samples)
        for sample, exp in zip(samples, expected):
            got = run_reference(lowered, sample)
            assert np.array_equal(got[0], exp[0].reshape(got[0].shape)), (i, shape_a, shape_b)


def _unsupported(graph, fragment):
    with pytest.raises(UnsupportedOpsError, match=fragment):
        lower_graph(graph)


def test_unsupported_variants():
    # float ADD
    b = GraphBuilder()
    b.input("a", (4,), "float32")
    b.input("b", (4,), "float32")
    b.tensor("y", (4,), "float32")
    b.op("ADD", ["a", "b"], ["y"])
    b.output("y")
    _unsupported(b.build(), "float32")
    # int16 with a zero point (TFLite's int16 is symmetric)
    b = GraphBuilder()
    b.input("a", (4,), "int16", 0.01, 3)
    b.input("b", (4,), "int16", 0.01, 0)
    b.tensor("y", (4,), "int16", 0.02, 0)
    b.op("MUL", ["a", "b"], ["y"])
    b.output("y")
    _unsupported(b.build(), "int16")
    # shapes that do not broadcast
    _unsupported(_bad_broadcast(), "broadcast")
    # 5-D constant operand
    b = GraphBuilder()
    b.input("a", (1, 1, 2, 3), scale=0.1, zero_point=0)
    b.const("b", np.zeros((1, 1, 1, 2, 3), np.int8), scale=0.1, zero_point=0)
    b.tensor("y", (1, 1, 2, 3), scale=0.1, zero_point=0)
    b.op("SUB", ["a", "b"], ["y"])
    b.output("y")
    _unsupported(b.build(), "at most 4")
    # per-channel quantized operand
    b = GraphBuilder()
    b.input("a", (2, 3), scale=0.1, zero_point=0)
    b.const("b", np.zeros((2, 3), np.int8), scale=[0.1, 0.2, 0.3], zero_point=0, axis=1)
    b.tensor("y", (2, 3), scale=0.1, zero_point=0)
    b.op("MUL", ["a", "b"], ["y"])
    b.output("y")
    _unsupported(b.build(), "per-tensor")
    # output scale so small that TFLM's output multiplier would not be < 1 (TFLM aborts)
    _unsupported(binary_graph("ADD", (4,), (4,), scales=(1.0, 1.0, 1e-7)), "not in")


def _bad_broadcast():
    b = GraphBuilder()
    b.input("a", (1, 4, 3), scale=0.1, zero_point=0)
    b.input("b", (1, 4, 2), scale=0.1, zero_point=0)
    b.tensor("y", (1, 4, 3), scale=0.1, zero_point=0)
    b.op("ADD", ["a", "b"], ["y"])
    b.output("y")
    return b.build()
