"""Checks every lowering shares: an operand must be an int8 tensor with one positive scale and
an int8 zero point; anything else is Unsupported, with the reason."""
from __future__ import annotations

import numpy as np

from mcutool.ir import Tensor
from mcutool.lower.calls import Unsupported

INT8_MIN, INT8_MAX = -128, 127

def per_tensor_quant(t: Tensor, role: str = "tensor", dtype: str = "int8") -> tuple[float, int]:
    """(scale, zero point) of a per-tensor quantized tensor of `dtype`, or Unsupported."""
    if t.dtype != dtype:
        raise Unsupported(f"{role} {t.name!r} is {t.dtype}; only {dtype} is supported here")
    if t.quant is None:
        raise Unsupported(f"{role} {t.name!r} has no quantization parameters")
    if t.quant.scale.size != 1:
        raise Unsupported(f"{role} {t.name!r} is quantized per channel; it needs one per-tensor scale and zero point")
    scale = float(t.quant.scale[0])  # exact: float32 widened to double, as TFLM does
    if not (np.isfinite(scale) and scale > 0.0):
        raise Unsupported(f"{role} {t.name!r} has scale {scale}; it must be positive")
    zero_point = int(t.quant.zero_point[0])
    if dtype == "int8" and not INT8_MIN <= zero_point <= INT8_MAX:
        raise Unsupported(f"{role} {t.name!r} has zero point {zero_point} outside int8")
    return scale, zero_point


def require_int8(*tensors: Tensor) -> None:
    for t in tensors:
        per_tensor_quant(t)
