"""QuantizationFunctions: the requantize call and unary-operand helpers that QUANTIZE, RELU and
the other unary ops (mcutool/ops/) share, as TFLite-Micro's Prepare computes them
(quantize_common.cc, dequantize_common.cc).

- float32 -> int8: q = clamp(round(x / scale) + zp), the division and the rounding (halves away
  from zero) in float32, never double.
- int8 -> int8: Requantize with QuantizeMultiplier(double(in_scale) / double(out_scale)), the
  same integer path RELU uses, so both lower to mcu_requantize_s8.
- int8 -> float32: scale * float(q - zp), one float32 multiply.
"""
from __future__ import annotations

from mcutool.fixedpoint import quantize_multiplier
from mcutool.ir import Graph, Operator, Tensor
from mcutool.lower.calls import KernelCall, TensorArg, Unsupported
from mcutool.lower.checks import INT8_MAX, INT8_MIN


def single_io(graph: Graph, op: Operator) -> tuple[Tensor, Tensor]:
    """The one input and one output of a unary operator, with matching element counts."""
    if len([n for n in op.inputs if n]) != 1 or len(op.outputs) != 1:
        raise Unsupported(f"{op.type} needs exactly one input and one output")
    src, dst = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
    if src.size != dst.size:
        raise Unsupported(f"input has {src.size} elements but output has {dst.size}")
    return src, dst


def checked_multiplier(real: float) -> tuple[int, int]:
    """QuantizeMultiplier(real), refusing scale ratios so large (>= 2^30) that the kernels'
    left shift would exceed 31 bits (undefined in C, and meaningless for int8 data)."""
    multiplier, shift = quantize_multiplier(real)
    if shift > 30:
        raise Unsupported(f"scale ratio {real:g} is too large to requantize")
    return multiplier, shift


def requantize_call(src: Tensor, dst: Tensor, in_scale: float, in_zp: int, out_scale: float,
                    out_zp: int, act_min: int = INT8_MIN, act_max: int = INT8_MAX) -> KernelCall:
    """out = clamp(MultiplyByQuantizedMultiplier(q - in_zp, M, shift) + out_zp)."""
    multiplier, shift = checked_multiplier(in_scale / out_scale)
    return KernelCall(
        "mcu_requantize_s8",
        [TensorArg(src.name), TensorArg(dst.name), src.size, -in_zp, multiplier, shift, out_zp,
         act_min, act_max])
