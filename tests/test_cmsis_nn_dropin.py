"""ARM's CMSIS-NN as a drop-in for runtime_c's arm_* kernels, on every emulated board.

For each board the models are generated for that board's instruction set, built twice (with
runtime_c, and with CMSIS-NN's int8 sources from CMSIS_NN_PATH compiled with the board's flags
in place of runtime_c's arm_* files, our mcu_* kernels staying), run under QEMU, and compared
bit for bit with each other and with TFLite-Micro. Skipped when CMSIS_NN_PATH is not set.
"""
import numpy as np
import pytest
from bitexact import assert_same
from zoo import Zoo, all_ops_graph

from mcutool import api
from mcutool.frontends.tflite import write_tflite
from mcutool.ir import Conv2DAttrs, DepthwiseConv2DAttrs, FullyConnectedAttrs, Pool2DAttrs
from mcutool.oracle.tflm import run_tflm_batch
from mcutool.toolchain.boards import all_boards

EMULATED = [name for name, board in all_boards().items() if board.emulated]


def dropin_graph(seed: int = 0, n_samples: int = 4):
    """The layers where CMSIS-NN's paths need their own scratch or context: a depthwise layer on
    one input channel (a convolution on Helium), a strided 3x3 convolution, a 1x1 convolution,
    a 3x3 depthwise layer on 64 channels, average pooling, a per-tensor fully connected layer
    (Helium kernel sums) and softmax."""
    z = Zoo("cmsis_nn_dropin", seed)
    b = z.b
    x = b.input("x", (1, 8, 8, 1), scale=0.03, zero_point=-7)
    z.samples = [[z.rng.integers(-128, 128, (1, 8, 8, 1)).astype(np.int8)] for _ in range(n_samples)]

    w, ws = z.weights((1, 3, 3, 8), 3)
    d1 = z.out((1, 6, 6, 8))
    b.op("DEPTHWISE_CONV_2D", [x, b.const("dw1_w", w, scale=ws, zero_point=0, axis=3), z.bias_for(x, ws, 8)],
         [d1], DepthwiseConv2DAttrs(padding="VALID", depth_multiplier=8))
    z.tune(d1)
    w, ws = z.weights((16, 3, 3, 8), 0)
    c1 = z.out((1, 3, 3, 16))
    b.op("CONV_2D", [d1, b.const("conv_w", w, scale=ws, zero_point=0, axis=0), z.bias_for(d1, ws, 16)], [c1],
         Conv2DAttrs(padding="SAME", stride_h=2, stride_w=2, activation="RELU"))
    z.tune(c1)
    w, ws = z.weights((64, 1, 1, 16), 0)
    c2 = z.out((1, 3, 3, 64))
    b.op("CONV_2D", [c1, b.const("pw_w", w, scale=ws, zero_point=0, axis=0), z.bias_for(c1, ws, 64)], [c2],
         Conv2DAttrs(padding="VALID"))
    z.tune(c2)
    w, ws = z.weights((1, 3, 3, 64), 3)
    d2 = z.out((1, 3, 3, 64))
    b.op("DEPTHWISE_CONV_2D", [c2, b.const("dw2_w", w, scale=ws, zero_point=0, axis=3), z.bias_for(c2, ws, 64)],
         [d2], DepthwiseConv2DAttrs(padding="SAME", activation="RELU6"))
    z.tune(d2)
    t = b.graph.tensors
    ap = b.tensor("avgpool", (1, 1, 1, 64), scale=t[d2].scale, zero_point=t[d2].zero_point)
    b.op("AVERAGE_POOL_2D", [d2], [ap], Pool2DAttrs(3, 3, 1, 1, "VALID"))
    shape = b.const("shape", np.array([1, 64], np.int32))
    rs = b.tensor("reshape", (1, 64), scale=t[d2].scale, zero_point=t[d2].zero_point)
    b.op("RESHAPE", [ap, shape], [rs])
    w = z.rng.integers(-127, 128, (12, 64)).astype(np.int8)
    ws = np.array([0.01], np.float32)
    fc = z.out((1, 12))
    b.op("FULLY_CONNECTED", [rs, b.const("fc_w", w, scale=ws, zero_point=0), z.bias_for(rs, np.full(12, ws[0]), 12)],
         [fc], FullyConnectedAttrs())
    z.tune(fc)
    sm = b.tensor("softmax", (1, 12), scale=1 / 256, zero_point=-128)
    b.op("SOFTMAX", [fc], [sm])
    b.graph.outputs = [sm]
    return b.build(), z.samples


@pytest.fixture(scope="module")
def models():
    cases = {"all_ops": all_ops_graph(seed=3, n_samples=3), "dropin": dropin_graph(seed=5)}
    return {name: (graph, samples, run_tflm_batch(write_tflite(graph), samples))
            for name, (graph, samples) in cases.items()}


@pytest.mark.cmsis_nn
@pytest.mark.slow
@pytest.mark.parametrize("board", EMULATED)
def test_cmsis_nn_links_in_place_of_runtime_c_bit_exact(cmsis_nn_path, models, board, tmp_path):
    for name, (graph, samples, expected) in models.items():
        out = api.generate(api.compile_graph(graph, board), tmp_path / name)
        ours = api.run(out, samples, board=board)
        theirs = api.run(out, samples, board=board, cmsis_nn=cmsis_nn_path)
        assert_same(expected, ours, f"{name} on {board}, runtime_c vs TFLite-Micro")
        assert_same(ours, theirs, f"{name} on {board}, CMSIS-NN vs runtime_c")


@pytest.mark.cmsis_nn
def test_a_host_layout_is_refused_for_cmsis_nn_on_helium(cmsis_nn_path, models, tmp_path):
    from mcutool.errors import McutoolError
    graph, samples, _ = models["dropin"]
    out = api.generate(api.compile_graph(graph), tmp_path / "host")
    with pytest.raises(McutoolError, match="--board mps3-an547"):
        api.run(out, samples, board="mps3-an547", cmsis_nn=cmsis_nn_path)
