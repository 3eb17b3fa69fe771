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


@twin("mcu_leaky_relu_s8")
def mcu_leaky_relu_s8(input, output, size, input_offset, output_offset, identity_mult,
                      identity_shift, alpha_mult, alpha_shift):
    x = input[:size].astype(np.int64) + input_offset
    # The identity branch includes x == 0, as TFLM's `input_value >= 0`.
    scaled = np.where(x >= 0, mbqm(x, identity_mult, identity_shift), mbqm(x, alpha_mult, alpha_shift))
    output[:size] = np.clip(scaled + output_offset, -128, 127)


@twin("mcu_lut_s8")
def mcu_lut_s8(input, size, lut, output):
    """The lowering (lower/lut.py) computes the 256 outputs with TFLite-Micro's exact arithmetic;
    the kernel only indexes: output[i] = lut[input[i] + 128]."""
    output[:size] = np.asarray(lut, np.int8)[np.asarray(input[:size], np.int64) + 128]
