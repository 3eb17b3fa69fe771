"""CONV_2D and DEPTHWISE_CONV_2D: TFLite-Micro == numpy reference == generated C.

Hand-picked graphs go through the full three-way check (each builds a C program); a wider
random sweep checks the numpy twins against TFLite-Micro only, which is cheap.
"""
import subprocess

import numpy as np
import pytest
from bitexact import check_bit_exact

from mcutool.abi import runtime_sizes
from mcutool.abi.types import Dims
from mcutool.errors import UnsupportedOpsError
from mcutool.ir import Conv2DAttrs, DepthwiseConv2DAttrs
from mcutool.ir.analysis import op_macs
from mcutool.ir.builder import GraphBuilder
from mcutool.lower import lower_graph
from mcutool.lower.conv_quant import out_size_and_padding
from mcutool.resources import runtime_dir

ACTIVATIONS = ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")


def conv_graph(shape, out_c, kernel, stride=(1, 1), dilation=(1, 1), padding="SAME", activation="NONE",
               per_channel=True, bias=True, depthwise=False, mult=1, seed=0, groups=1):
    """One quantized conv as TF's converter makes it: symmetric int8 weights (zp 0), int32 bias
    with scale in_scale * w_scale, random activation zero points, an output scale that keeps
    most outputs off the int8 rails."""
    rng = np.random.default_rng(seed)
    n, h, w, in_c = shape
    if depthwise:
        out_c = in_c * mult
        w_shape, axis, depth = (1, *kernel, out_c), 3, kernel[0] * kernel[1]
    else:
        w_shape, axis, depth = (out_c, *kernel, in_c // groups), 0, kernel[0] * kernel[1] * in_c // groups
    in_scale, in_zp = float(rng.uniform(0.01, 0.1)), int(rng.integers(-128, 128))
    w_scale = rng.uniform(0.002, 0.02, out_c if per_channel else 1).astype(np.float32)
    b = GraphBuilder(f"{'dw' if depthwise else 'conv'}_{seed}")
    b.input("x", shape, scale=in_scale, zero_point=in_zp)
    b.const("w", rng.integers(-127, 128, w_shape).astype(np.int8), scale=w_scale, zero_point=0,
            axis=axis if per_channel else None)
    inputs = ["x", "w"]
    if bias:
        b.const("b", rng.integers(-3000, 3000, out_c).astype(np.int32),
                scale=np.float32(in_scale) * w_scale, zero_point=0, axis=0 if per_channel else None)
        inputs.append("b")
    # |acc| ~ sqrt(depth) * 74 * 73 for uniform int8 data: map that to about +-45 output steps.
    out_scale = in_scale * float(w_scale.mean()) * np.sqrt(depth) * 74 * 73 / 45
    out_h, _ = out_size_and_padding(padding, h, kernel[0], stride[0], dilation[0])
    out_w, _ = out_size_and_padding(padding, w, kernel[1], stride[1], dilation[1])
    b.tensor("y", (n, out_h, out_w, out_c), scale=out_scale, zero_point=int(rng.integers(-100, 100)))
    if depthwise:
        attrs = DepthwiseConv2DAttrs(*stride, *dilation, padding, activation, mult)
        b.op("DEPTHWISE_CONV_2D", inputs, ["y"], attrs)
    else:
        b.op("CONV_2D", inputs, ["y"], Conv2DAttrs(*stride, *dilation, padding, activation))
    b.output("y")
    return b.build()


# (shape, out_c, kernel, stride, dilation, padding, activation, per_channel, bias)
CONV_CASES = [
    ((1, 9, 7, 3), 5, (3, 3), (2, 1), (1, 1), "SAME", "RELU", True, True),
    ((1, 6, 5, 17), 8, (1, 1), (1, 1), (1, 1), "VALID", "NONE", False, False),
    ((1, 13, 11, 1), 4, (7, 7), (3, 3), (1, 1), "SAME", "RELU6", True, True),
    ((1, 15, 6, 8), 3, (11, 1), (1, 2), (1, 1), "VALID", "RELU_N1_TO_1", True, True),
    ((1, 12, 10, 3), 6, (3, 3), (1, 1), (2, 3), "SAME", "NONE", True, True),
    ((2, 9, 8, 8), 7, (2, 2), (2, 3), (3, 2), "VALID", "RELU", False, True),
    ((1, 24, 24, 8), 16, (3, 3), (1, 1), (1, 1), "SAME", "RELU6", True, True),
    ((1, 3, 3, 4), 3, (2, 2), (1, 1), (5, 5), "SAME", "NONE", True, True),  # windows off the image
]

# (shape, mult, kernel, stride, dilation, padding, activation, per_channel, bias)
DW_CASES = [
    ((1, 9, 9, 8), 1, (3, 3), (1, 1), (1, 1), "SAME", "RELU6", True, True),
    ((1, 7, 10, 3), 2, (5, 5), (2, 2), (1, 1), "VALID", "NONE", False, False),
    ((1, 11, 8, 1), 3, (3, 3), (3, 3), (2, 2), "SAME", "RELU", True, True),
    ((1, 13, 6, 17), 1, (7, 1), (1, 1), (1, 3), "SAME", "RELU_N1_TO_1", True, True),
    ((2, 5, 5, 4), 2, (2, 2), (2, 1), (1, 1), "VALID", "NONE", True, True),
    ((1, 6, 6, 8), 1, (1, 1), (1, 1), (1, 1), "SAME", "RELU", False, True),
    ((1, 3, 3, 4), 2, (2, 2), (1, 1), (5, 5), "SAME", "NONE", True, True),  # windows off the image
]


# More shapes, to steer the packed (Arm DSP) code paths into their corners: pixel counts that leave
# 1-3 columns, odd channel counts (the last filter row's partial word), C_IN multiple of 4 or
# not (direct im2col or byte stage), depthwise channels 4k + 1..3, rows of 3 taps cut by the
# border, 5-tap rows, batch 2; for the Helium paths, tap counts and channel counts that are not
# multiples of 16 (predicated tails) and multipliers above 1 (gain_graph).
# (shape, out_c, kernel, stride, dilation, padding, activation, per_channel, bias)
BOARD_CONV_CASES = [
    ((1, 7, 6, 8), 5, (3, 3), (1, 1), (1, 1), "SAME", "NONE", True, True),
    ((1, 5, 5, 3), 3, (3, 3), (1, 1), (1, 1), "SAME", "RELU", True, False),
    ((2, 3, 5, 1), 1, (2, 3), (1, 2), (1, 1), "SAME", "NONE", False, True),
    ((1, 6, 7, 12), 7, (3, 3), (2, 2), (2, 1), "SAME", "RELU6", True, True),
    ((1, 5, 3, 64), 9, (1, 1), (1, 1), (1, 1), "VALID", "NONE", True, True),
    ((1, 4, 5, 1), 6, (1, 1), (1, 1), (1, 1), "SAME", "RELU", True, True),    # 1 tap per column
    ((1, 3, 3, 3), 7, (1, 1), (1, 1), (1, 1), "VALID", "NONE", False, True),  # 3 taps per column
]
# (shape, mult, kernel, stride, dilation, padding, activation, per_channel, bias)
BOARD_DW_CASES = [
    ((1, 6, 5, 6), 1, (3, 3), (1, 1), (1, 1), "SAME", "NONE", True, True),
    ((2, 7, 6, 4), 1, (3, 3), (2, 1), (1, 1), "SAME", "RELU", True, False),
    ((1, 9, 8, 9), 1, (5, 5), (1, 2), (1, 1), "SAME", "RELU6", True, True),
    ((1, 8, 8, 8), 1, (3, 3), (1, 1), (2, 2), "VALID", "NONE", False, True),
    ((1, 5, 4, 13), 1, (1, 3), (1, 1), (1, 1), "SAME", "NONE", True, True),
    ((1, 6, 7, 27), 1, (3, 3), (2, 2), (1, 1), "SAME", "RELU", True, True),  # Helium: 16 + 8 + 3 channels
]


def gain_graph(depthwise=False, seed=0):
    """A 1x1 conv (or depthwise) whose output scale is below in_scale * w_scale: the
    requantization multiplier exceeds 1, so the shift is positive and the kernels' left-shift
    branch runs (scalar and Helium). Small accumulators (2 taps, no bias) keep some outputs in
    range."""
    graph = conv_graph((1, 5, 6, 2), 5, (1, 1), padding="VALID", per_channel=False, bias=False,
                       depthwise=depthwise, mult=2 if depthwise else 1, seed=seed)
    gain = float(graph.tensors["x"].quant.scale[0]) * float(graph.tensors["w"].quant.scale[0])
    graph.tensors["y"].quant.scale = np.array([gain * 0.9], np.float32)
    return graph


@pytest.mark.parametrize("depthwise", [False, True])
def test_multiplier_above_one_bit_exact(depthwise, c_path):
    check_bit_exact(gain_graph(depthwise, seed=50), n=20, seed=3)


# the extra corner shapes (BOARD_*) run on the host with `make test` only
@pytest.mark.parametrize("case", CONV_CASES + [pytest.param(c, marks=pytest.mark.slow) for c in BOARD_CONV_CASES])
def test_conv2d_bit_exact(case, c_path):
    shape, out_c, kernel, stride, dilation, padding, act, per_channel, bias = case
    graph = conv_graph(shape, out_c, kernel, stride, dilation, padding, act, per_channel, bias,
                       seed=(CONV_CASES + BOARD_CONV_CASES).index(case))
    check_bit_exact(graph, n=20, seed=1)


@pytest.mark.parametrize("case", DW_CASES + [pytest.param(c, marks=pytest.mark.slow) for c in BOARD_DW_CASES])
def test_depthwise_conv2d_bit_exact(case, c_path):
    shape, mult, kernel, stride, dilation, padding, act, per_channel, bias = case
    graph = conv_graph(shape, 0, kernel, stride, dilation, padding, act, per_channel, bias,
                       depthwise=True, mult=mult, seed=100 + (DW_CASES + BOARD_DW_CASES).index(case))
    check_bit_exact(graph, n=20, seed=2)


def _random_case(rng, depthwise):
    h, w = int(rng.integers(1, 14)), int(rng.integers(1, 14))
    kernel = (int(rng.choice([1, 2, 3, 5, 7, 11])), int(rng.choice([1, 2, 3, 5, 7])))
    dilation = (1, 1) if rng.random() < 0.5 else (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    padding = str(rng.choice(["SAME", "VALID"]))
    if any((k - 1) * d + 1 > s for k, d, s in zip(kernel, dilation, (h, w))):
        padding = "SAME"  # VALID needs the dilated filter to fit
    return dict(shape=(int(rng.integers(1, 3)), h, w, int(rng.choice([1, 3, 8, 17]))),
                out_c=int(rng.integers(1, 12)), kernel=kernel,
                stride=(int(rng.integers(1, 4)), int(rng.integers(1, 4))), dilation=dilation,
                padding=padding, activation=str(rng.choice(ACTIVATIONS)),
                per_channel=bool(rng.integers(0, 2)), bias=bool(rng.random() < 0.8),
                depthwise=depthwise, mult=int(rng.integers(1, 4)))


@pytest.mark.parametrize("depthwise", [False, True])
def test_random_sweep_twins_match_tflm(depthwise):
    rng = np.random.default_rng(7 + depthwise)
    for i in range(60):
        check_bit_exact(conv_graph(**_random_case(rng, depthwise), seed=i), n=4, seed=i, run_c=False)


def test_scratch_size_matches_c_get_buffer_size(tmp_path):
    """The lowering's Scratch equals what the *_get_buffer_size() functions return."""
    # (input dims, conv filter dims, depthwise filter dims, depth multiplier)
    shapes = [((1, 9, 7, 3), (5, 3, 3, 3), (1, 3, 3, 3), 1), ((1, 6, 5, 17), (8, 1, 1, 17), (1, 1, 1, 17), 1),
              ((1, 4, 4, 1), (2, 11, 1, 1), (1, 11, 1, 2), 2), ((1, 5, 5, 8), (4, 3, 3, 8), (1, 3, 3, 8), 1),
              ((1, 5, 5, 12), (4, 5, 3, 12), (1, 5, 3, 24), 2), ((1, 5, 5, 64), (4, 1, 1, 64), (1, 3, 3, 64), 1),
              ((1, 5, 5, 8), (4, 3, 3, 2), (1, 3, 3, 8), 1), ((1, 5, 5, 12), (6, 3, 3, 6), (1, 3, 3, 12), 1)]
    lines = []
    for x, f, df, mult in shapes:
        lines.append(f"{{cmsis_nn_dims i = {{{', '.join(map(str, x))}}}, f = {{{', '.join(map(str, f))}}},"
                     f" df = {{{', '.join(map(str, df))}}}; dp.ch_mult = {mult};"
                     f" printf(\"%d %d\\n\", (int)arm_convolve_wrapper_s8_get_buffer_size(&p, &i, &f, &i),"
                     f" (int)arm_depthwise_conv_wrapper_s8_get_buffer_size(&dp, &i, &df, &i)); }}")
    src = tmp_path / "sizes.c"
    src.write_text("#include <stdio.h>\n#include \"arm_nnfunctions.h\"\nint main(void) {\n"
                   "cmsis_nn_conv_params p = {0}; cmsis_nn_dw_conv_params dp = {0};\n"
                   + "\n".join(lines) + "\nreturn 0; }\n")
    conv_dir = runtime_dir() / "ConvolutionFunctions"
    sources = [conv_dir / f"{name}.c" for name in (
        "arm_convolve_wrapper_s8_get_buffer_size", "arm_convolve_s8_get_buffer_size",
        "arm_depthwise_conv_wrapper_s8_get_buffer_size")]
    exe = tmp_path / "sizes"
    subprocess.run(["gcc", "-std=c99", "-Wall", "-Wextra", "-Werror", f"-I{runtime_dir() / 'Include'}",
                    str(src), *map(str, sources), "-o", str(exe)], check=True)
    got = [tuple(map(int, line.split())) for line in subprocess.run(
        [str(exe)], check=True, capture_output=True, text=True).stdout.split("\n") if line]
    assert got == [(runtime_sizes.convolve_s8(Dims(*x), Dims(*f)),
                     runtime_sizes.depthwise_conv_wrapper_s8(mult, Dims(*x), Dims(*df)))
                   for x, f, df, mult in shapes]


def test_scratch_is_planned_for_the_im2col_columns():
    graph = conv_graph((1, 9, 7, 3), 5, (3, 3))
    (call,) = lower_graph(graph).ops[0].calls
    assert call.kernel == "arm_convolve_wrapper_s8"
    # 27 taps rounded up to 28: four int16 columns and (3 input channels) one int8 stage
    assert call.scratch_bytes == 4 * 28 * 2 + 28
    assert op_macs(graph, graph.operators[0]) == 9 * 7 * 5 * 27  # SAME, stride 1: 9x7 outputs


def _unsupported(graph) -> str:
    with pytest.raises(UnsupportedOpsError) as info:
        lower_graph(graph)
    return str(info.value)


def test_float_conv_is_unsupported():
    b = GraphBuilder("fconv")
    b.input("x", (1, 4, 4, 2), dtype="float32")
    b.const("w", np.ones((3, 1, 1, 2), np.float32))
    b.tensor("y", (1, 4, 4, 3), dtype="float32")
    b.op("CONV_2D", ["x", "w"], ["y"])
    b.output("y")
    assert "float" in _unsupported(b.build())


def test_int16_activations_are_unsupported():
    graph = conv_graph((1, 4, 4, 2), 3, (1, 1))
    graph.tensors["x"].dtype = "int16"
    assert "int16" in _unsupported(graph)


def test_weights_with_a_zero_point_are_unsupported():
    graph = conv_graph((1, 4, 4, 2), 3, (1, 1), per_channel=False)
    graph.tensors["w"].quant.zero_point[:] = 3
    assert "zero point" in _unsupported(graph)


# (shape, out_c, kernel, stride, groups): filter depths of 1, 2, 3 and 4, output channels per
# group of 1 to 3, the byte-stage path (depths not multiples of 4) and the direct one
GROUPED_CASES = [
    ((1, 6, 5, 4), 6, (3, 3), (1, 1), 2),
    ((1, 7, 7, 6), 4, (3, 3), (2, 2), 2),
    ((2, 5, 6, 9), 9, (1, 1), (1, 1), 3),
    ((1, 5, 5, 8), 4, (3, 1), (1, 1), 4),
    ((1, 6, 6, 16), 8, (3, 3), (1, 2), 4),
    ((1, 4, 4, 6), 6, (2, 2), (1, 1), 6),
]


@pytest.mark.parametrize("case", GROUPED_CASES)
def test_grouped_conv2d_bit_exact(case, c_path):
    shape, out_c, kernel, stride, groups = case
    graph = conv_graph(shape, out_c, kernel, stride, seed=80 + GROUPED_CASES.index(case), groups=groups)
    check_bit_exact(graph, n=12, seed=4)


def test_filter_depth_that_does_not_group_the_input_is_unsupported():
    graph = conv_graph((1, 4, 4, 6), 3, (1, 1), groups=2)  # 2 groups but 3 filters
    assert "do not group" in _unsupported(graph)


def test_depth_multiplier_must_match_the_shapes():
    graph = conv_graph((1, 5, 5, 3), 0, (3, 3), depthwise=True, mult=2)
    graph.operators[0].attrs.depth_multiplier = 1
    assert "depth multiplier" in _unsupported(graph)


def _merge(graphs, name):
    """One graph running the given single-op graphs side by side (tensors renamed g<i>_...)."""
    from dataclasses import replace

    from mcutool.ir import Graph, Operator
    merged = Graph(name=name)
    for i, g in enumerate(graphs):
        rename = {t: f"g{i}_{t}" for t in g.tensors}
        for t in g.tensors.values():
            merged.add_tensor(replace(t, name=rename[t.name]))
        for op in g.operators:
            merged.add_op(Operator(op.type, [rename[n] if n else "" for n in op.inputs],
                                   [rename[n] for n in op.outputs], op.attrs, f"g{i}_{op.name}"))
        merged.inputs += [rename[n] for n in g.inputs]
        merged.outputs += [rename[n] for n in g.outputs]
    merged.validate()
    return merged


@pytest.fixture(scope="module")
def kernel_zoo(tmp_path_factory):
    from bitexact import random_samples
    from test_ops_fully_connected import FC_CASES, fc_graph

    from mcutool import api
    from mcutool.frontends.tflite import write_tflite
    from mcutool.oracle.tflm import run_tflm_batch
    graphs = []
    for i, (shape, out_c, kernel, stride, dil, pad, act, pc, bias) in enumerate(CONV_CASES + BOARD_CONV_CASES):
        graphs.append(conv_graph(shape, out_c, kernel, stride, dil, pad, act, pc, bias, seed=300 + i))
    for i, (shape, mult, kernel, stride, dil, pad, act, pc, bias) in enumerate(DW_CASES + BOARD_DW_CASES):
        graphs.append(conv_graph(shape, 0, kernel, stride, dil, pad, act, pc, bias, depthwise=True, mult=mult,
                                 seed=400 + i))
    for i, (in_shape, units, depth, act, pc, bias, keep) in enumerate(FC_CASES):
        graphs.append(fc_graph(in_shape, units, depth, act, pc, bias, keep, seed=500 + i))
    graphs += [gain_graph(False, seed=600), gain_graph(True, seed=601)]
    graph = _merge(graphs, "kernel_zoo")
    samples = random_samples(graph, 3, seed=9)
    expected = run_tflm_batch(write_tflite(graph), samples)
    out = api.generate(api.compile_graph(graph), tmp_path_factory.mktemp("kernel_zoo") / "gen")
    return out, samples, expected


@pytest.mark.slow
@pytest.mark.parametrize("board", ["mps2-an386", "mps3-an547", "mps2-an385"])
def test_conv_depthwise_fc_cases_bit_exact_on_the_board(kernel_zoo, board):
    """Every conv, depthwise and FC test case in one firmware: the packed DSP code (M4), the
    Helium code (M55) and the portable code (M3) against TFLite-Micro."""
    from bitexact import assert_same

    from mcutool import api
    out, samples, expected = kernel_zoo
    assert_same(expected, api.run(out, samples, board=board), f"{board} vs TFLite-Micro")


def test_float_grouped_conv_is_one_conv_per_group():
    """Calibration's float CONV_2D: each group of input channels meets its own filters."""
    from mcutool.reference.float_kernels import conv2d
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 6, 5, 6)).astype(np.float32)
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)
    attrs = Conv2DAttrs(1, 2, 1, 1, "SAME", "NONE")
    got = conv2d(x, w, b, attrs)
    want = np.concatenate([conv2d(x[..., :3], w[:2], b[:2], attrs), conv2d(x[..., 3:], w[2:], b[2:], attrs)], -1)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
