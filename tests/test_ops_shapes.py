"""RESHAPE, SQUEEZE, PAD, PADV2 and CONCATENATION: TFLite-Micro == numpy reference == generated C."""
import numpy as np
import pytest
from bitexact import check_bit_exact

from mcutool.errors import UnsupportedOpsError
from mcutool.ir.builder import GraphBuilder
from mcutool.lower import lower_graph

SCALE, ZP = 0.05, -7


def pad_graph(shape, paddings, seed=0, value=None):
    """PAD, or PADV2 padding with the int8 code `value` (quantized like the output, as TFLM requires)."""
    rng = np.random.default_rng(seed)
    scale, zp = float(rng.uniform(0.01, 0.1)), int(rng.integers(-128, 128))
    paddings = np.asarray(paddings, np.int32)
    out = tuple(int(d + a + b) for d, (a, b) in zip(shape, paddings))
    b = GraphBuilder(f"pad_{seed}")
    b.input("x", shape, scale=scale, zero_point=zp)
    b.const("paddings", paddings)
    b.tensor("y", out, scale=scale, zero_point=zp)
    if value is None:
        b.op("PAD", ["x", "paddings"], ["y"])
    else:
        b.const("value", np.array(value, np.int8), scale=scale, zero_point=zp)
        b.op("PADV2", ["x", "paddings", "value"], ["y"])
    b.output("y")
    return b.build()


def concat_graph(shapes, axis, const_last=False, seed=0):
    rng = np.random.default_rng(seed)
    rank = len(shapes[0])
    out = list(shapes[0])
    out[axis] = sum(s[axis] for s in shapes)
    b = GraphBuilder(f"concat_{seed}")
    names = []
    for i, shape in enumerate(shapes):
        if const_last and i == len(shapes) - 1:
            data = rng.integers(-128, 128, shape).astype(np.int8)
            names.append(b.const(f"c{i}", data, scale=SCALE, zero_point=ZP))
        else:
            names.append(b.input(f"x{i}", shape, scale=SCALE, zero_point=ZP))
    b.tensor("y", tuple(out), scale=SCALE, zero_point=ZP)
    b.op("CONCATENATION", names, ["y"], axis=axis if seed % 2 else axis - rank)  # also negative axes
    b.output("y")
    return b.build()


PAD_CASES = [
    ((1, 5, 4, 3), [[0, 0], [1, 2], [3, 0], [0, 0]]),   # image style (TFLM's PadImageStyle path)
    ((1, 3, 3, 2), [[1, 0], [0, 1], [2, 2], [1, 3]]),   # every axis, asymmetric
    ((2, 3, 5), [[0, 1], [2, 0], [1, 1]]),
    ((4, 7), [[3, 1], [0, 2]]),
    ((9,), [[2, 5]]),
    ((1, 2, 2, 1), [[0, 0], [0, 0], [0, 0], [0, 0]]),   # no padding at all
]


@pytest.mark.parametrize("case", range(len(PAD_CASES)))
def test_pad_bit_exact(case):
    shape, paddings = PAD_CASES[case]
    graph = pad_graph(shape, paddings, seed=case)
    out = check_bit_exact(graph, n=4, seed=case)
    if np.asarray(paddings).any():  # TFLM pads with the output zero point
        assert (out[0][0] == graph.tensors["y"].zero_point).any()


@pytest.mark.parametrize("case", [0, 1, 3])
def test_padv2_bit_exact(case):
    shape, paddings = PAD_CASES[case]
    graph = pad_graph(shape, paddings, seed=case, value=-101 + 50 * case)
    out = check_bit_exact(graph, n=4, seed=case)
    assert (out[0][0] == -101 + 50 * case).any()  # the constant, not the zero point


def test_float_padv2_is_quantized_with_its_constant():
    """A float PADV2's constant becomes int8 with the output's parameters; TFLM agrees."""
    from mcutool import api
    b = GraphBuilder("float_padv2")
    b.input("x", (1, 4, 4, 2), dtype="float32")
    b.const("paddings", np.array([[0, 0], [1, 1], [0, 2], [0, 0]], np.int32))
    b.const("value", np.array(0.75, np.float32))
    b.tensor("y", (1, 6, 6, 2), dtype="float32")
    b.op("PADV2", ["x", "paddings", "value"], ["y"])
    b.output("y")
    x = np.random.default_rng(0).uniform(-1, 1, (16, 1, 4, 4, 2)).astype(np.float32)
    q, _ = api.quantize_model(b.build(), x)
    value, out = q.tensors[q.operators[0].inputs[2]], q.tensors["y"]
    assert value.dtype == "int8" and value.quant.equals(out.quant)
    real = (int(value.data.reshape(-1)[0]) - out.zero_point) * out.scale
    assert abs(real - 0.75) <= out.scale / 2
    check_bit_exact(q, n=4)


CONCAT_CASES = [
    # (input shapes, axis, last input constant)
    ([(1, 3, 4, 2), (1, 3, 4, 5)], 3, False),
    ([(1, 3, 4, 2), (1, 3, 1, 2), (1, 3, 3, 2)], 2, False),
    ([(1, 2, 5, 3), (1, 1, 5, 3), (1, 4, 5, 3), (1, 2, 5, 3)], 1, True),
    ([(2, 3, 2, 2), (1, 3, 2, 2)], 0, False),
    ([(3, 4, 1), (3, 4, 6)], 2, True),
    ([(2, 5), (3, 5), (1, 5)], 0, False),
    ([(7,), (3,)], 0, False),
]


@pytest.mark.parametrize("case", range(len(CONCAT_CASES)))
def test_concatenation_bit_exact(case):
    shapes, axis, const_last = CONCAT_CASES[case]
    check_bit_exact(concat_graph(shapes, axis, const_last, seed=case), n=4, seed=case)


def test_concatenation_random_sweep_reference():
    rng = np.random.default_rng(3)
    for i in range(30):
        rank = int(rng.integers(1, 5))
        axis = int(rng.integers(0, rank))
        base = [int(v) for v in rng.integers(1, 5, rank)]
        shapes = []
        for _ in range(int(rng.integers(2, 5))):
            shape = list(base)
            shape[axis] = int(rng.integers(1, 4))
            shapes.append(tuple(shape))
        check_bit_exact(concat_graph(shapes, axis, bool(i % 3 == 0), seed=i), n=2, seed=i, run_c=False)


def test_reshape_and_squeeze_alias_their_input():
    b = GraphBuilder("reshape_squeeze")
    b.input("x", (1, 3, 4, 5), scale=SCALE, zero_point=ZP)
    b.tensor("flat", (1, 60), scale=SCALE, zero_point=ZP)
    b.op("RESHAPE", ["x"], ["flat"], new_shape=(1, 60))
    b.tensor("expanded", (1, 1, 60), scale=SCALE, zero_point=ZP)
    b.const("shape", np.array([1, 1, 60], np.int32))
    b.op("RESHAPE", ["flat", "shape"], ["expanded"])
    b.tensor("squeezed", (60,), scale=SCALE, zero_point=ZP)
    b.op("SQUEEZE", ["expanded"], ["squeezed"], squeeze_dims=(0, 1))
    b.tensor("padded", (62,), scale=SCALE, zero_point=ZP)   # a real kernel after the aliases
    b.const("paddings", np.array([[1, 1]], np.int32))
    b.op("PAD", ["squeezed", "paddings"], ["padded"])
    b.output("padded")
    graph = b.build()
    lowered = lower_graph(graph)
    assert [low.alias for low in lowered.ops[:3]] == [("flat", "x"), ("expanded", "flat"),
                                                      ("squeezed", "expanded")]
    assert all(not low.calls for low in lowered.ops[:3])
    check_bit_exact(graph, n=3)


def _concat_variant(activation="NONE", input_zp=ZP, inputs=2):
    b = GraphBuilder("concat_bad")
    names = [b.input(f"x{i}", (1, 2), scale=SCALE, zero_point=input_zp if i == 0 else ZP)
             for i in range(inputs)]
    b.tensor("y", (1, 2 * inputs), scale=SCALE, zero_point=ZP)
    b.op("CONCATENATION", names, ["y"], axis=1, activation=activation)
    b.output("y")
    return b.build()


@pytest.mark.parametrize("graph, why", [
    (_concat_variant(activation="RELU"), "activation"),          # TFLM: activation must be NONE
    (_concat_variant(input_zp=ZP + 1), "quantized differently"),  # TFLM never requantizes int8
    (_concat_variant(inputs=11), "at most 10"),                   # TFLM's kMaxInputNum
])
def test_concatenation_rejects_what_tflm_rejects(graph, why):
    with pytest.raises(UnsupportedOpsError, match=why):
        lower_graph(graph)


def test_pad_rejects_int64_paddings():
    # TFLM reads paddings as int32 whatever their type, so int64 ones fail its Prepare.
    b = GraphBuilder("pad64")
    b.input("x", (1, 2, 2, 1), scale=SCALE, zero_point=ZP)
    b.const("paddings", np.array([[0, 0], [1, 1], [1, 1], [0, 0]], np.int64))
    b.tensor("y", (1, 4, 4, 1), scale=SCALE, zero_point=ZP)
    b.op("PAD", ["x", "paddings"], ["y"])
    b.output("y")
    with pytest.raises(UnsupportedOpsError, match="int32"):
        lower_graph(b.build())
