"""The float executor against TFLite-Micro's float reference kernels, op by op and batched."""
import float_models as fm
import numpy as np
import pytest

from mcutool.frontends.tflite import write_tflite
from mcutool.ir import Conv2DAttrs, DepthwiseConv2DAttrs, Pool2DAttrs
from mcutool.ir.builder import GraphBuilder
from mcutool.oracle.tflm import run_tflm_batch
from mcutool.quantize import run_float, run_float_batches
from mcutool.reference.float_exec import FloatExecError


def tflm_float(graph, x):
    outs = run_tflm_batch(write_tflite(graph), [[s] for s in x])
    return np.stack([o[0] for o in outs])


@pytest.mark.parametrize("make", [fm.structural_model, fm.elementwise_model, fm.uneven_channels_model])
def test_matches_tflite_micro_float(make):
    graph = make()
    x = fm.samples(graph, 12, low=-2.0, high=2.0)
    ours = run_float(graph, [x])[0]
    expected = tflm_float(graph, x).reshape(ours.shape)
    np.testing.assert_allclose(ours, expected, rtol=1e-5, atol=1e-5)


def conv_variants():
    rng = np.random.default_rng(5)
    cases = []
    for k, stride, dil, pad, size in [(1, 1, 1, "VALID", 5), (3, 2, 1, "SAME", 7), (5, 3, 1, "SAME", 8),
                                      (3, 1, 2, "VALID", 9), (2, 2, 3, "SAME", 6)]:
        b = GraphBuilder("conv")
        b.input("x", (1, size, size, 3), dtype="float32")
        b.const("w", rng.normal(size=(4, k, k, 3)).astype(np.float32))
        b.const("dw", rng.normal(size=(1, k, k, 6)).astype(np.float32))
        b.const("bias", rng.normal(size=6).astype(np.float32))
        attrs = Conv2DAttrs(stride, stride, dil, dil, pad)
        eff = (k - 1) * dil + 1
        out = -(-size // stride) if pad == "SAME" else (size - eff + stride) // stride
        b.tensor("c", (1, out, out, 4), dtype="float32")
        b.op("CONV_2D", ["x", "w", ""], ["c"], attrs)
        b.tensor("d", (1, out, out, 6), dtype="float32")
        b.op("DEPTHWISE_CONV_2D", ["x", "dw", "bias"], ["d"],
             DepthwiseConv2DAttrs(stride, stride, dil, dil, pad, "RELU", depth_multiplier=2))
        pool_out = -(-out // 2)
        b.tensor("p", (1, pool_out, pool_out, 6), dtype="float32")
        b.op("AVERAGE_POOL_2D", ["d"], ["p"], Pool2DAttrs(3, 3, 2, 2, "SAME"))
        b.output("c")
        b.output("p")
        cases.append(b.build())
    return cases


@pytest.mark.parametrize("index", range(5))
def test_conv_padding_stride_dilation(index):
    graph = conv_variants()[index]
    x = fm.samples(graph, 3)
    ours = run_float(graph, [x])
    outs = run_tflm_batch(write_tflite(graph), [[s] for s in x])
    for k in range(2):
        expected = np.stack([o[k] for o in outs]).reshape(ours[k].shape)
        np.testing.assert_allclose(ours[k], expected, rtol=1e-4, atol=1e-4)


def test_keep_all_visit_and_batches_agree():
    graph = fm.structural_model()
    x = fm.samples(graph, 10)
    every = run_float(graph, [x], keep_all=True)
    seen = {}
    run_float(graph, [x], visit=lambda name, v: seen.__setitem__(name, v.copy()))
    assert set(seen) == {"x"} | {op.outputs[0] for op in graph.operators}
    for name, value in seen.items():
        np.testing.assert_array_equal(value, every[name])
    np.testing.assert_allclose(run_float_batches(graph, x, batch_size=3)[0], every["probs"], rtol=1e-6)


def test_unknown_op_is_named():
    b = GraphBuilder("g")
    b.input("x", (1, 4), dtype="float32")
    b.tensor("y", (1, 4), dtype="float32")
    b.op("EXP", ["x"], ["y"])
    b.output("y")
    with pytest.raises(FloatExecError, match="EXP"):
        run_float(b.build(), [np.zeros((1, 1, 4), np.float32)])
