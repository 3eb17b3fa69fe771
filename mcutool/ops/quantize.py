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


QUANTIZE = register(OpDef(
    "QUANTIZE", "QuantizationFunctions", options=OptionsTable("QuantizeOptions"),
    quant=QuantRule(quantizable=False),
    lower={"int8": lower_quantize},
    checks=(rules.same_shape, rules.rescale_scales),
))
