"""Numpy twins of the quantize / requantize / dequantize kernels, float32-exact with
TFLite-Micro's AffineQuantize and Dequantize and integer-exact with its Requantize."""
from __future__ import annotations

import numpy as np

from mcutool.fixedpoint import multiply_by_quantized_multiplier as mbqm
from mcutool.reference.kernels import twin

# |x / scale| beyond this saturates int8 for any zero point; clamping first keeps the float ->
# int conversion defined (NaN falls to the low end, as in the C kernel).
QUOTIENT_LIMIT = np.float32(1000.0)


def round_half_away(q: np.ndarray) -> np.ndarray:
    """roundf() on float32 values: exact (no `+ 0.5`, which misrounds 0.49999997)."""
    whole = np.trunc(q)
    frac = q - whole  # exact in float32
    return whole + (frac >= np.float32(0.5)) - (frac <= np.float32(-0.5))


@twin("mcu_quantize_f32_s8")
def mcu_quantize_f32_s8(input, output, size, scale, zero_point):
    q = input[:size].astype(np.float32) / np.float32(scale)  # float32 division, as TFLM
    q = np.where(q >= -QUOTIENT_LIMIT, q, -QUOTIENT_LIMIT)
    q = np.minimum(q, QUOTIENT_LIMIT)
    output[:size] = np.clip(round_half_away(q).astype(np.int32) + zero_point, -128, 127)


@twin("mcu_requantize_s8", "mcu_requantize_s8_s16", "mcu_requantize_s16_s8", "mcu_requantize_s16")
def mcu_requantize_s8(input, output, size, input_offset, multiplier, shift, output_offset,
                      act_min, act_max):
    x = input[:size].astype(np.int64) + input_offset
    output[:size] = np.clip(mbqm(x, multiplier, shift) + output_offset, act_min, act_max)


@twin("mcu_dequantize_s8_f32", "mcu_dequantize_s16_f32")
def mcu_dequantize_s8_f32(input, output, size, scale, zero_point):
    centered = (input[:size].astype(np.int32) - zero_point).astype(np.float32)
    output[:size] = np.float32(scale) * centered  # one float32 multiply, as TFLM


@twin("mcu_quantize_f32_s16")
def mcu_quantize_f32_s16(input, output, size, scale, zero_point):
    limit = np.float32(100000.0)   # saturates int16 for any zero point
    q = input[:size].astype(np.float32) / np.float32(scale)
    q = np.where(q >= -limit, q, -limit)
    q = np.minimum(q, limit)
    output[:size] = np.clip(round_half_away(q).astype(np.int32) + zero_point, -32768, 32767)
