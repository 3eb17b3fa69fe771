import numpy as np

from mcutool import fixedpoint as fp


def reference_srdhm(a: int, b: int) -> int:
    if a == b == fp.INT32_MIN:
        return fp.INT32_MAX
    ab = a * b
    nudge = (1 << 30) if ab >= 0 else 1 - (1 << 30)
    total = ab + nudge
    return int(total / (1 << 31)) if abs(total) < (1 << 52) else (abs(total) // (1 << 31)) * (1 if total >= 0 else -1)


def test_quantize_multiplier_is_q31_mantissa_and_exponent():
    for real in [1e-9, 0.0003, 0.25, 0.5, 0.75, 0.999999, 1.0, 1.5, 123.456]:
        q, shift = fp.quantize_multiplier(real)
        assert (1 << 30) <= q < (1 << 31)
        assert abs(q * 2.0 ** (shift - 31) - real) <= real * 2 ** -30
    assert fp.quantize_multiplier(0.0) == (0, 0)
    # A mantissa that rounds up to 2^31 is halved and the exponent bumped.
    q, shift = fp.quantize_multiplier(np.nextafter(1.0, 0.0))
    assert (q, shift) == (1 << 30, 1)


def test_srdhm_rounds_half_away_from_zero_and_saturates():
    rng = np.random.default_rng(0)
    a = rng.integers(fp.INT32_MIN, fp.INT32_MAX, 2000)
    b = rng.integers(1 << 30, fp.INT32_MAX, 2000)
    got = fp.saturating_rounding_doubling_high_mul(a, b)
    want = [reference_srdhm(int(x), int(y)) for x, y in zip(a, b)]
    assert got.tolist() == want
    assert int(fp.saturating_rounding_doubling_high_mul(fp.INT32_MIN, fp.INT32_MIN)) == fp.INT32_MAX


def test_rounding_divide_by_pot_halves_away_from_zero():
    x = np.array([5, -5, 6, -6, 7, -7, 4, -4])
    assert fp.rounding_divide_by_pot(x, 1).tolist() == [3, -3, 3, -3, 4, -4, 2, -2]
    assert fp.rounding_divide_by_pot(np.array([3, -3]), 0).tolist() == [3, -3]


def test_tflite_round_and_activation_range():
    assert fp.tflite_round(np.array([0.5, -0.5, 1.5, -2.5])).tolist() == [1.0, -1.0, 2.0, -3.0]
    assert fp.activation_range("NONE", 0.1, 3) == (-128, 127)
    assert fp.activation_range("RELU", 0.1, -100) == (-100, 127)
    assert fp.activation_range("RELU6", 0.1, -100) == (-100, -40)
    assert fp.activation_range("RELU_N1_TO_1", 0.01, 0) == (-100, 100)


def test_tflite_round_does_not_round_values_just_below_a_half_up():
    x = np.array([0.49999997, -0.49999997, 2.4999998], np.float32)
    assert fp.tflite_round(x).tolist() == [0.0, 0.0, 2.0]
