"""Whole models, bit for bit: TFLite-Micro == numpy reference == generated C (ASan/UBSan)."""
import numpy as np
import pytest
from bitexact import check_bit_exact
from zoo import Zoo, all_ops_graph

from mcutool import api
from mcutool.frontends.tflite import write_tflite
from mcutool.ir import ActivationAttrs, Conv2DAttrs, DepthwiseConv2DAttrs, FullyConnectedAttrs, ReducerAttrs
from mcutool.lower import lower_graph
from mcutool.oracle.tflm import tflm_arena_bytes
from mcutool.plan import plan_memory


def conv(z: Zoo, x: str, cout: int, k: int = 3, stride: int = 1, act: str = "RELU") -> str:
    cin = z.b.graph.tensors[x].shape[-1]
    h, w = z.b.graph.tensors[x].shape[1:3]
    w_, ws = z.weights((cout, k, k, cin), 0)
    wt = z.b.const(z._name("w"), w_, scale=ws, zero_point=0, axis=0)
    out = z.out((1, -(-h // stride), -(-w // stride), cout))
    z.b.op("CONV_2D", [x, wt, z.bias_for(x, ws, cout)], [out],
           Conv2DAttrs(stride_h=stride, stride_w=stride, activation=act))
    z.tune(out)
    return out


def depthwise(z: Zoo, x: str, stride: int = 1) -> str:
    _n, h, w, c = z.b.graph.tensors[x].shape
    w_, ws = z.weights((1, 3, 3, c), 3)
    wt = z.b.const(z._name("dw"), w_, scale=ws, zero_point=0, axis=3)
    out = z.out((1, -(-h // stride), -(-w // stride), c))
    z.b.op("DEPTHWISE_CONV_2D", [x, wt, z.bias_for(x, ws, c)], [out],
           DepthwiseConv2DAttrs(stride_h=stride, stride_w=stride, activation="RELU"))
    z.tune(out)
    return out


def head(z: Zoo, x: str, classes: int = 12) -> None:
    b = z.b
    c = b.graph.tensors[x].shape[-1]
    axes = b.const(z._name("axes"), np.array([1, 2], np.int32))
    m = z.out((1, c))
    b.op("MEAN", [x, axes], [m], ReducerAttrs(keep_dims=False))
    z.tune(m)
    w_, ws = z.weights((classes, c), 0)
    wt = b.const(z._name("fc"), w_, scale=ws, zero_point=0, axis=0)
    logits = z.out((1, classes))
    b.op("FULLY_CONNECTED", [m, wt, z.bias_for(m, ws, classes)], [logits], FullyConnectedAttrs())
    z.tune(logits)
    probs = b.tensor("probs", (1, classes), scale=1 / 256, zero_point=-128)
    b.op("SOFTMAX", [logits], [probs])
    b.graph.outputs = [probs]


def start(name: str, shape, seed: int) -> tuple[Zoo, str]:
    z = Zoo(name, seed)
    x = z.b.input("x", shape, scale=0.05, zero_point=-10)
    z.samples = [[z.rng.integers(-128, 128, shape).astype(np.int8)] for _ in range(6)]
    return z, x


def ds_cnn(seed=0):
    """Keyword-spotting style: a strided conv, then depthwise-separable blocks, mean, dense."""
    z, x = start("ds_cnn", (1, 25, 5, 1), seed)
    h = conv(z, x, 16, k=3, stride=2)
    for _ in range(2):
        h = conv(z, depthwise(z, h), 16, k=1)
    head(z, h)
    return z.b.build()


def residual(seed=0):
    """ResNet style: two convs and a skip connection added back, then ReLU."""
    z, x = start("residual", (1, 12, 12, 3), seed)
    h = conv(z, x, 8)
    skip = h
    h = conv(z, conv(z, h, 8), 8, act="NONE")
    add = z.out((1, 12, 12, 8))
    z.b.op("ADD", [h, skip], [add], ActivationAttrs(activation="RELU"))
    z.tune(add)
    head(z, conv(z, add, 16, stride=2))
    return z.b.build()


@pytest.mark.parametrize("build", [ds_cnn, residual], ids=["ds_cnn", "residual"])
def test_model_is_bit_exact(build):
    check_bit_exact(build(), n=40, seed=7)


def test_all_ops_model_is_bit_exact():
    graph, samples = all_ops_graph(seed=1, n_samples=12)
    check_bit_exact(graph, samples=samples)


@pytest.mark.parametrize("build", [ds_cnn, residual], ids=["ds_cnn", "residual"])
def test_planned_arena_is_never_larger_than_tflite_micro(build):
    graph = build()
    ours = plan_memory(lower_graph(graph)).arena_bytes
    assert ours <= tflm_arena_bytes(write_tflite(graph))


def test_compiled_model_reports_the_same_arena_as_inspect(tmp_path):
    from mcutool.report.inspect import inspect_graph
    graph = residual()
    out = api.generate(api.compile_graph(graph), tmp_path / "g")
    assert inspect_graph(graph)["arena_bytes"] == api.read_metadata(out)["arena_bytes"]


def test_reshaped_constant_operand_stays_in_flash():
    """RESHAPE of a constant feeding a kernel: the kernel reads the weights array itself."""
    from mcutool.ir.builder import GraphBuilder
    b = GraphBuilder("reshape_const")
    b.input("x", (1, 3, 4), scale=0.1, zero_point=2)
    b.const("k", np.arange(-6, 6, dtype=np.int8), scale=0.05, zero_point=-1)
    b.const("shape", np.array([1, 3, 4], np.int32))
    b.tensor("k3", (1, 3, 4), scale=0.05, zero_point=-1)
    b.op("RESHAPE", ["k", "shape"], ["k3"])
    b.tensor("y", (1, 3, 4), scale=0.2, zero_point=0)
    b.op("ADD", ["x", "k3"], ["y"], ActivationAttrs())
    b.output("y")
    graph = b.build()
    check_bit_exact(graph, n=10)
    assert plan_memory(lower_graph(graph)).arena_bytes == 24


def mixed_io_graph():
    """Two inputs (float and int8) and two outputs (int8 and float) of odd sizes."""
    from mcutool.ir.builder import GraphBuilder
    b = GraphBuilder("mixed_io")
    b.input("x", (1, 5), dtype="float32", scale=0.02, zero_point=3)
    b.input("k", (1, 5), scale=0.05, zero_point=-7)
    b.tensor("xq", (1, 5), scale=0.02, zero_point=3)
    b.op("QUANTIZE", ["x"], ["xq"])
    b.tensor("y", (1, 5), scale=0.06, zero_point=1)
    b.op("ADD", ["xq", "k"], ["y"], ActivationAttrs())
    b.tensor("z", (1, 5), dtype="float32")
    b.op("DEQUANTIZE", ["y"], ["z"])
    b.output("y")
    b.output("z")
    return b.build()


@pytest.mark.slow
def test_mixed_inputs_and_outputs_on_the_host_and_a_cortex_m0(tmp_path):
    """Each input and output gets a word-aligned slot: an M0 faults on unaligned floats."""
    from bitexact import assert_same, random_samples
    graph = mixed_io_graph()
    expected = check_bit_exact(graph, n=8, seed=2)
    out = api.generate(api.compile_graph(graph), tmp_path / "gen")
    assert_same(expected, api.run(out, random_samples(graph, 8, 2), board="microbit"), "microbit")
