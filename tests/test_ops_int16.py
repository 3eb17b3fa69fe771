"""16-bit activations (TFLite's 16x8 scheme, CMSIS-NN's s16 kernels): TFLite-Micro == numpy
twin == generated C, on the portable and the emulated-DSP C paths (c_path), under ASan/UBSan.
The graphs are the int8 op tests' graphs made int16 (int16_graphs.to_int16)."""
import numpy as np
import pytest
from bitexact import check_bit_exact
from int16_graphs import to_int16
from test_ops_conv import conv_graph
from test_ops_elementwise import CASES as BINARY_CASES
from test_ops_elementwise import binary_graph
from test_ops_fully_connected import fc_graph
from test_ops_nonlinear import unary_graph as nonlinear_graph
from test_ops_pooling import MEAN_CASES, POOL_CASES, mean_graph, pool_graph
from test_ops_quantize import tricky_floats, unary_graph
from test_ops_shapes import CONCAT_CASES, PAD_CASES, concat_graph, pad_graph

from mcutool.lower import data_type, lower_graph

# (shape, out_c, kernel, stride, dilation, padding, activation)
CONV_CASES = [
    ((1, 8, 8, 3), 8, (3, 3), (1, 1), (1, 1), "SAME", "RELU"),
    ((2, 7, 6, 5), 5, (3, 2), (2, 1), (1, 2), "VALID", "RELU6"),
    ((1, 5, 5, 300), 3, (1, 1), (1, 1), (1, 1), "SAME", "NONE"),    # > 256 products per tap
    ((1, 6, 6, 4), 4, (3, 3), (1, 1), (1, 1), "SAME", "RELU_N1_TO_1"),
    ((1, 3, 4, 57), 5, (3, 3), (1, 1), (1, 1), "SAME", "NONE"),       # 513 taps: int32 parts
    ((1, 3, 3, 64), 2, (3, 3), (2, 2), (1, 1), "SAME", "RELU"),       # 576 taps, 4 per group
]
DW_CASES = [
    ((1, 8, 8, 8), (3, 3), (1, 1), (1, 1), "SAME", "RELU", 1),
    ((1, 7, 6, 5), (3, 3), (2, 1), (1, 1), "SAME", "NONE", 1),
    ((1, 6, 6, 3), (2, 3), (1, 2), (2, 1), "VALID", "RELU6", 2),
    ((2, 5, 5, 9), (5, 5), (1, 1), (1, 1), "SAME", "NONE", 1),
]
FC_CASES = [((1, 17), 10, "RELU"), ((3, 64), 7, "NONE"), ((2, 300), 10, "NONE"), ((4, 9), 5, "RELU6")]


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv_s16_bit_exact(case, c_path):
    shape, out_c, kernel, stride, dilation, padding, act = case
    i = CONV_CASES.index(case)
    graph = to_int16(conv_graph(shape, out_c, kernel, stride, dilation, padding, act, seed=i), seed=i)
    check_bit_exact(graph, n=8, seed=1)


def test_conv_s16_int32_bias_bit_exact(c_path):
    graph = to_int16(conv_graph((1, 6, 6, 4), 6, (3, 3), activation="RELU", seed=7), bias="int32", seed=7)
    check_bit_exact(graph, n=8, seed=2)


def test_conv_s16_grouped_bit_exact(c_path):
    graph = to_int16(conv_graph((1, 6, 6, 6), 4, (3, 3), seed=3, groups=2), seed=3)
    check_bit_exact(graph, n=6, seed=4)


@pytest.mark.parametrize("case", DW_CASES)
def test_depthwise_s16_bit_exact(case, c_path):
    shape, kernel, stride, dilation, padding, act, mult = case
    i = DW_CASES.index(case)
    graph = to_int16(conv_graph(shape, 0, kernel, stride, dilation, padding, act, depthwise=True,
                                mult=mult, seed=i), seed=i)
    check_bit_exact(graph, n=8, seed=2)


@pytest.mark.parametrize("case", FC_CASES)
def test_fully_connected_s16_bit_exact(case, c_path):
    in_shape, units, act = case
    i = FC_CASES.index(case)
    graph = to_int16(fc_graph(in_shape, units, activation=act, per_channel=False, seed=i), seed=i)
    check_bit_exact(graph, n=8, seed=3)


@pytest.mark.parametrize("case", FC_CASES[:3])
def test_fully_connected_per_channel_s16_bit_exact(case, c_path):
    in_shape, units, act = case
    i = FC_CASES.index(case)
    graph = to_int16(fc_graph(in_shape, units, activation=act, per_channel=True, seed=i), seed=i)
    check_bit_exact(graph, n=6, seed=5)


def test_lowering_picks_s16_kernels():
    graph = to_int16(conv_graph((1, 4, 4, 4), 4, (3, 3)))
    assert data_type(graph, graph.operators[0]) == "int16"
    assert lower_graph(graph).ops[0].calls[0].kernel == "arm_convolve_wrapper_s16"
    fc = to_int16(fc_graph((1, 8), 4, per_channel=False))
    assert lower_graph(fc).ops[0].calls[0].kernel == "arm_fully_connected_s16"


@pytest.mark.parametrize("op", ("ADD", "SUB", "MUL"))
@pytest.mark.parametrize("case", range(len(BINARY_CASES)))
def test_add_sub_s16_bit_exact(op, case):
    shape_a, shape_b, act, const_b, scales = BINARY_CASES[case]
    graph = to_int16(binary_graph(op, shape_a, shape_b, act, const_b, scales, seed=case), seed=case)
    check_bit_exact(graph, n=4, seed=case)


def test_add_s16_every_edge_code():
    """Inputs at the int16 rails and around zero, in one same-shape call."""
    edge = np.array([-32768, -32767, -16384, -1, 0, 1, 16383, 32766, 32767], np.int16)
    a, b = np.repeat(edge, edge.size), np.tile(edge, edge.size)
    graph = to_int16(binary_graph("ADD", a.shape, b.shape, "NONE", scales=(0.031, 0.0173, 0.045)))
    check_bit_exact(graph, samples=[[a, b]])


@pytest.mark.parametrize("kind", ("AVERAGE_POOL_2D", "MAX_POOL_2D"))
@pytest.mark.parametrize("case", range(len(POOL_CASES)))
def test_pool_s16_bit_exact(kind, case, c_path):
    shape, filt, stride, padding, act = POOL_CASES[case]
    graph = to_int16(pool_graph(kind, shape, filt, stride, padding, act, seed=case))
    check_bit_exact(graph, n=4, seed=case)


# The s16 pooling kernels' lane tails (DSP: blocks of 4 channels, a pair, a single one; Helium:
# 8 lanes, tail-predicated) with SAME padding, windows clipped at the image edge and strides that
# skip pixels: (shape, filter, stride, padding, activation)
POOL16_TAIL_CASES = [
    ((1, 5, 6, 1), (3, 3), (2, 2), "SAME", "NONE"),
    ((1, 6, 5, 3), (2, 3), (2, 1), "SAME", "RELU"),
    ((2, 5, 5, 5), (3, 2), (1, 2), "SAME", "RELU6"),
    ((1, 7, 4, 9), (4, 4), (3, 3), "SAME", "RELU_N1_TO_1"),
    ((1, 4, 6, 19), (3, 5), (2, 2), "SAME", "NONE"),
    ((1, 3, 3, 6), (3, 3), (1, 1), "VALID", "NONE"),
]


@pytest.mark.slow  # 24 sanitized builds; the plain pooling cases above stay in the quick suite
@pytest.mark.parametrize("kind", ("AVERAGE_POOL_2D", "MAX_POOL_2D"))
@pytest.mark.parametrize("case", range(len(POOL16_TAIL_CASES)))
def test_pool_s16_channel_tails_bit_exact(kind, case, c_path):
    shape, filt, stride, padding, act = POOL16_TAIL_CASES[case]
    graph = to_int16(pool_graph(kind, shape, filt, stride, padding, act, seed=20 + case))
    check_bit_exact(graph, n=4, seed=case)


@pytest.mark.parametrize("kind", ("AVERAGE_POOL_2D", "MAX_POOL_2D"))
def test_pool_s16_rail_codes_bit_exact(kind, c_path):
    """Every lane at the int16 rails: max picks across -32768/32767 pairs without wrapping, and
    a 7x7 window of -32768 or 32767 sums exactly in int32."""
    graph = to_int16(pool_graph(kind, (1, 7, 7, 7), (7, 7), (1, 1), "SAME", "NONE", seed=3))
    rails = np.array([-32768, 32767], np.int16)
    x = np.random.default_rng(5).choice(rails, (1, 7, 7, 7)).astype(np.int16)
    ones = [np.full((1, 7, 7, 7), v, np.int16) for v in (-32768, 32767)]
    check_bit_exact(graph, samples=[[x], [ones[0]], [ones[1]]])


def long_window_avgpool_s16():
    """An AVERAGE_POOL_2D over 65,600 taps (more than Helium's 16-bit-step magic numbers cover)
    and inputs whose sums sit on both sides of a half: the average rounds to 1, 0, -1, 0."""
    shape = (1, 1, 65600, 1)
    graph = to_int16(pool_graph("AVERAGE_POOL_2D", shape, (1, 65600), (1, 1), "VALID", "NONE", seed=4))

    def first(k, v):
        x = np.zeros(shape, np.int16)
        x.reshape(-1)[:k] = v
        return [x]

    rng = np.random.default_rng(0)
    samples = [[rng.integers(-3, 4, shape).astype(np.int16)], [np.full(shape, -3, np.int16)],
               first(32800, 1), first(32799, 1), first(32800, -1), first(32799, -1)]
    return graph, samples


@pytest.mark.slow  # a 65,600-tap window
def test_avgpool_s16_long_window_bit_exact(c_path):
    graph, samples = long_window_avgpool_s16()
    out = check_bit_exact(graph, samples=samples)
    assert [int(o[0].reshape(-1)[0]) for o in out[2:]] == [1, 0, -1, 0]


INT16_CODES = np.concatenate([np.arange(-32768, 32768, 97), [-32768, -1, 0, 1, 32767]]).astype(np.int16)


@pytest.mark.parametrize("scale", [0.05, 3e-4, 1 / 32768])
def test_quantize_float_to_int16_bit_exact(scale):
    x = np.concatenate([tricky_floats(scale, np.random.default_rng(1)),
                        np.float32([40000, -40000, 1e9]) * np.float32(scale)]).astype(np.float32)
    check_bit_exact(unary_graph("QUANTIZE", "float32", (None, None), "int16", (scale, 0), x.shape),
                    samples=[[x]])


@pytest.mark.parametrize("scale", [0.05, 3e-4, 1 / 32768])
def test_dequantize_int16_bit_exact(scale):
    graph = unary_graph("DEQUANTIZE", "int16", (scale, 0), "float32", (None, None), INT16_CODES.shape)
    check_bit_exact(graph, samples=[[INT16_CODES]])


# (input dtype, input quant, output dtype, output quant)
REQUANT_S16_CASES = [
    ("int8", (0.05, -20), "int16", (0.05 / 256, 0)),
    ("int8", (0.05, 7), "int16", (3e-5, 0)),           # saturates
    ("int16", (0.05 / 256, 0), "int8", (0.05, -20)),
    ("int16", (1e-4, 0), "int8", (0.002, 3)),
    ("int16", (1e-4, 0), "int16", (3e-4, 0)),
    ("int16", (3e-4, 0), "int16", (1e-4, 0)),          # saturates
]


@pytest.mark.parametrize("case", range(len(REQUANT_S16_CASES)))
def test_requantize_int8_int16_bit_exact(case):
    in_dtype, in_q, out_dtype, out_q = REQUANT_S16_CASES[case]
    codes = np.arange(-128, 128, dtype=np.int8) if in_dtype == "int8" else INT16_CODES
    graph = unary_graph("QUANTIZE", in_dtype, in_q, out_dtype, out_q, codes.shape)
    check_bit_exact(graph, samples=[[codes]])


# (shape, input scale, beta): scales from fine to coarse, the row lengths the C loops differ on
SOFTMAX_CASES = [((1, 10), 1e-4, 1.0), ((3, 7), 3e-3, 1.0), ((2, 1, 33), 5e-4, 0.5),
                 ((1, 1000), 2e-4, 1.0), ((4, 2), 1e-2, 2.0), ((1, 5), 1 / 32768, 1.0)]


@pytest.mark.parametrize("case", range(len(SOFTMAX_CASES)))
def test_softmax_s16_bit_exact(case):
    shape, scale, beta = SOFTMAX_CASES[case]
    graph = nonlinear_graph("SOFTMAX", shape, scale, 0, 1 / 32768, 0, dtype="int16", beta=beta)
    check_bit_exact(graph, n=6, seed=case)


def test_softmax_s16_close_inputs_bit_exact():
    """Inputs a few hundred codes apart, so the exps fall inside the tables, not at exp(-10)."""
    rng = np.random.default_rng(5)
    graph = nonlinear_graph("SOFTMAX", (8, 16), 2e-3, 0, 1 / 32768, 0, dtype="int16", beta=1.0)
    samples = [[rng.integers(-300, 300, (8, 16)).astype(np.int16) + np.int16(k * 1000)] for k in range(-3, 4)]
    check_bit_exact(graph, samples=samples)


ALL_INT16 = np.arange(-32768, 32768, dtype=np.int16)


@pytest.mark.parametrize("op", ("LOGISTIC", "TANH"))
@pytest.mark.parametrize("scale", [1 / 4096, 3e-4, 1e-3, 5e-5, 0.1, 1e-6, 1 / 6144])
def test_logistic_tanh_s16_every_input(op, scale):
    """All 65536 inputs; 2^-12 is TFLite-Micro's power-of-two path, the others its multiplier."""
    graph = nonlinear_graph(op, ALL_INT16.shape, scale, 0, 1 / 32768, 0, dtype="int16")
    check_bit_exact(graph, samples=[[ALL_INT16]], run_c=scale in (1 / 4096, 3e-4))


def test_logistic_tanh_s16_c(c_path):
    for op in ("LOGISTIC", "TANH"):
        check_bit_exact(nonlinear_graph(op, (4, 97), 7e-4, 0, 1 / 32768, 0, dtype="int16"), n=3, seed=1)


def test_sigmoid_table_is_the_oracles():
    """Re-measure SIGMOID_TABLE_U16 as its docstring says: TANH at input scale 1/6144 puts
    input 128 k exactly on entry k (output = entry - 32768)."""
    from mcutool.frontends.tflite import write_tflite
    from mcutool.lower.sigmoid_s16 import SIGMOID_TABLE_U16
    from mcutool.oracle.tflm import run_tflm_batch
    x = np.append(np.arange(255) * 128, 32639).astype(np.int16)
    graph = nonlinear_graph("TANH", x.shape, 1 / 6144, 0, 1 / 32768, 0, dtype="int16")
    out = run_tflm_batch(write_tflite(graph), [[x]])[0][0].astype(np.int64)
    assert np.array_equal(out[:255] + 32768, SIGMOID_TABLE_U16[:255])
    # the last entry only shows through one interpolation step from entry 254
    last, before = int(SIGMOID_TABLE_U16[255]), int(SIGMOID_TABLE_U16[254])
    assert out[255] == before - 32768 + ((254 * (last - before) + 128) >> 8)


@pytest.mark.parametrize("case", range(len(MEAN_CASES)))
def test_mean_s16_bit_exact(case):
    shape, axes, keep, same = MEAN_CASES[case]
    check_bit_exact(to_int16(mean_graph(shape, axes, keep, same, seed=case)), n=4, seed=case)


# (input scale, output scale): same scale, rescaled down, rescaled up (saturating)
RELU_S16_CASES = [(1e-3, 1e-3), (1e-3, 3e-3), (2e-3, 5e-4), (3e-4, 3e-4)]


@pytest.mark.parametrize("op", ("RELU", "RELU6"))
@pytest.mark.parametrize("case", range(len(RELU_S16_CASES)))
def test_relu_s16_every_input(op, case):
    s_in, s_out = RELU_S16_CASES[case]
    graph = unary_graph(op, "int16", (s_in, 0), "int16", (s_out, 0), ALL_INT16.shape)
    check_bit_exact(graph, samples=[[ALL_INT16]], run_c=case == 1)


@pytest.mark.parametrize("padv2", (False, True))
@pytest.mark.parametrize("case", range(len(PAD_CASES)))
def test_pad_s16_bit_exact(case, padv2):
    shape, paddings = PAD_CASES[case]
    graph = to_int16(pad_graph(shape, paddings, seed=case, value=5 if padv2 else None), seed=case)
    check_bit_exact(graph, n=3, seed=case)


@pytest.mark.parametrize("case", range(len(CONCAT_CASES)))
def test_concatenation_s16_bit_exact(case):
    """int16 concatenation runs CMSIS-NN's byte-copying kernels over two bytes per element."""
    shapes, axis, const_last = CONCAT_CASES[case]
    check_bit_exact(to_int16(concat_graph(shapes, axis, const_last, seed=case), seed=case), n=3, seed=case)


def test_mul_s16_edge_codes():
    """Products up to 2^30, scaled back into int16."""
    edge = np.array([-32768, -32767, -16384, -1, 0, 1, 16383, 32766, 32767], np.int16)
    a, b = np.repeat(edge, edge.size), np.tile(edge, edge.size)
    graph = to_int16(binary_graph("MUL", a.shape, b.shape, "NONE", scales=(1e-3, 2e-3, 1e-3 * 2e-3 * 40000)))
    check_bit_exact(graph, samples=[[a, b]])


@pytest.mark.parametrize("alpha", [0.2, -0.5, 1.7, 0.0])
def test_leaky_relu_s16_every_input(alpha):
    graph = unary_graph("LEAKY_RELU", "int16", (1e-3, 0), "int16", (1.5e-3, 0), ALL_INT16.shape)
    graph.operators[0].attrs.alpha = alpha
    check_bit_exact(graph, samples=[[ALL_INT16]], run_c=alpha == -0.5)
