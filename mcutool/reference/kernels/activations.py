"""Numpy twins of the int8 activation kernels: clamp (RELU6, identity RELU) and leaky ReLU.
RELU with requantization shares mcu_requantize_s8 (twin in quantize.py)."""
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
