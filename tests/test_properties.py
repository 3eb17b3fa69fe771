"""Property tests (hypothesis) on the planner and on the quantization arithmetic, and the
planner's scale: a 20,000-operator chain plans in seconds (minutes when it was quadratic)."""
import math
import time
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mcutool.fixedpoint import (
    MAX_SHIFT,
    MultiplierRangeError,
    multiply_by_quantized_multiplier,
    quantize_multiplier,
    rounding_divide_by_pot,
    saturating_rounding_doubling_high_mul,
    tflite_round,
    wrap_int32,
)
from mcutool.ir import ActivationAttrs, Pool2DAttrs
from mcutool.ir.builder import GraphBuilder
from mcutool.lower import lower_graph
from mcutool.plan import plan_memory
from mcutool.plan.arena import ALIGNMENT, _align, _place
from mcutool.plan.lifetimes import Buffer

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
INT32 = st.integers(-(1 << 31), (1 << 31) - 1)


# -- planner ------------------------------------------------------------------------------------
def assert_sound(buffers: list[Buffer], offsets: dict[str, int], arena: int, alignment: int = ALIGNMENT) -> None:
    """No two buffers live at the same step share a byte; arena = max(offset + size), aligned."""
    for i, a in enumerate(buffers):
        assert offsets[a.name] >= 0 and offsets[a.name] % alignment == 0
        for b in buffers[i + 1:]:
            if a.overlaps(b):
                oa, ob = offsets[a.name], offsets[b.name]
                assert oa + a.size <= ob or ob + b.size <= oa, (a, b, oa, ob)
    assert arena == _align(max((offsets[b.name] + b.size for b in buffers), default=0), alignment)


def quadratic_place(order: list[Buffer], alignment: int) -> tuple[dict[str, int], int]:
    """The planner's greedy rule as first written (every placed buffer checked): the reference."""
    placed: list[tuple[Buffer, int]] = []
    offsets: dict[str, int] = {}
    for buf in order:
        conflicts = sorted((off, off + b.size) for b, off in placed if b.overlaps(buf))
        offset = 0
        for start, end in conflicts:
            if offset + buf.size <= start:
                break
            offset = max(offset, _align(end, alignment))
        offsets[buf.name] = offset
        placed.append((buf, offset))
    return offsets, _align(max((offsets[b.name] + b.size for b in order), default=0), alignment)


@st.composite
def buffer_sets(draw):
    n = draw(st.integers(0, 40))
    steps = draw(st.integers(1, 30))
    bufs = []
    for i in range(n):
        first = draw(st.integers(-1, steps))
        last = draw(st.integers(first, steps))
        bufs.append(Buffer(f"b{i}", draw(st.integers(1, 5000)), first, last))
    return bufs


@SETTINGS
@given(buffer_sets(), st.sampled_from([1, 4, 16]))
def test_placement_never_overlaps_live_buffers(bufs, alignment):
    offsets, arena = _place(bufs, alignment)
    assert_sound(bufs, offsets, arena, alignment)
    assert (offsets, arena) == quadratic_place(bufs, alignment)


@st.composite
def random_graphs(draw):
    """A random int8 DAG: RELU, MAX_POOL (same size) and ADD with skip connections, any
    tensor possibly a graph output: lifetimes of every shape."""
    b = GraphBuilder("random")
    c = draw(st.sampled_from([1, 3, 8]))
    tensors = [b.input("x", (1, 4, 4, c), scale=0.05, zero_point=0)]
    for i in range(draw(st.integers(1, 25))):
        kind = draw(st.sampled_from(["RELU", "MAX_POOL_2D", "ADD"]))
        src = draw(st.sampled_from(tensors))
        out = b.tensor(f"t{i}", (1, 4, 4, c), scale=0.05, zero_point=0)
        if kind == "ADD":
            b.op("ADD", [src, draw(st.sampled_from(tensors))], [out], ActivationAttrs())
        elif kind == "MAX_POOL_2D":
            b.op("MAX_POOL_2D", [src], [out], Pool2DAttrs(3, 3, 1, 1, "SAME"))
        else:
            b.op("RELU", [src], [out])
        tensors.append(out)
    outputs = draw(st.lists(st.sampled_from(tensors[1:]), min_size=1, max_size=3, unique=True))
    for name in [*outputs, tensors[-1]] if tensors[-1] not in outputs else outputs:
        b.output(name)
    return b.build()


@SETTINGS
@given(random_graphs())
def test_plans_of_random_graphs_are_sound(graph):
    plan = plan_memory(lower_graph(graph))
    assert_sound(plan.buffers, plan.offsets, plan.arena_bytes)
    for name in graph.outputs + graph.inputs:  # every activation has a buffer
        assert plan.tensor_buffer[name] in plan.offsets


@pytest.mark.slow
def test_a_chain_of_20000_operators_plans_in_seconds():
    b = GraphBuilder("chain")
    b.input("t0", (1, 16), scale=0.05, zero_point=0)
    for i in range(20_000):
        b.tensor(f"t{i + 1}", (1, 16), scale=0.05, zero_point=0)
        b.op("RELU", [f"t{i}"], [f"t{i + 1}"])
    b.output("t20000")
    lowered = lower_graph(b.build())
    start = time.monotonic()
    plan = plan_memory(lowered)
    # About a second here; the quadratic planner took over a minute. The bound is generous.
    assert time.monotonic() - start < 30
    assert plan.arena_bytes == 32


# -- quantization arithmetic -------------------------------------------------------------------------
def round_half_away(x: Fraction) -> int:
    return math.floor(x + Fraction(1, 2)) if x >= 0 else -math.floor(-x + Fraction(1, 2))


@SETTINGS
@given(st.floats(min_value=1e-45, max_value=3.4e38, allow_nan=False, allow_infinity=False))
def test_quantize_multiplier(real):
    exponent = math.frexp(real)[1]
    if exponent > MAX_SHIFT + 1:  # even a rounded-up mantissa cannot save it
        with pytest.raises(MultiplierRangeError, match=f"left shift of {exponent}"):
            quantize_multiplier(real)
        return
    try:
        q, shift = quantize_multiplier(real)
    except MultiplierRangeError as exc:
        assert exc.shift == MAX_SHIFT + 1
        return
    if (q, shift) == (0, 0):  # too small for any shift: TFLite's zero multiplier
        assert real < 2.0 ** -31
        return
    assert (1 << 30) <= q < (1 << 31) and -31 <= shift <= MAX_SHIFT
    # q * 2^(shift - 31) is real with a 31-bit mantissa, rounded to nearest.
    assert abs(Fraction(q) * Fraction(2) ** (shift - 31) - Fraction(real)) <= Fraction(2) ** (shift - 32)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_quantize_multiplier_refuses_non_finite(bad):
    with pytest.raises(MultiplierRangeError, match="not a finite number"):
        quantize_multiplier(bad)


@SETTINGS
@given(INT32, INT32)
def test_saturating_rounding_doubling_high_mul(a, b):
    got = int(saturating_rounding_doubling_high_mul(a, b))
    if a == b == -(1 << 31):
        assert got == (1 << 31) - 1
        return
    ab = a * b
    nudge = (1 << 30) if ab >= 0 else 1 - (1 << 30)
    assert got == int(Fraction(ab + nudge, 1 << 31))  # C's division truncates toward zero


@SETTINGS
@given(INT32, st.integers(0, 31))
def test_rounding_divide_by_pot_rounds_half_away_from_zero(x, exponent):
    assert int(rounding_divide_by_pot(x, exponent)) == round_half_away(Fraction(x, 1 << exponent))


@SETTINGS
@given(st.integers(-(1 << 20), 1 << 20), st.integers(1 << 30, (1 << 31) - 1), st.integers(-31, 0))
def test_multiply_by_quantized_multiplier_is_within_one_of_exact(x, multiplier, shift):
    exact = Fraction(x * multiplier) * Fraction(2) ** (shift - 31)
    assert abs(int(multiply_by_quantized_multiplier(x, multiplier, shift)) - exact) <= 1


@SETTINGS
@given(st.integers(-(1 << 62), 1 << 62))
def test_wrap_int32(x):
    assert int(wrap_int32(x)) == (x + (1 << 31)) % (1 << 32) - (1 << 31)


@SETTINGS
@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, width=32))
def test_tflite_round_is_half_away_from_zero(x):
    assert float(tflite_round(np.float32(x))) == round_half_away(Fraction(float(np.float32(x))))
