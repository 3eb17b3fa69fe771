"""What the 16x8 lowerings (int16 activations, TFLite's scheme) share: int16 operands with
zero point 0, the fused activation clamp over int16's range, and the int64 bias.

TFLite-Micro refuses a nonzero int16 zero point (the 16x8 kernels take no offsets), so any
other is Unsupported here too.
"""
from __future__ import annotations

import numpy as np

from mcutool.abi.types import Activation
from mcutool.fixedpoint import activation_range
from mcutool.ir import Graph, Operator, Tensor
from mcutool.lower.calls import ConstArray, TensorArg, Unsupported
from mcutool.lower.checks import per_tensor_quant

INT16_MIN, INT16_MAX = -32768, 32767


def s16_scale(t: Tensor, role: str) -> float:
    """The scale of an int16 per-tensor operand with zero point 0, or Unsupported."""
    scale, zero_point = per_tensor_quant(t, role, "int16")
    if zero_point != 0:
        raise Unsupported(f"{role} {t.name!r} is int16 with zero point {zero_point}; int16 "
                          "activations must be symmetric (zero point 0)")
    return scale


def s16_activation(activation: str, out_scale: float) -> Activation:
    """CalculateActivationRangeQuantized over int16's range."""
    return Activation(*activation_range(activation, out_scale, 0, INT16_MIN, INT16_MAX))


def bias_s64(graph: Graph, op: Operator, channels: int, allow_int32: bool = False) -> TensorArg | ConstArray:
    """The int64 bias operand (int32 too when allow_int32); an absent bias is int64 zeros."""
    name = op.inputs[2] if len(op.inputs) > 2 else ""
    if not name:
        return ConstArray(np.zeros(channels, np.int64), "int64_t")
    b = graph.tensor(name)
    if b.dtype != "int64" and not (allow_int32 and b.dtype == "int32"):
        raise Unsupported(f"bias {name!r} is {b.dtype}; int16 activations take an int64 bias"
                          + (" (or int32)" if allow_int32 else ""))
    if b.size != channels:
        raise Unsupported(f"bias {name!r} has {b.size} elements for {channels} output channels")
    return TensorArg(name)
