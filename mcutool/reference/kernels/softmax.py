"""Numpy twin of arm_softmax_s8: TFLite-Micro's int8 softmax (gemmlowp fixed point).

Per row: subtract the row maximum, rescale the differences to Q5.26 with (mult, shift), sum
exp() of the differences at or above diff_min in Q12.19, take the reciprocal of the sum and
scale each exp() by it to an int8 with scale 1/256 and zero point -128.
"""
from __future__ import annotations

import numpy as np

from mcutool import fixedpoint_math as fpm
from mcutool.fixedpoint import (
    multiply_by_quantized_multiplier,
    rounding_divide_by_pot,
    saturating_rounding_doubling_high_mul,
    wrap_int32,
)
from mcutool.lower.lut_s16 import lut_lookup_s16
from mcutool.reference.kernels import twin

SCALED_DIFF_INTEGER_BITS = 5     # exp() input format Q5.26
ACCUMULATION_INTEGER_BITS = 12   # sum of exps format Q12.19


def softmax_s8(x: np.ndarray, mult: int, shift: int, diff_min: int) -> np.ndarray:
    """Softmax over the last axis of an int8 array (any leading shape)."""
    rows = np.asarray(x, np.int64).reshape(-1, x.shape[-1])
    diff = rows - rows.max(axis=1, keepdims=True)
    used = diff >= diff_min
    # diff >= diff_min guarantees diff * 2^shift fits in int32; masked-out lanes use 0.
    scaled = saturating_rounding_doubling_high_mul(np.where(used, diff, 0) << shift, mult)
    exps = fpm.exp_on_negative_values(scaled, SCALED_DIFF_INTEGER_BITS)
    terms = np.where(used, fpm.rescale(exps, 0, ACCUMULATION_INTEGER_BITS), 0)
    # An int32 accumulator in C: it wraps (only possible for rows of 4096+ elements).
    sum_of_exps = wrap_int32(terms.sum(axis=1, keepdims=True))
    reciprocal, bits_over_unit = fpm.get_reciprocal(sum_of_exps, ACCUMULATION_INTEGER_BITS)
    exponent = bits_over_unit + 31 - 8
    # TFLM stops (TFLITE_CHECK) when exponent > 31, i.e. a sum of exps >= 512: every output
    # is then below half an LSB, so we return the rounded value, 0 (-128 after the offset).
    valid_exponent = exponent <= 31
    scaled_out = saturating_rounding_doubling_high_mul(reciprocal, exps)
    unsat = rounding_divide_by_pot(scaled_out, np.where(valid_exponent, exponent, 0))
    unsat = np.where(valid_exponent, unsat, 0)
    out = np.clip(unsat - 128, -128, 127)
    return np.where(used, out, -128).astype(np.int8).reshape(x.shape)


@twin("arm_softmax_s8")
def arm_softmax_s8(input, num_rows, row_size, mult, shift, diff_min, output):
    rows = np.asarray(input[: num_rows * row_size]).reshape(num_rows, row_size)
    output[: num_rows * row_size] = softmax_s8(rows, mult, shift, diff_min).reshape(-1)


@twin("arm_softmax_s16")
def arm_softmax_s16(input, num_rows, row_size, mult, shift, softmax_params, output):
    """TFLite-Micro's SoftmaxInt16, row by row (see the C for the steps)."""
    x = input[:num_rows * row_size].reshape(num_rows, row_size).astype(np.int64)
    diff = x - x.max(axis=1, keepdims=True)
    scaled = multiply_by_quantized_multiplier(diff, mult, shift)
    exps = lut_lookup_s16(np.clip(scaled + 32767, -32768, 32767), softmax_params.exp_lut).astype(np.int64)
    sums = exps.sum(axis=1, keepdims=True)
    headroom_plus_one = 32 - np.frexp(sums.astype(np.float64))[1].astype(np.int64)   # leading zeros
    shifted = ((sums << (headroom_plus_one - 1)) + (1 << 13)) >> 14
    reciprocal = lut_lookup_s16(np.clip(shifted - ((1 << 15) + (1 << 16)), -32768, 32767),
                                softmax_params.one_by_one_lut).astype(np.int64)
    right_shift = 31 - headroom_plus_one
    result = (exps * reciprocal + (np.int64(1) << (right_shift - 1))) >> right_shift
    output[:num_rows * row_size] = np.clip(result, 0, 32767).reshape(-1).astype(np.int16)
    return 0
