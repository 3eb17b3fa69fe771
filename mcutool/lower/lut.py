"""256-entry int8 lookup tables for the unary int8 ops LOGISTIC, TANH and HARD_SWISH.

An int8 unary op has only 256 possible inputs, so instead of porting TFLite-Micro's integer
arithmetic to C we evaluate it here, in numpy, for every input and let the C kernel
(mcu_lut_s8) look the answer up. The functions below are bit-exact twins of TFLM's Prepare
(parameters) and reference kernels (arithmetic); `lut[i]` is the output for input `i - 128`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mcutool import fixedpoint_math as fpm
from mcutool.fixedpoint import multiply_by_quantized_multiplier, quantize_multiplier, rounding_divide_by_pot
from mcutool.lower.calls import Unsupported

ALL_INT8 = np.arange(-128, 128, dtype=np.int64)


# -- LOGISTIC and TANH: gemmlowp fixed point on a Q4.27 input ----------------------------------

@dataclass(frozen=True)
class SigmoidParams:
    """What TFLM's LOGISTIC/TANH Prepare computes for int8 input."""

    input_zero_point: int
    input_range_radius: int   # |input - zp| at or beyond which the output saturates
    input_multiplier: int     # input_scale * 2^27 as a Q31 multiplier ...
    input_left_shift: int     # ... and its power-of-two exponent


_INPUT_INTEGER_BITS = 4      # the fixed-point input of both ops is Q4.27


def sigmoid_params(input_scale: float, input_zero_point: int) -> SigmoidParams:
    # Same formula in LOGISTIC's and TANH's Prepare: frexp of input_scale * 2^27 (in double),
    # mantissa rounded to Q31. A float32 scale has 24 mantissa bits, so this never rounds to 2^31.
    real = float(np.float32(input_scale)) * float(1 << (31 - _INPUT_INTEGER_BITS))
    multiplier, shift = quantize_multiplier(real, max_shift=62)  # only builds a table in Python
    if not 0 <= shift <= 62:
        raise Unsupported(f"input scale {input_scale:g} is outside the range TFLite-Micro handles")
    radius = fpm.calculate_input_radius(_INPUT_INTEGER_BITS, shift, 31)
    return SigmoidParams(int(input_zero_point), radius, multiplier, shift)


def _sigmoid_family(x, p: SigmoidParams, function, output_fraction_bits: int,
                    output_offset: int) -> np.ndarray:
    """The shared shape of TFLM's int8 Logistic and Tanh: saturate outside the radius, else
    rescale to Q4.27, apply the gemmlowp function, and round the Q0.31 result to int8."""
    centred = np.asarray(x, np.int64) - p.input_zero_point
    # Clamp what is outside the radius before the multiply so it cannot overflow int32; those
    # lanes take the saturated branch below anyway.
    inside = np.clip(centred, -p.input_range_radius, p.input_range_radius)
    q4 = multiply_by_quantized_multiplier(inside, p.input_multiplier, p.input_left_shift)
    q0 = function(q4, _INPUT_INTEGER_BITS)
    out = np.clip(rounding_divide_by_pot(q0, 31 - output_fraction_bits) + output_offset, -128, 127)
    out = np.where(centred >= p.input_range_radius, 127, out)
    # Checked last, as TFLM checks it first: with a radius of 0 an input at the zero point
    # gives -128.
    return np.where(centred <= -p.input_range_radius, -128, out)


def logistic_int8(x, p: SigmoidParams) -> np.ndarray:
    """reference_integer_ops::Logistic (int8): output fixed at scale 1/256, zero point -128."""
    return _sigmoid_family(x, p, fpm.logistic, 8, -128)


def tanh_int8(x, p: SigmoidParams) -> np.ndarray:
    """reference_integer_ops::Tanh (int8): output fixed at scale 1/128, zero point 0."""
    return _sigmoid_family(x, p, fpm.tanh, 7, 0)


# -- HARD_SWISH: int16 fixed point --------------------------------------------------------------

@dataclass(frozen=True)
class HardSwishParams:
    """What TFLM's HARD_SWISH Prepare computes for int8 (HardSwishParams)."""

    input_zero_point: int
    output_zero_point: int
    reluish_multiplier_fixedpoint_int16: int
    reluish_multiplier_exponent: int
    output_multiplier_fixedpoint_int16: int
    output_multiplier_exponent: int


def hard_swish_params(input_scale: float, input_zero_point: int, output_scale: float,
                      output_zero_point: int) -> HardSwishParams:
    f32 = np.float32
    # The ratios are computed in float32 (as TFLM does) and only then widened to double.
    hires_input_scale = f32(1.0 / 128.0) * f32(input_scale)
    reluish_scale = f32(3.0) / f32(32768.0)
    output_real = float(hires_input_scale / f32(output_scale))
    reluish_real = float(hires_input_scale / reluish_scale)
    out_mult32, out_exp = quantize_multiplier(output_real)
    if out_exp > 0:
        raise Unsupported(
            f"output scale {output_scale:g} is below input scale / 128 ({input_scale:g} / 128), "
            "which TFLite-Micro's HARD_SWISH rejects")
    reluish_mult32, reluish_exp = quantize_multiplier(reluish_real)
    return HardSwishParams(
        int(input_zero_point), int(output_zero_point),
        fpm.downscale_int32_to_int16_multiplier(reluish_mult32), reluish_exp,
        fpm.downscale_int32_to_int16_multiplier(out_mult32), out_exp)


def hard_swish_int8(x, p: HardSwishParams) -> np.ndarray:
    """reference_ops::HardSwish (quantized), every intermediate an int16 as in TFLM."""
    input_value = fpm.wrap_int16(np.asarray(x, np.int64) - p.input_zero_point)
    hires = fpm.wrap_int16(input_value * (1 << 7))
    preshift_output_scale = fpm.srdhm_int16(hires, p.output_multiplier_fixedpoint_int16)
    # The "relu-ish" factor: x rescaled so that 3.0 maps to 32768 (saturating), then
    # mapped from [-1, 1] to [0, 1].
    reluish = hires
    if p.reluish_multiplier_exponent > 0:
        reluish = fpm.saturating_left_shift_int16(reluish, p.reluish_multiplier_exponent - 1)
    reluish = fpm.srdhm_int16(reluish, p.reluish_multiplier_fixedpoint_int16)
    if p.reluish_multiplier_exponent > 0:
        reluish = fpm.saturating_left_shift_int16(reluish, 1)
    if p.reluish_multiplier_exponent < 0:
        reluish = fpm.rounding_divide_by_pot_int16(reluish, -p.reluish_multiplier_exponent)
    reluish = fpm.wrap_int16((reluish + (1 << 15)) >> 1)
    preshift_output = fpm.sdhm_int16(reluish, preshift_output_scale)
    out = fpm.rounding_divide_by_pot_int16(preshift_output, -p.output_multiplier_exponent)
    out = fpm.wrap_int16(out + p.output_zero_point)   # an int16 sum in TFLM: it can wrap
    return np.clip(out, -128, 127)


def table(values: np.ndarray) -> np.ndarray:
    """The LUT the C kernel indexes with input + 128."""
    return np.asarray(values, np.int64).astype(np.int8)
