"""A 16x8 model using every int16 kernel family (convolution, depthwise, both pools, ADD, SUB,
RESHAPE, FULLY_CONNECTED, SOFTMAX, QUANTIZE/DEQUANTIZE at float edges), quantized by mcutool
with --activations int16: bit-exact with TFLite-Micro on the host and, slow, under QEMU on
mps2-an386 (Cortex-M4), mps2-an385 (Cortex-M3) and mps3-an547 (Cortex-M55)."""
import numpy as np
import pytest
from bitexact import assert_same, check_bit_exact
from float_models import F, _w
from test_quantize_int16 import with_float_edges

from mcutool import api
from mcutool.frontends.tflite import write_tflite
from mcutool.ir.attrs import Conv2DAttrs, DepthwiseConv2DAttrs, FullyConnectedAttrs, Pool2DAttrs
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
    b.tensor("probs", (1, 10), dtype=F)
    b.op("SOFTMAX", ["fc"], ["probs"])
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


def test_every_int16_family_is_used(int16_model):
    model, _ = int16_model
    kernels = {c.kernel for c in api.compile_graph(model).lowered.calls}
    assert kernels == {"mcu_quantize_f32_s16", "arm_convolve_wrapper_s16", "arm_depthwise_conv_wrapper_s16",
                       "arm_avgpool_s16", "arm_max_pool_s16", "arm_elementwise_add_s16",
                       "mcu_broadcast_sub_s16", "arm_fully_connected_s16", "arm_softmax_s16",
                       "mcu_dequantize_s16_f32"}


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
