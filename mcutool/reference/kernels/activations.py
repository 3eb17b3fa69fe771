"""Numpy twins of the ActivationFunctions kernels: clamp (RELU6, identity RELU), leaky ReLU and
the table lookup behind LOGISTIC, TANH and HARD_SWISH. RELU with requantization shares
mcu_requantize_s8 (twin in quantize.py)."""
from __future__ import annotations

import numpy as np

from mcutool.fixedpoint import multiply_by_quantized_multiplier as mbqm
from mcutool.reference.kernels import twin


@twin("mcu_clamp_s8")
def mcu_clamp_s8(input, output, size, act_min, act_max):
    output[:size] = np.clip(input[:size], act_min, act_max)


@twin("mcu_leaky_relu_s8", "mcu_leaky_relu_s16")
def mcu_leaky_relu_s8(input, output, size, input_offset, output_offset, identity_mult,
                      identity_shift, alpha_mult, alpha_shift):
    x = input[:size].astype(np.int64) + input_offset
    # The identity branch includes x == 0, as TFLM's `input_value >= 0`.
    scaled = np.where(x >= 0, mbqm(x, identity_mult, identity_shift), mbqm(x, alpha_mult, alpha_shift))
    info = np.iinfo(output.dtype)   # int8, or int16 for mcu_leaky_relu_s16
    output[:size] = np.clip(scaled + output_offset, info.min, info.max)


@twin("mcu_lut_s8")
def mcu_lut_s8(input, size, lut, output):
    """The lowering (lower/lut.py) computes the 256 outputs with TFLite-Micro's exact arithmetic;
    the kernel only indexes: output[i] = lut[input[i] + 128]."""
    output[:size] = np.asarray(lut, np.int8)[np.asarray(input[:size], np.int64) + 128]


def _sigmoid_interp_s16(x, multiplier, shift, table, frac_bits, saturated):
    """TFLite's int16 LOGISTIC/TANH core (see runtime_c's mcu_nn_sigmoid_interp_s16)."""
    rnd = (1 << (shift - 1)) if shift > 0 else 0
    v = (np.asarray(x, np.int64) * multiplier + rnd) >> shift
    mag = np.abs(v)
    index = mag >> frac_bits
    t = np.asarray(table, np.int64)
    lo, hi = t[np.minimum(index, 254)], t[np.minimum(index + 1, 255)]
    frac = mag & ((1 << frac_bits) - 1)
    return v < 0, np.where(index >= 255, saturated, (lo << frac_bits) + frac * (hi - lo))


@twin("mcu_logistic_s16")
def mcu_logistic_s16(input, output, size, multiplier, shift, table):
    negative, r = _sigmoid_interp_s16(input[:size], multiplier, shift, table, 9, 0x7FFF << 10)
    out = np.where(negative, (1 << 25) - r + (1 << 9) - 1, r + (1 << 9))
    output[:size] = (out >> 10).astype(np.int16)
    return 0


@twin("mcu_tanh_s16")
def mcu_tanh_s16(input, output, size, multiplier, shift, table):
    negative, r = _sigmoid_interp_s16(input[:size], multiplier, shift, table, 8, 0xFFFF << 8)
    centred = r - (1 << 23)
    out = np.where(negative, -centred + (1 << 7) - 1, centred + (1 << 7))
    output[:size] = (out >> 8).astype(np.int16)
    return 0
