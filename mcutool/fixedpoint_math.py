"""gemmlowp's fixed-point math functions (exp, 1/(1+x), logistic, tanh) in numpy, bit for bit.

TFLite-Micro's int8 SOFTMAX, LOGISTIC and TANH evaluate these on int32 Q-format values
(gemmlowp's `FixedPoint<int32_t, integer_bits>`: raw / 2^(31 - integer_bits)). Every function
takes and returns raw int32 values held in int64 numpy arrays, vectorised elementwise.
HARD_SWISH's int16 primitives live here too, since they follow gemmlowp's int16 rules.
"""
from __future__ import annotations

import math

import numpy as np

from mcutool.fixedpoint import (
    INT32_MAX,
    INT32_MIN,
    rounding_divide_by_pot,
    wrap_int32,
)
from mcutool.fixedpoint import (
    saturating_rounding_doubling_high_mul as srdhm,
)

INT16_MIN = -(1 << 15)
INT16_MAX = (1 << 15) - 1

# exp(-2^k) in Q0.31 for k = -2..4: the barrel shifter of exp_on_negative_values.
_EXP_BARREL = ((-2, 1672461947), (-1, 1302514674), (0, 790015084), (1, 290630308),
               (2, 39332535), (3, 720401), (4, 242))
_EXP_MINUS_ONE_EIGHTH = 1895147668      # exp(-1/8) in Q0.31
_ONE_THIRD = 715827883                  # 1/3 in Q0.31
_48_OVER_17 = 1515870810                # 48/17 in Q2.29
_MINUS_32_OVER_17 = -1010580540         # -32/17 in Q2.29
_ONE_Q2 = 1 << 29                       # 1.0 in Q2.29


def _i64(x) -> np.ndarray:
    return np.asarray(x, dtype=np.int64)


def saturating_left_shift_pot(x, exponent: int) -> np.ndarray:
    """gemmlowp SaturatingRoundingMultiplyByPOT<+exponent> on int32: x * 2^e, saturated."""
    x = _i64(x)
    if exponent == 0:
        return x
    return np.clip(x << exponent, INT32_MIN, INT32_MAX)


def rescale(x, src_integer_bits: int, dst_integer_bits: int) -> np.ndarray:
    """gemmlowp Rescale: change a value's integer bits (saturating left / rounding right)."""
    exponent = src_integer_bits - dst_integer_bits
    if exponent >= 0:
        return saturating_left_shift_pot(x, exponent)
    return rounding_divide_by_pot(x, -exponent)


def rounding_half_sum(a, b) -> np.ndarray:
    """(a + b) / 2 rounded half away from zero (C division truncates toward zero)."""
    total = _i64(a) + _i64(b)
    nudged = total + np.where(total >= 0, 1, -1)
    return np.where(nudged >= 0, nudged // 2, -((-nudged) // 2))


def exp_on_interval_between_negative_one_quarter_and_0_excl(a) -> np.ndarray:
    """exp(a) for a in [-1/4, 0), Q0.31 in and out: Taylor series around -1/8."""
    x = wrap_int32(_i64(a) + (1 << 28))           # a + 1/8
    x2 = srdhm(x, x)
    x3 = srdhm(x2, x)
    x4 = srdhm(x2, x2)
    x4_over_4 = rounding_divide_by_pot(x4, 2)
    poly = rounding_divide_by_pot(wrap_int32(srdhm(wrap_int32(x4_over_4 + x3), _ONE_THIRD) + x2), 1)
    return wrap_int32(_EXP_MINUS_ONE_EIGHTH + srdhm(_EXP_MINUS_ONE_EIGHTH, wrap_int32(x + poly)))


def exp_on_negative_values(a, integer_bits: int) -> np.ndarray:
    """exp(a) for a <= 0 given in Q(integer_bits), result in Q0.31 (exp(0) -> INT32_MAX)."""
    a = _i64(a)
    fractional_bits = 31 - integer_bits
    one_quarter = 1 << (fractional_bits - 2)
    # Split a = (a mod 1/4 - 1/4) + (multiple of 1/4): the first part goes through the series,
    # the rest through a product of exp(-2^k) for each set bit.
    a_mod_quarter_minus_quarter = (a & (one_quarter - 1)) - one_quarter
    result = exp_on_interval_between_negative_one_quarter_and_0_excl(
        rescale(a_mod_quarter_minus_quarter, integer_bits, 0))
    remainder = wrap_int32(a_mod_quarter_minus_quarter - a)
    for exponent, multiplier in _EXP_BARREL:
        if integer_bits > exponent:
            bit = np.int64(1) << (fractional_bits + exponent)
            result = np.where((remainder & bit) != 0, srdhm(result, multiplier), result)
    if integer_bits > 5:
        result = np.where(a < -(1 << (36 - integer_bits)), 0, result)   # below -32: exp is 0
    return np.where(a == 0, INT32_MAX, result)


def _newton_reciprocal_of_half_denominator(a) -> tuple[np.ndarray, np.ndarray]:
    """Shared Newton-Raphson start: x ~ 1 / ((1 + a) / 2) in Q2.29, for a in Q0.31."""
    half_denominator = rounding_half_sum(a, INT32_MAX)
    x = wrap_int32(_48_OVER_17 + srdhm(half_denominator, _MINUS_32_OVER_17))
    for _ in range(3):
        one_minus = wrap_int32(_ONE_Q2 - srdhm(half_denominator, x))
        x = wrap_int32(x + rescale(srdhm(x, one_minus), 4, 2))
    return x, half_denominator


def one_over_one_plus_x_for_x_in_0_1(a) -> np.ndarray:
    """1 / (1 + a) for a in [0, 1), Q0.31 in and out."""
    x, _ = _newton_reciprocal_of_half_denominator(a)
    return rescale(x, 1, 0)      # x / 2, reinterpreted from Q2 as Q1, then to Q0


def one_minus_x_over_one_plus_x_for_x_in_0_1(a) -> np.ndarray:
    """(1 - a) / (1 + a) for a in [0, 1), Q0.31 in and out."""
    x, _ = _newton_reciprocal_of_half_denominator(a)
    return rescale(wrap_int32(x - _ONE_Q2), 2, 0)


def logistic(a, integer_bits: int) -> np.ndarray:
    """gemmlowp::logistic: 1 / (1 + exp(-a)), a in Q(integer_bits), result in Q0.31."""
    a = _i64(a)
    positive = a > 0
    abs_a = np.where(positive, a, -a)
    if_positive = one_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(-abs_a, integer_bits))
    if_negative = wrap_int32(INT32_MAX - if_positive)
    return np.where(a == 0, 1 << 30, np.where(positive, if_positive, if_negative))


def tanh(a, integer_bits: int) -> np.ndarray:
    """gemmlowp::tanh, a in Q(integer_bits), result in Q0.31."""
    a = _i64(a)
    negative = a < 0
    minus_abs = np.where(negative, a, -a)
    # exp(2 * minus_abs): the same raw value read with one more integer bit.
    exp_2x = exp_on_negative_values(minus_abs, integer_bits + 1)
    t = one_minus_x_over_one_plus_x_for_x_in_0_1(exp_2x)
    return np.where(a == 0, 0, np.where(negative, -t, t))


def count_leading_zeros32(x) -> np.ndarray:
    """Leading zero bits of x read as uint32 (32 for 0)."""
    u = _i64(x) & 0xFFFFFFFF
    bit_length = np.zeros(u.shape, dtype=np.int64)
    for k in range(32):
        bit_length += (u >> k) != 0
    return 32 - bit_length


def get_reciprocal(x, x_integer_digits: int) -> tuple[np.ndarray, np.ndarray]:
    """TFLite GetReciprocal: (1/x as Q0.31 of the normalised x, num_bits_over_unit)."""
    x = _i64(x)
    headroom_plus_one = count_leading_zeros32(x)
    num_bits_over_unit = x_integer_digits - headroom_plus_one
    shifted = ((x & 0xFFFFFFFF) << np.minimum(headroom_plus_one, 31)) & 0xFFFFFFFF
    shifted_sum_minus_one = wrap_int32(shifted - (1 << 31))
    return one_over_one_plus_x_for_x_in_0_1(shifted_sum_minus_one), num_bits_over_unit


# -- parameters computed by TFLite's Prepare ------------------------------------------------

def calculate_input_radius(input_integer_bits: int, input_left_shift: int,
                           total_signed_bits: int = 31) -> int:
    """CalculateInputRadius: largest |input| whose rescaled value fits the Q format."""
    max_input_rescaled = (1.0 * ((1 << input_integer_bits) - 1)
                          * float(1 << (total_signed_bits - input_integer_bits))
                          / float(1 << input_left_shift))
    return math.floor(max_input_rescaled)


def preprocess_softmax_scaling(beta: float, input_scale: float,
                               input_integer_bits: int) -> tuple[float, int, int]:
    """PreprocessSoftmaxScaling (double rounding): (real multiplier, quantized, left shift)."""
    from mcutool.fixedpoint import quantize_multiplier

    real = min(float(beta) * float(input_scale) * float(1 << (31 - input_integer_bits)),
               float((1 << 31) - 1))
    multiplier, shift = quantize_multiplier(real)
    return real, multiplier, shift


# -- int16 primitives (HARD_SWISH) ------------------------------------------------------------

def wrap_int16(x) -> np.ndarray:
    x = _i64(x)
    return ((x + (1 << 15)) & 0xFFFF) - (1 << 15)


def srdhm_int16(a, b) -> np.ndarray:
    """gemmlowp SaturatingRoundingDoublingHighMul on int16 (VQRDMULH.S16)."""
    a = _i64(a)
    b = _i64(b)
    ab = a * b
    total = ab + np.where(ab >= 0, 1 << 14, 1 - (1 << 14))
    q = np.where(total >= 0, total // (1 << 15), -((-total) // (1 << 15)))
    return np.where((a == INT16_MIN) & (b == INT16_MIN), INT16_MAX, wrap_int16(q))


def sdhm_int16(a, b) -> np.ndarray:
    """TFLite's SaturatingDoublingHighMul on int16: like above but truncating (SQDMULH)."""
    a = _i64(a)
    b = _i64(b)
    ab = a * b
    q = np.where(ab >= 0, ab // (1 << 15), -((-ab) // (1 << 15)))
    return np.where((a == INT16_MIN) & (b == INT16_MIN), INT16_MAX, wrap_int16(q))


def rounding_divide_by_pot_int16(x, exponent: int) -> np.ndarray:
    """gemmlowp RoundingDivideByPOT instantiated for int16, quirks included.

    The mask (1 << exponent) - 1 is truncated to int16, so for exponent >= 16 it becomes -1
    and the "rounding" adds 1 to every non-negative x (a 0 becomes 1).
    """
    x = _i64(x)
    mask = int(wrap_int16((1 << exponent) - 1))
    remainder = wrap_int16(x & mask)
    threshold = wrap_int16((mask >> 1) + (x < 0))
    return wrap_int16((x >> exponent) + (remainder > threshold))


def saturating_left_shift_int16(x, amount: int) -> np.ndarray:
    return np.clip(_i64(x) * (1 << amount), INT16_MIN, INT16_MAX)


def downscale_int32_to_int16_multiplier(multiplier: int) -> int:
    """DownScaleInt32ToInt16Multiplier: round a Q31 multiplier to Q15."""
    if multiplier >= INT32_MAX - (1 << 15):
        return INT16_MAX
    return (multiplier + (1 << 15)) >> 16
