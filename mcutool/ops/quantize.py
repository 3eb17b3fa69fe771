"""QUANTIZE -> mcu_quantize_f32_s8 (float32 -> int8: q = clamp(round(x / scale) + zp), the
division and the rounding in float32) or mcu_requantize_s8 (int8 -> int8, as RELU's path).
It only exists at a model's float edges, so it has no float evaluation and is not quantized.
"""
from __future__ import annotations

import numpy as np

from mcutool.ir import Graph, Operator
from mcutool.ir import op_rules as rules
from mcutool.lower.calls import KernelCall, Lowered, TensorArg, Unsupported
from mcutool.lower.checks import per_tensor_quant
from mcutool.lower.quantize import requantize_call, single_io
from mcutool.ops.opdef import OpDef, OptionsTable, QuantRule, register


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


# (input, output) dtype -> the requantize kernel and the output's clamp (TFLM Requantize)
_REQUANTIZE_S16 = {("int8", "int16"): ("mcu_requantize_s8_s16", -32768, 32767),
                   ("int16", "int8"): ("mcu_requantize_s16_s8", -128, 127),
                   ("int16", "int16"): ("mcu_requantize_s16", -32768, 32767)}


def lower_quantize_s16(graph: Graph, op: Operator) -> Lowered:
    """QUANTIZE at the edges of a 16x8 model: float32 -> int16, or between int8 and int16."""
    src, dst = single_io(graph, op)
    if src.dtype == "float32" and dst.dtype == "int16":
        out_scale, out_zp = per_tensor_quant(dst, "output", "int16")
        return Lowered([KernelCall(
            "mcu_quantize_f32_s16",
            [TensorArg(src.name), TensorArg(dst.name), dst.size, np.float32(out_scale), out_zp])])
    if (src.dtype, dst.dtype) not in _REQUANTIZE_S16:
        raise Unsupported(f"QUANTIZE from {src.dtype} to {dst.dtype} is not supported")
    kernel, lo, hi = _REQUANTIZE_S16[(src.dtype, dst.dtype)]
    in_scale, in_zp = per_tensor_quant(src, "input", src.dtype)
    out_scale, out_zp = per_tensor_quant(dst, "output", dst.dtype)
    call = requantize_call(src, dst, in_scale, in_zp, out_scale, out_zp, lo, hi)
    call.kernel = kernel
    return Lowered([call])


QUANTIZE = register(OpDef(
    "QUANTIZE", "QuantizationFunctions", options=OptionsTable("QuantizeOptions"),
    quant=QuantRule(quantizable=False),
    lower={"int8": lower_quantize, "int16": lower_quantize_s16},
    checks=(rules.same_shape, rules.rescale_scales),
))
