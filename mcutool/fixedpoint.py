"""TFLite's integer arithmetic, vectorised over numpy int64 arrays.

Shared by the quantizer, the lowering (which computes the kernels' multipliers and shifts, as
TFLite-Micro's Prepare does) and the numpy twins of the C kernels. Rounding follows TFLite's
default "double rounding" (gemmlowp), which is what TFLite-Micro and CMSIS-NN do by default.
"""
from __future__ import annotations

import math

import numpy as np

INT32_MIN = -(1 << 31)
INT32_MAX = (1 << 31) - 1
# The C kernels (arm_nn_requantize) shift an int32 by at most 31 bits either way; a larger left
# shift is undefined behaviour in C, so no multiplier may need one.
MAX_SHIFT = 31


class MultiplierRangeError(ValueError):
    """A real multiplier the kernels cannot apply: not finite, or needing a left shift > 31."""

    def __init__(self, real: float, shift: int | None = None):
        self.real = real
        self.shift = shift
        if shift is None:
            super().__init__(f"multiplier {real} is not a finite number")
        else:
            super().__init__(f"multiplier {real:g} needs a left shift of {shift}; "
                             f"the kernels shift by at most {MAX_SHIFT}")


def tflite_round(x):
    """std::round: halves away from zero (numpy's round is half to even)."""
    x = np.asarray(x)
    whole = np.trunc(x)
    # x - trunc(x) is exact, so values just below a half (0.49999997f) are not rounded up.
    return whole + np.where(np.abs(x - whole) >= 0.5, np.sign(x), 0).astype(x.dtype)


def quantize_multiplier(real: float, max_shift: int = MAX_SHIFT) -> tuple[int, int]:
    """QuantizeMultiplier: real = q * 2^(shift - 31), q in [2^30, 2^31). shift > 0 is left.

    Raises MultiplierRangeError when real is not finite or needs a shift beyond max_shift
    (MAX_SHIFT, what the C performs; callers that only use the pair in Python pass more)."""
    if not math.isfinite(real):
        raise MultiplierRangeError(real)
    if real == 0.0:
        return 0, 0
    frac, shift = math.frexp(real)
    q = int(tflite_round(np.float64(frac * (1 << 31))))
    if q == (1 << 31):
        q //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    if shift > max_shift:
        raise MultiplierRangeError(real, shift)
    return q, shift


def saturating_rounding_doubling_high_mul(a, b):
    """gemmlowp's SaturatingRoundingDoublingHighMul (ARM VQRDMULH) on int32 values."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    overflow = (a == INT32_MIN) & (b == INT32_MIN)
    ab = a * b
    nudge = np.where(ab >= 0, 1 << 30, 1 - (1 << 30))
    total = ab + nudge
    # C integer division truncates toward zero; numpy's // floors.
    q = np.where(total >= 0, total // (1 << 31), -((-total) // (1 << 31)))
    return np.where(overflow, INT32_MAX, q).astype(np.int64)


def rounding_divide_by_pot(x, exponent):
    """gemmlowp's RoundingDivideByPOT: x / 2^exponent, halves away from zero."""
    x = np.asarray(x, dtype=np.int64)
    exponent = np.asarray(exponent, dtype=np.int64)
    mask = (np.int64(1) << exponent) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (x < 0)
    return (x >> exponent) + (remainder > threshold)


def multiply_by_quantized_multiplier(x, multiplier, shift):
    """MultiplyByQuantizedMultiplier: x * multiplier * 2^(shift-31), double rounding.

    x is int32 (as int64 here); multiplier and shift may be per-element arrays that broadcast.
    """
    x = np.asarray(x, dtype=np.int64)
    shift = np.asarray(shift, dtype=np.int64)
    left = np.maximum(shift, 0)
    right = np.maximum(-shift, 0)
    shifted = wrap_int32(x * (np.int64(1) << left))
    return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(shifted, multiplier), right)


def wrap_int32(x):
    """Two's complement wrap-around to int32 (what C does on an int32 overflow in practice)."""
    x = np.asarray(x, dtype=np.int64)
    return ((x + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)


def quantize_value(real: float, scale: float, zero_point: int) -> int:
    """TFLite's Quantize() for activation ranges: zp + round(real / scale), float arithmetic."""
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        quotient = np.float32(real) / np.float32(scale)
    if not np.isfinite(quotient):
        raise ValueError(f"{real} / scale {scale} is not a finite number")
    return int(zero_point + tflite_round(quotient))


def activation_range(activation: str, scale: float, zero_point: int,
                     qmin: int = -128, qmax: int = 127) -> tuple[int, int]:
    """CalculateActivationRangeQuantized: clamp bounds of a fused activation in the int domain."""
    if activation == "NONE":
        return qmin, qmax
    if activation == "RELU":
        return max(qmin, quantize_value(0.0, scale, zero_point)), qmax
    if activation == "RELU6":
        return (max(qmin, quantize_value(0.0, scale, zero_point)),
                min(qmax, quantize_value(6.0, scale, zero_point)))
    if activation == "RELU_N1_TO_1":
        return (max(qmin, quantize_value(-1.0, scale, zero_point)),
                min(qmax, quantize_value(1.0, scale, zero_point)))
    raise ValueError(f"unknown fused activation {activation!r}")


def multiply_by_quantized_multiplier_s64(x, multiplier, shift):
    """TFLite's MultiplyByQuantizedMultiplier for an int64 accumulator (the 16x8 kernels): the
    Q31 multiplier reduced to Q15 with rounding, then one rounding right shift by 15 - shift.
    Wraps like the C (uint64 product, int32 result) when x is outside TFLite's +-2^47."""
    x = np.asarray(x, dtype=np.int64)
    m = np.asarray(multiplier, dtype=np.int64)
    reduced = np.where(m < 0x7FFF0000, (m + (1 << 15)) >> 16, 0x7FFF).astype(np.int64)
    total = 15 - np.asarray(shift, dtype=np.int64)
    with np.errstate(over="ignore"):
        product = (x.astype(np.uint64) * reduced.astype(np.uint64)
                   + (np.uint64(1) << (total - 1).astype(np.uint64))).astype(np.int64)
    return wrap_int32(product >> total)
