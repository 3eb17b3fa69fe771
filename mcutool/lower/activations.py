"""ActivationFunctions: the calls the unary int8 activations (mcutool/ops/) share.

- mcu_clamp_s8: RELU when no requantization is needed, and RELU6 (TFLM clamps RELU6's codes).
- mcu_lut_s8: LOGISTIC, TANH and HARD_SWISH through a 256-entry table computed by the numpy
  twin of TFLM's integer kernel (lower/lut.py).
"""
from __future__ import annotations

import numpy as np

from mcutool.ir import Tensor
from mcutool.lower import lut
from mcutool.lower.calls import ConstArray, KernelCall, TensorArg

IDENTITY_MULTIPLIER = (1 << 30, 1)  # QuantizeMultiplier(1.0): MBQM with it returns x unchanged


def clamp_call(src_name: str, dst_name: str, size: int, low: int, high: int) -> KernelCall:
    return KernelCall("mcu_clamp_s8", [TensorArg(src_name), TensorArg(dst_name), size, low, high])


def lut_call(src: Tensor, dst: Tensor, table: np.ndarray) -> KernelCall:
    return KernelCall("mcu_lut_s8",
                      [TensorArg(src.name), src.size, ConstArray(lut.table(table), "int8_t"),
                       TensorArg(dst.name)])
