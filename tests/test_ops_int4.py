"""int4 weights (CMSIS-NN's s4 kernels): TFLite-Micro == numpy twin == generated C, on the
portable and the emulated-DSP C paths (c_path), under ASan/UBSan.

The graphs are the int8 op tests' graphs with their weights replaced by int4 values (-8..7,
TFLite's INT4, packed two per byte) and the output scale shrunk to match the smaller sums.
"""
import numpy as np
import pytest
from bitexact import check_bit_exact
from test_ops_conv import conv_graph
from test_ops_fully_connected import fc_graph

from mcutool.abi import scratch
from mcutool.errors import UnsupportedOpsError
from mcutool.ir import Graph
from mcutool.lower import data_type, lower_graph


def to_int4(graph: Graph, seed: int = 0) -> Graph:
    """Replace the weights (input 1 of the one op) with random int4 values."""
    rng = np.random.default_rng(seed)
    op = graph.operators[0]
    w = graph.tensors[op.inputs[1]]
    w.dtype = "int4"
    w.data = rng.integers(-8, 8, w.shape).astype(np.int8)
    y = graph.tensors[op.outputs[0]]
    y.quant.scale = y.quant.scale * np.float32(8 / 74)   # |w| is about 9x smaller than int8's
    return graph


# (shape, out_c, kernel, stride, dilation, padding, activation)
CONV_CASES = [
    ((1, 8, 8, 1), 8, (3, 3), (1, 1), (1, 1), "SAME", "RELU"),      # odd row length 9
    ((1, 8, 8, 8), 16, (1, 1), (1, 1), (1, 1), "SAME", "NONE"),     # 1x1, rows of 8
    ((2, 7, 6, 3), 5, (3, 2), (2, 1), (1, 2), "VALID", "RELU6"),    # odd rows, batches, dilation
    ((1, 9, 9, 12), 6, (3, 3), (2, 2), (1, 1), "SAME", "NONE"),     # rows of 108
    ((1, 5, 5, 17), 3, (2, 2), (1, 1), (1, 1), "SAME", "RELU_N1_TO_1"),
]
DW_CASES = [
    ((1, 8, 8, 8), (3, 3), (1, 1), (1, 1), "SAME", "RELU", 1),
    ((1, 7, 6, 5), (3, 3), (2, 1), (1, 1), "SAME", "NONE", 1),     # odd channels: mid-byte taps
    ((1, 6, 6, 3), (2, 3), (1, 2), (2, 1), "VALID", "RELU6", 2),   # depth multiplier 2
    ((2, 5, 5, 9), (5, 5), (1, 1), (1, 1), "SAME", "NONE", 1),     # padding on every side
]
FC_CASES = [((1, 17), 10, "RELU"), ((3, 64), 7, "NONE"), ((2, 256), 10, "NONE"), ((4, 9), 5, "RELU6")]


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv_s4_bit_exact(case, c_path):
    shape, out_c, kernel, stride, dilation, padding, act = case
    i = CONV_CASES.index(case)
    graph = to_int4(conv_graph(shape, out_c, kernel, stride, dilation, padding, act, seed=i), seed=i)
    check_bit_exact(graph, n=10, seed=1)


@pytest.mark.parametrize("case", DW_CASES)
def test_depthwise_s4_bit_exact(case, c_path):
    shape, kernel, stride, dilation, padding, act, mult = case
    i = DW_CASES.index(case)
    graph = to_int4(conv_graph(shape, 0, kernel, stride, dilation, padding, act, depthwise=True,
                               mult=mult, seed=i), seed=i)
    check_bit_exact(graph, n=10, seed=2)


@pytest.mark.parametrize("case", FC_CASES)
def test_fully_connected_s4_bit_exact(case, c_path):
    in_shape, units, act = case
    i = FC_CASES.index(case)
    graph = to_int4(fc_graph(in_shape, units, activation=act, per_channel=False, seed=i), seed=i)
    check_bit_exact(graph, n=10, seed=3)


def test_lowering_picks_s4_kernels_by_weight_type():
    graph = to_int4(conv_graph((1, 4, 4, 4), 4, (3, 3)))
    assert data_type(graph, graph.operators[0]) == "int8w4"
    call = lower_graph(graph).ops[0].calls[0]
    assert call.kernel == "arm_convolve_wrapper_s4"
    fc = to_int4(fc_graph((1, 8), 4, per_channel=False))
    assert lower_graph(fc).ops[0].calls[0].kernel == "arm_fully_connected_s4"


def test_per_channel_int4_fully_connected_is_refused():
    """TFLite-Micro refuses it (fully_connected_common.cc:98), so mcutool does too."""
    graph = to_int4(fc_graph((1, 8), 4, per_channel=True))
    with pytest.raises(UnsupportedOpsError, match="per tensor"):
        lower_graph(graph)


def test_random_sweep_twins_match_tflm():
    """Twins only (cheap): many shapes, both nibble alignments of every row and tap."""
    rng = np.random.default_rng(5)
    for i in range(40):
        c = int(rng.integers(1, 10))
        k = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        shape = (1, int(rng.integers(k[0], 8)), int(rng.integers(k[1], 8)), c)
        pad = str(rng.choice(["SAME", "VALID"]))
        if i % 2:
            graph = conv_graph(shape, int(rng.integers(1, 9)), k, padding=pad, seed=100 + i)
        else:
            graph = conv_graph(shape, 0, k, padding=pad, depthwise=True, mult=int(rng.integers(1, 3)),
                               seed=100 + i)
        check_bit_exact(to_int4(graph, seed=i), n=3, seed=i, run_c=False)


def test_scratch_covers_cmsis_nn_s4_sizes():
    """The context reserves at least CMSIS-NN's own s4 buffer on each ISA."""
    graph = to_int4(conv_graph((1, 8, 8, 3), 4, (3, 3)))
    call = lower_graph(graph, "portable").ops[0].calls[0]
    assert call.args[0].size == 2 * 27 * 2           # arm_convolve_s4_get_buffer_size
    mve = lower_graph(graph, "mve").ops[0].calls[0]
    assert mve.args[0].size == 4 * 32                # _mve: four int8 columns, 16-aligned
    dw = to_int4(conv_graph((1, 8, 8, 8), 0, (3, 3), depthwise=True))
    assert lower_graph(dw, "dsp").ops[0].calls[0].args[0].size == 8 * 9 * 2
    assert lower_graph(dw, "mve").ops[0].calls[0].args[0].size == 4 * 124 * 9
    assert "arm_fully_connected_s4" in scratch.CONTEXTS


@pytest.fixture(scope="module")
def s4_zoo(tmp_path_factory):
    """Every s4 case above in one graph, generated once, with TFLite-Micro's outputs."""
    from bitexact import random_samples
    from test_ops_conv import _merge

    from mcutool import api
    from mcutool.frontends.tflite import write_tflite
    from mcutool.oracle.tflm import run_tflm_batch
    graphs = []
    for i, (shape, out_c, kernel, stride, dil, pad, act) in enumerate(CONV_CASES):
        graphs.append(to_int4(conv_graph(shape, out_c, kernel, stride, dil, pad, act, seed=700 + i), seed=i))
    for i, (shape, kernel, stride, dil, pad, act, mult) in enumerate(DW_CASES):
        graphs.append(to_int4(conv_graph(shape, 0, kernel, stride, dil, pad, act, depthwise=True, mult=mult,
                                         seed=800 + i), seed=i))
    for i, (in_shape, units, act) in enumerate(FC_CASES):
        graphs.append(to_int4(fc_graph(in_shape, units, activation=act, per_channel=False, seed=900 + i),
                              seed=i))
    graph = _merge(graphs, "s4_zoo")
    samples = random_samples(graph, 3, seed=4)
    expected = run_tflm_batch(write_tflite(graph), samples)
    out = api.generate(api.compile_graph(graph), tmp_path_factory.mktemp("s4_zoo") / "gen")
    return out, samples, expected


@pytest.mark.slow
@pytest.mark.parametrize("board", ["mps2-an386", "mps3-an547"])
def test_s4_kernels_bit_exact_on_the_board(s4_zoo, board):
    """The DSP code (Cortex-M4) and the Helium code (Cortex-M55) of every s4 case, under QEMU,
    against TFLite-Micro."""
    from bitexact import assert_same

    from mcutool import api
    out, samples, expected = s4_zoo
    assert_same(expected, api.run(out, samples, board=board), f"{board} vs TFLite-Micro")


@pytest.mark.cmsis_nn
@pytest.mark.slow
@pytest.mark.parametrize("board", ["mps2-an385", "mps2-an386", "mps3-an547"])
def test_cmsis_nn_s4_kernels_link_in_place_of_runtime_c(cmsis_nn_path, board, tmp_path):
    """ARM's own s4 kernels, built for the board, in the same generated calls (laid out for the
    board: their scratch sizes) give TFLite-Micro's outputs, as runtime_c's do.

    Left out, because ARM's CMSIS-NN (99f736a) itself differs from TFLite-Micro there: depthwise
    layers with a depth multiplier above 1 (its generic s4 kernel steps through the filter by
    input_ch / 2 bytes per tap, right only for multiplier 1), and on the Helium board every s4
    depthwise layer that takes its _opt path (seen under QEMU 7.2; not established whether
    CMSIS-NN or QEMU's MVE emulation is at fault). runtime_c matches TFLite-Micro on all of them
    (the tests above)."""
    from bitexact import assert_same, random_samples
    from test_ops_conv import _merge

    from mcutool import api
    from mcutool.frontends.tflite import write_tflite
    from mcutool.oracle.tflm import run_tflm_batch
    graphs = [to_int4(conv_graph(c[0], c[1], c[2], c[3], c[4], c[5], c[6], seed=i), seed=i)
              for i, c in enumerate(CONV_CASES)]
    if board != "mps3-an547":
        graphs += [to_int4(conv_graph(c[0], 0, c[1], c[2], c[3], c[4], c[5], depthwise=True, mult=1, seed=i),
                           seed=i)
                   for i, c in enumerate(DW_CASES) if c[6] == 1 and c[0][0] == 1]
    graphs += [to_int4(fc_graph(c[0], c[1], activation=c[2], per_channel=False, seed=i), seed=i)
               for i, c in enumerate(FC_CASES)]
    graph = _merge(graphs, "s4_dropin")
    samples = random_samples(graph, 2, seed=6)
    expected = run_tflm_batch(write_tflite(graph), samples)
    out = api.generate(api.compile_graph(graph, board), tmp_path / "gen")
    assert_same(expected, api.run(out, samples, board=board), f"runtime_c on {board}")
    assert_same(expected, api.run(out, samples, board=board, cmsis_nn=cmsis_nn_path), f"CMSIS-NN on {board}")


def test_every_int4_lowering_has_twin_prototype_and_source():
    """What test_ops_registry checks for the int8 lowerings, for the "int8w4" ones; and PTQ
    gives int4 weights to exactly the ops that can lower them."""
    from mcutool.codegen.prototypes import load_prototypes
    from mcutool.ops import all_ops
    from mcutool.quantize.int4 import INT4_OPS
    from mcutool.reference.kernels import load_all
    from mcutool.resources import runtime_dir
    with_w4 = {d.name for d in all_ops() if "int8w4" in d.lower}
    assert with_w4 == set(INT4_OPS)
    graphs = {"CONV_2D": conv_graph((1, 5, 5, 3), 4, (3, 3)),
              "DEPTHWISE_CONV_2D": conv_graph((1, 5, 5, 3), 0, (3, 3), depthwise=True),
              "FULLY_CONNECTED": fc_graph((1, 9), 3, per_channel=False)}
    twins, prototypes = load_all(), load_prototypes()
    sources = {p.stem for p in runtime_dir().glob("*/*.c")}
    for name in with_w4:
        for call in lower_graph(to_int4(graphs[name])).calls:
            assert call.kernel.endswith("_s4")
            assert call.kernel in twins and call.kernel in prototypes and call.kernel in sources


S4_SIZES_DRIVER = r"""
#include <stdio.h>
#include "arm_nnfunctions.h"
/* As test_abi's driver: one layer per line in, the s4 buffer sizes out. */
int main(void) {
    cmsis_nn_dims x, f, y;
    int sw, sh, pw, ph, dw, dh, mult;
    while (scanf("%d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d", &x.n, &x.h, &x.w, &x.c,
                 &f.n, &f.h, &f.w, &f.c, &y.n, &y.h, &y.w, &y.c, &sw, &sh, &pw, &ph, &dw, &dh, &mult) == 19) {
        cmsis_nn_conv_params p = {0};
        cmsis_nn_dw_conv_params d = {0};
        p.stride.w = d.stride.w = sw; p.stride.h = d.stride.h = sh;
        p.padding.w = d.padding.w = pw; p.padding.h = d.padding.h = ph;
        p.dilation.w = d.dilation.w = dw; p.dilation.h = d.dilation.h = dh;
        d.ch_mult = mult;
        cmsis_nn_dims cf = {y.c, f.h, f.w, x.c};
        printf("%d %d %d %d %d %d\n",
               (int)arm_convolve_wrapper_s4_get_buffer_size(&p, &x, &cf, &y),
               (int)arm_convolve_wrapper_s4_get_buffer_size_dsp(&p, &x, &cf, &y),
               (int)arm_convolve_wrapper_s4_get_buffer_size_mve(&p, &x, &cf, &y),
               (int)arm_depthwise_conv_wrapper_s4_get_buffer_size(&d, &x, &f, &y),
               (int)arm_depthwise_conv_wrapper_s4_get_buffer_size_dsp(&d, &x, &f, &y),
               (int)arm_depthwise_conv_wrapper_s4_get_buffer_size_mve(&d, &x, &f, &y));
    }
    return 0;
}
"""


@pytest.mark.cmsis_nn
def test_s4_scratch_sizes_equal_cmsis_nns(cmsis_nn_path, tmp_path):
    """CMSIS-NN's s4 buffer-size functions, compiled for the host (its plain-C build), against
    mcutool.abi.cmsis_sizes on each ISA (the host build of the depthwise one sizes like the
    DSP build), and the planned scratch never below them."""

    from test_abi import _conv, _dw, _random_layers, cmsis_nn_sizes

    from mcutool.abi import CONTEXT, ISAS, context_for
    from mcutool.abi import cmsis_sizes as cmsis
    layers = _random_layers(np.random.default_rng(44), 2000)
    rows = cmsis_nn_sizes(cmsis_nn_path, tmp_path, S4_SIZES_DRIVER, [
        "ConvolutionFunctions/arm_convolve_get_buffer_sizes_s4.c",
        "ConvolutionFunctions/arm_depthwise_conv_get_buffer_sizes_s4.c",
        # the s4 depthwise sizes call the s8 ones, which call the s8 convolution's
        "ConvolutionFunctions/arm_depthwise_conv_get_buffer_sizes_s8.c",
        "ConvolutionFunctions/arm_convolve_get_buffer_sizes_s8.c"], layers)
    for layer, row in zip(layers, rows):
        x, df, y, stride, pad, dil, mult = layer
        conv = _conv(x, (y[3], df[1], df[2], x[3]), stride, pad, dil, y)
        dw = _dw(x, df, mult, stride, pad, dil, y)
        got_conv = [cmsis.convolve_wrapper_s4(isa, *conv) for isa in ("portable", "dsp", "mve")]
        got_dw = [cmsis.depthwise_conv_wrapper_s4(isa, *dw) for isa in ("portable", "dsp", "mve")]
        assert got_conv == row[0:3] and got_dw == row[3:6], f"layer {layer}"
        for isa in ISAS:
            args = [CONTEXT, conv[0], None, conv[1], None, conv[2], None, None, None, conv[3], None]
            assert context_for("arm_convolve_wrapper_s4", args, isa, lambda a: None).size >= got_conv[
                ISAS.index(isa)]
            args = [CONTEXT, dw[0], None, dw[1], None, dw[2], None, None, None, dw[3], None]
            assert context_for("arm_depthwise_conv_wrapper_s4", args, isa, lambda a: None).size >= got_dw[
                ISAS.index(isa)]


def test_runtime_c_s4_buffer_sizes_match_the_abi(tmp_path):
    """runtime_c's own s4 *_get_buffer_size functions against mcutool.abi.runtime_sizes."""
    import subprocess

    from mcutool.abi import runtime_sizes
    from mcutool.abi.types import Dims
    from mcutool.resources import runtime_dir
    rt = runtime_dir()
    src = tmp_path / "main.c"
    src.write_text(r"""
#include <stdio.h>
#include "arm_nnfunctions.h"
int main(void) {
    cmsis_nn_dims x = {1, 9, 9, 5}, f = {4, 3, 2, 5}, y = {1, 9, 9, 4};
    cmsis_nn_conv_params p = {0};
    cmsis_nn_dw_conv_params d = {0};
    printf("%d %d\n", (int)arm_convolve_wrapper_s4_get_buffer_size(&p, &x, &f, &y),
           (int)arm_depthwise_conv_wrapper_s4_get_buffer_size(&d, &x, &f, &y));
    return 0;
}
""")
    exe = tmp_path / "main"
    files = [rt / "ConvolutionFunctions" / f"{n}.c" for n in (
        "arm_convolve_wrapper_s4_get_buffer_size", "arm_convolve_s4_get_buffer_size",
        "arm_depthwise_conv_wrapper_s4_get_buffer_size")]
    subprocess.run(["gcc", "-std=c99", "-Wall", "-Wextra", "-Werror", f"-I{rt / 'Include'}", str(src),
                    *map(str, files), "-o", str(exe)], check=True)
    conv, dw = map(int, subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout.split())
    assert conv == runtime_sizes.convolve_s4(Dims(1, 9, 9, 5), Dims(4, 3, 2, 5)) == 60 and dw == 0
