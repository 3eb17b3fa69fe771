"""Numpy twin of mcu_lut_s8, the table lookup behind int8 LOGISTIC, TANH and HARD_SWISH.

The lowering (lower/lut.py) computes the 256 outputs with TFLite-Micro's exact arithmetic;
the kernel only indexes: output[i] = lut[input[i] + 128].
"""
from __future__ import annotations

import numpy as np

from mcutool.reference.kernels import twin


@twin("mcu_lut_s8")
def mcu_lut_s8(input, size, lut, output):
    output[:size] = np.asarray(lut, np.int8)[np.asarray(input[:size], np.int64) + 128]
