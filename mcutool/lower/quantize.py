"""QUANTIZE and DEQUANTIZE, as TFLite-Micro's Prepare computes them (quantize_common.cc,
dequantize_common.cc), plus the requantize call and unary-operand helpers other lowerings share.

- float32 -> int8: q = clamp(round(x / scale) + zp), the division and the rounding (halves away
  from zero) in float32, never double.
- int8 -> int8: Requantize with QuantizeMultiplier(double(in_scale) / double(out_scale)), the
  same integer path RELU uses, so both lower to mcu_requantize_s8.
- int8 -> float32: scale * float(q - zp), one float32 multiply.
"""
from __future__ import annotations

import numpy as np

from mcutool.fixedpoint import quantize_multiplier
from mcutool.ir import Graph, Operator, Tensor
from mcutool.lower.calls import KernelCall, Lowered, TensorArg, Unsupported
from mcutool.lower.checks import INT8_MAX, INT8_MIN, per_tensor_quant
from mcutool.lower.registry import lowering


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


@lowering("QUANTIZE")
def lower_quantize(graph: Graph, op: Operator) -> Lowered:
    src, dst = single_io(graph, op)
    out_scale, out_zp = per_tensor_quant(dst, "output")
    if src.dtype == "float32":
        call = KernelCall(
            "mcu_quantize_f32_s8",
            [TensorArg(src.name), TensorArg(dst.name), dst.size, np.float32(out_scale), out_zp])
    elif src.dtype == "int8":
        in_scale, in_zp = per_tensor_quant(src, "input")
        call = requantize_call(src, dst, in_scale, in_zp, out_scale, out_zp)
    else:
        raise Unsupported(f"QUANTIZE from {src.dtype} is not supported (float32 or int8 only)")
    return Lowered([call])


@lowering("DEQUANTIZE")
def lower_dequantize(graph: Graph, op: Operator) -> Lowered:
    src, dst = single_io(graph, op)
    if dst.dtype != "float32":
        raise Unsupported(f"DEQUANTIZE to {dst.dtype} is not supported (float32 only)")
    in_scale, in_zp = per_tensor_quant(src, "input")
    call = KernelCall(
        "mcu_dequantize_s8_f32",
        [TensorArg(src.name), TensorArg(dst.name), src.size, np.float32(in_scale), in_zp])
    return Lowered([call])
