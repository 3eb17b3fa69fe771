"""Graph preparation passes: fewer ops, same float function."""
import float_models as fm
import numpy as np
import pytest

from mcutool.ir import Conv2DAttrs, DepthwiseConv2DAttrs, FullyConnectedAttrs, Tensor
from mcutool.ir.builder import GraphBuilder
from mcutool.quantize import run_float
from mcutool.quantize.prepare import prepare

F = "float32"


def same_function(before, after, low=-1.0, high=1.0):
    x = fm.samples(before, 16, low=low, high=high)
    for a, b in zip(run_float(before, [x]), run_float(after, [x])):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def layer_with_bn(kind: str, with_bias: bool, activation_op: str | None, seed: int = 0):
    """kind -> MUL (per channel) -> ADD (per channel) [-> activation op]."""
    rng = np.random.default_rng(seed)
    b = GraphBuilder(kind.lower())
    if kind == "FULLY_CONNECTED":
        b.input("x", (1, 10), dtype=F)
        b.const("w", rng.normal(size=(6, 10)).astype(np.float32))
        shape, attrs = (1, 6), FullyConnectedAttrs()
    elif kind == "CONV_2D":
        b.input("x", (1, 5, 5, 3), dtype=F)
        b.const("w", rng.normal(size=(6, 3, 3, 3)).astype(np.float32))
        shape, attrs = (1, 5, 5, 6), Conv2DAttrs()
    else:
        b.input("x", (1, 5, 5, 3), dtype=F)
        b.const("w", rng.normal(size=(1, 3, 3, 6)).astype(np.float32))
        shape, attrs = (1, 5, 5, 6), DepthwiseConv2DAttrs(depth_multiplier=2)
    inputs = ["x", "w"]
    if with_bias:
        b.const("bias", rng.normal(size=6).astype(np.float32))
        inputs.append("bias")
    b.tensor("y", shape, dtype=F)
    b.op(kind, inputs, ["y"], attrs)
    b.const("gamma", rng.uniform(0.2, 3, 6).astype(np.float32).reshape(1, 1, 1, 6)[..., :] if len(shape) == 4
            else rng.uniform(0.2, 3, 6).astype(np.float32))
    b.tensor("scaled", shape, dtype=F)
    b.op("MUL", ["gamma", "y"], ["scaled"])  # constant first: still folded
    b.const("beta", rng.normal(size=6).astype(np.float32))
    b.tensor("bn", shape, dtype=F)
    b.op("ADD", ["scaled", "beta"], ["bn"])
    last = "bn"
    if activation_op:
        b.tensor("act", shape, dtype=F)
        b.op(activation_op, ["bn"], ["act"])
        last = "act"
    b.output(last)
    return b.build()


@pytest.mark.parametrize("kind", ["CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"])
@pytest.mark.parametrize("with_bias", [True, False])
@pytest.mark.parametrize("activation_op", [None, "RELU", "RELU6"])
def test_batch_norm_fold_and_activation_fusion(kind, with_bias, activation_op):
    graph = layer_with_bn(kind, with_bias, activation_op)
    prepared = prepare(graph)
    assert [op.type for op in prepared.operators] == [kind]
    op = prepared.operators[0]
    assert op.attrs.activation == (activation_op or "NONE")
    assert prepared.outputs == graph.outputs and op.outputs == graph.outputs
    assert len(op.inputs) == 3 and prepared.tensors[op.inputs[2]].is_const
    same_function(graph, prepared, -3, 3)


def test_fold_keeps_shared_weights_intact():
    rng = np.random.default_rng(1)
    b = GraphBuilder("shared")
    b.input("x", (1, 8), dtype=F)
    b.const("w", rng.normal(size=(4, 8)).astype(np.float32))
    for k in (1, 2):
        b.tensor(f"y{k}", (1, 4), dtype=F)
        b.op("FULLY_CONNECTED", ["x", "w"], [f"y{k}"])
        b.const(f"g{k}", rng.uniform(0.5, 2, 4).astype(np.float32))
        b.tensor(f"z{k}", (1, 4), dtype=F)
        b.op("MUL", [f"y{k}", f"g{k}"], [f"z{k}"])
    b.tensor("sum", (1, 4), dtype=F)
    b.op("ADD", ["z1", "z2"], ["sum"])
    b.output("sum")
    graph = b.build()
    prepared = prepare(graph)
    assert [op.type for op in prepared.operators] == ["FULLY_CONNECTED", "FULLY_CONNECTED", "ADD"]
    same_function(graph, prepared)


def test_sub_and_scalar_mul_fold_but_not_reversed_sub():
    rng = np.random.default_rng(2)
    b = GraphBuilder("sub")
    b.input("x", (1, 6), dtype=F)
    b.const("w", rng.normal(size=(5, 6)).astype(np.float32))
    b.const("bias", rng.normal(size=5).astype(np.float32))
    b.tensor("y", (1, 5), dtype=F)
    b.op("FULLY_CONNECTED", ["x", "w", "bias"], ["y"])
    b.const("two", np.array([2.0], np.float32))
    b.tensor("m", (1, 5), dtype=F)
    b.op("MUL", ["y", "two"], ["m"])
    b.const("c", rng.normal(size=5).astype(np.float32))
    b.tensor("s", (1, 5), dtype=F)
    b.op("SUB", ["m", "c"], ["s"])
    b.tensor("r", (1, 5), dtype=F)
    b.op("SUB", ["c", "s"], ["r"])  # c - s: left alone
    b.output("r")
    graph = b.build()
    prepared = prepare(graph)
    assert [op.type for op in prepared.operators] == ["FULLY_CONNECTED", "SUB"]
    same_function(graph, prepared)


def test_identities_dropped_and_constants_folded():
    rng = np.random.default_rng(3)
    b = GraphBuilder("ids")
    b.input("x", (1, 4, 4, 2), dtype=F)
    b.const("same_shape", np.array([1, 4, 4, 2], np.int32))
    b.tensor("r", (1, 4, 4, 2), dtype=F)
    b.op("RESHAPE", ["x", "same_shape"], ["r"])
    b.const("zero_pad", np.zeros((4, 2), np.int32))
    b.tensor("p", (1, 4, 4, 2), dtype=F)
    b.op("PAD", ["r", "zero_pad"], ["p"])
    b.const("zeros", np.zeros(2, np.float32))
    b.tensor("a", (1, 4, 4, 2), dtype=F)
    b.op("ADD", ["p", "zeros"], ["a"])
    b.const("ones", np.ones((1, 1, 1, 2), np.float32))
    b.tensor("m", (1, 4, 4, 2), dtype=F)
    b.op("MUL", ["a", "ones"], ["m"])
    # Weights stored as float16 behind a DEQUANTIZE, as TensorFlow's float16 export does.
    w16 = rng.normal(size=(3, 1, 1, 2)).astype(np.float16)
    b.graph.add_tensor(Tensor("w16", w16.shape, "float16", None, w16))
    b.tensor("w", (3, 1, 1, 2), dtype=F)
    b.op("DEQUANTIZE", ["w16"], ["w"])
    b.tensor("c", (1, 4, 4, 3), dtype=F)
    b.op("CONV_2D", ["m", "w", ""], ["c"])
    b.tensor("cat", (1, 4, 4, 3), dtype=F)
    b.op("CONCATENATION", ["c"], ["cat"])
    b.output("cat")
    graph = b.build()
    prepared = prepare(graph)
    assert [op.type for op in prepared.operators] == ["CONV_2D"]
    assert prepared.outputs == ["cat"] and prepared.operators[0].inputs[0] == "x"
    assert prepared.tensors[prepared.operators[0].inputs[1]].dtype == F
    assert "w16" not in prepared.tensors  # unused tensors are removed
    same_function(graph, prepared)


def test_activation_not_fused_when_tensor_has_other_readers():
    graph = fm.elementwise_model()
    prepared = prepare(graph)
    types = [op.type for op in prepared.operators]
    assert "RELU" in types        # s feeds TANH too: RELU stays
    assert "RELU6" not in types   # xm feeds only RELU6: fused into the MUL
    same_function(graph, prepared, -2, 2)


def test_prepare_does_not_modify_its_argument():
    graph = layer_with_bn("CONV_2D", True, "RELU")
    before = [op.type for op in graph.operators]
    w = graph.tensors["w"].data.copy()
    prepare(graph)
    assert [op.type for op in graph.operators] == before
    np.testing.assert_array_equal(graph.tensors["w"].data, w)
