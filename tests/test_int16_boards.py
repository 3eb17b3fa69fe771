"""A 16x8 model using every operator with an int16 lowering (QUANTIZE/DEQUANTIZE at float
edges, an int16 requantization before a CONCATENATION), quantized by mcutool with
--activations int16: bit-exact with TFLite-Micro on the host and, slow, under QEMU on
mps2-an386 (Cortex-M4), mps2-an385 (Cortex-M3) and mps3-an547 (Cortex-M55)."""
import numpy as np
import pytest
from bitexact import assert_same, check_bit_exact
from float_models import F, _w
from int16_graphs import to_int16
from test_ops_int16 import POOL16_TAIL_CASES, long_window_avgpool_s16
from test_ops_pooling import pool_graph
from test_quantize_int16 import with_float_edges

from mcutool import api
from mcutool.frontends.tflite import write_tflite
from mcutool.ir.attrs import (
    ConcatenationAttrs,
    Conv2DAttrs,
    DepthwiseConv2DAttrs,
    FullyConnectedAttrs,
    LeakyReluAttrs,
    Pool2DAttrs,
    ReducerAttrs,
    SqueezeAttrs,
)
from mcutool.ir.builder import GraphBuilder
from mcutool.oracle.tflm import run_tflm_batch
from mcutool.quantize.pipeline import PtqOptions, run_ptq

BOARDS = ["mps2-an386", "mps2-an385", "mps3-an547"]


def int16_ops_float_model(seed: int = 0):
    rng = np.random.default_rng(seed)
    b = GraphBuilder("int16_ops")
    b.input("x", (1, 9, 9, 3), dtype=F)
    b.const("c1/w", _w(rng, (8, 3, 3, 3)))
    b.const("c1/b", _w(rng, 8, 0.1))
    b.tensor("c1", (1, 5, 5, 8), dtype=F)
    b.op("CONV_2D", ["x", "c1/w", "c1/b"], ["c1"], Conv2DAttrs(2, 2, padding="SAME", activation="RELU"))
    b.const("d1/w", _w(rng, (1, 3, 3, 16)))
    b.const("d1/b", _w(rng, 16, 0.1))
    b.tensor("d1", (1, 5, 5, 16), dtype=F)
    b.op("DEPTHWISE_CONV_2D", ["c1", "d1/w", "d1/b"], ["d1"],
         DepthwiseConv2DAttrs(padding="SAME", activation="RELU6", depth_multiplier=2))
    b.tensor("avg", (1, 3, 3, 16), dtype=F)
    b.op("AVERAGE_POOL_2D", ["d1"], ["avg"], Pool2DAttrs(3, 3, 2, 2, "SAME"))
    b.tensor("max", (1, 3, 3, 16), dtype=F)
    b.op("MAX_POOL_2D", ["d1"], ["max"], Pool2DAttrs(3, 3, 2, 2, "SAME"))
    b.tensor("sum", (1, 3, 3, 16), dtype=F)
    b.op("ADD", ["avg", "max"], ["sum"])
    b.const("offset", _w(rng, (1, 1, 1, 16), 0.5))
    b.tensor("diff", (1, 3, 3, 16), dtype=F)
    b.op("SUB", ["sum", "offset"], ["diff"])
    b.const("flat/shape", np.array([1, 144], np.int32))
    b.tensor("flat", (1, 144), dtype=F)
    b.op("RESHAPE", ["diff", "flat/shape"], ["flat"])
    b.const("fc/w", _w(rng, (10, 144), 0.1))
    b.const("fc/b", _w(rng, 10, 0.1))
    b.tensor("fc", (1, 10), dtype=F)
    b.op("FULLY_CONNECTED", ["flat", "fc/w", "fc/b"], ["fc"], FullyConnectedAttrs())
    # second branch: the element-wise and shape ops
    b.tensor("sig", (1, 3, 3, 16), dtype=F)
    b.op("LOGISTIC", ["diff"], ["sig"])
    b.tensor("th", (1, 3, 3, 16), dtype=F)
    b.op("TANH", ["diff"], ["th"])
    b.tensor("prod", (1, 3, 3, 16), dtype=F)
    b.op("MUL", ["sig", "th"], ["prod"])
    b.tensor("cat", (1, 3, 3, 32), dtype=F)
    b.op("CONCATENATION", ["prod", "diff"], ["cat"], ConcatenationAttrs(axis=3))
    b.const("pads", np.array([[0, 0], [1, 0], [0, 1], [0, 0]], np.int32))
    b.tensor("padded", (1, 4, 4, 32), dtype=F)
    b.op("PAD", ["cat", "pads"], ["padded"])
    b.tensor("lrelu", (1, 4, 4, 32), dtype=F)
    b.op("LEAKY_RELU", ["padded"], ["lrelu"], LeakyReluAttrs(alpha=0.1))
    b.const("axes", np.array([1, 2], np.int32))
    b.tensor("mean", (1, 1, 1, 32), dtype=F)
    b.op("MEAN", ["lrelu", "axes"], ["mean"], ReducerAttrs(keep_dims=True))
    b.tensor("mean_relu", (1, 1, 1, 32), dtype=F)
    b.op("RELU", ["mean"], ["mean_relu"])
    b.tensor("sq", (1, 32), dtype=F)
    b.op("SQUEEZE", ["mean_relu"], ["sq"], SqueezeAttrs((1, 2)))
    b.tensor("r6", (1, 32), dtype=F)
    b.op("RELU6", ["sq"], ["r6"])
    b.const("fc2/w", _w(rng, (10, 32), 0.3))
    b.const("fc2/b", _w(rng, 10, 0.1))
    b.tensor("fc2", (1, 10), dtype=F)
    b.op("FULLY_CONNECTED", ["r6", "fc2/w", "fc2/b"], ["fc2"], FullyConnectedAttrs())
    b.tensor("logits", (1, 10), dtype=F)
    b.op("ADD", ["fc", "fc2"], ["logits"])
    b.tensor("probs", (1, 10), dtype=F)
    b.op("SOFTMAX", ["logits"], ["probs"])
    b.output("probs")
    return b.build()


@pytest.fixture(scope="module")
def int16_model():
    rng = np.random.default_rng(1)
    calib = rng.uniform(-1, 1, (32, 1, 9, 9, 3)).astype(np.float32)
    q = run_ptq(int16_ops_float_model(), calib, PtqOptions(activations="int16")).int8
    model = with_float_edges(q)
    samples = [[rng.uniform(-1, 1, (1, 9, 9, 3)).astype(np.float32)] for _ in range(4)]
    return model, samples


def test_every_int16_lowering_is_used(int16_model):
    from mcutool.ops import all_ops
    model, _ = int16_model
    int16_ops = {d.name for d in all_ops() if "int16" in d.lower} - {"PADV2", "RESHAPE"}
    assert int16_ops <= {op.type for op in model.operators}
    kernels = {c.kernel for c in api.compile_graph(model).lowered.calls}
    assert {"mcu_quantize_f32_s16", "mcu_requantize_s16", "mcu_dequantize_s16_f32"} <= kernels


def test_int16_model_bit_exact_on_the_host(int16_model, c_path):
    model, samples = int16_model
    check_bit_exact(model, samples=samples)


@pytest.mark.slow
@pytest.mark.parametrize("board", BOARDS)
def test_int16_model_bit_exact_on_the_board(int16_model, board, tmp_path):
    model, samples = int16_model
    expected = run_tflm_batch(write_tflite(model), samples)
    out = api.generate(api.compile_graph(model), tmp_path / "gen")
    assert_same(expected, api.run(out, samples, board=board), f"{board} vs TFLite-Micro")


@pytest.mark.slow
@pytest.mark.parametrize("board", BOARDS)
def test_pool_s16_channel_tails_on_the_board(board, tmp_path):
    """The s16 pooling kernels' DSP and Helium lane tails (1 to 19 channels), clipped windows
    (tap counts 1 to 49 for Helium's division by multiplication), inputs at the int16 rails."""
    cases = [*POOL16_TAIL_CASES, ((1, 7, 7, 7), (7, 7), (1, 1), "SAME", "NONE")]
    for kind in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
        for i, (shape, filt, stride, padding, act) in enumerate(cases):
            graph = to_int16(pool_graph(kind, shape, filt, stride, padding, act, seed=20 + i))
            rng = np.random.default_rng(i)
            samples = [[rng.integers(-32768, 32768, shape).astype(np.int16)] for _ in range(2)]
            samples += [[np.full(shape, v, np.int16)] for v in (-32768, 32767)]
            expected = run_tflm_batch(write_tflite(graph), samples)
            out = api.generate(api.compile_graph(graph), tmp_path / f"{kind}_{i}")
            assert_same(expected, api.run(out, samples, board=board), f"{board} {kind} case {i}")


@pytest.mark.slow
@pytest.mark.parametrize("board", BOARDS)
def test_avgpool_s16_long_window_on_the_board(board, tmp_path):
    graph, samples = long_window_avgpool_s16()
    expected = run_tflm_batch(write_tflite(graph), samples)
    out = api.generate(api.compile_graph(graph), tmp_path / "gen")
    assert_same(expected, api.run(out, samples, board=board), f"{board} vs TFLite-Micro")


@pytest.mark.cmsis_nn
@pytest.mark.slow
@pytest.mark.parametrize("board", BOARDS)
def test_cmsis_nn_s16_kernels_link_in_place_of_runtime_c(cmsis_nn_path, int16_model, board, tmp_path):
    """ARM's s16 kernels (and their DSP and Helium paths, in the buffers the contexts reserve)
    give the same int16 results as runtime_c and TFLite-Micro."""
    model, samples = int16_model
    expected = run_tflm_batch(write_tflite(model), samples)
    out = api.generate(api.compile_graph(model, board), tmp_path / "gen")
    assert_same(expected, api.run(out, samples, board=board, cmsis_nn=cmsis_nn_path),
                f"{board} with CMSIS-NN vs TFLite-Micro")
