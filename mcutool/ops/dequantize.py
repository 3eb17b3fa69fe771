"""DEQUANTIZE -> mcu_dequantize_s8_f32 (int8 -> float32: scale * float(q - zp), one float32
multiply). In a float model it also turns float16 or int8 weights into float32 (prepare folds
it); it is not itself quantized.
"""
from __future__ import annotations

import numpy as np

from mcutool.ir import Graph, Operator
from mcutool.ir import op_rules as rules
from mcutool.lower.calls import KernelCall, Lowered, TensorArg, Unsupported
from mcutool.lower.checks import per_tensor_quant
from mcutool.lower.quantize import single_io
from mcutool.ops.opdef import OpDef, OptionsTable, QuantRule, register
from mcutool.reference.float_exec import FloatEnv, as_float, dequantize


def lower_dequantize(graph: Graph, op: Operator) -> Lowered:
    src, dst = single_io(graph, op)
    if dst.dtype != "float32":
        raise Unsupported(f"DEQUANTIZE to {dst.dtype} is not supported (float32 only)")
    in_scale, in_zp = per_tensor_quant(src, "input")
    call = KernelCall(
        "mcu_dequantize_s8_f32",
        [TensorArg(src.name), TensorArg(dst.name), src.size, np.float32(in_scale), in_zp])
    return Lowered([call])


def lower_dequantize_s16(graph: Graph, op: Operator) -> Lowered:
    """int16 -> float32 (the output edge of a 16x8 model)."""
    src, dst = single_io(graph, op)
    if dst.dtype != "float32":
        raise Unsupported(f"DEQUANTIZE to {dst.dtype} is not supported (float32 only)")
    in_scale, in_zp = per_tensor_quant(src, "input", "int16")
    return Lowered([KernelCall(
        "mcu_dequantize_s16_f32",
        [TensorArg(src.name), TensorArg(dst.name), src.size, np.float32(in_scale), in_zp])])


def float_dequantize(env: FloatEnv, op: Operator):
    src = env.graph.tensors[op.inputs[0]]
    if src.is_const:
        return as_float(src)[None]
    x = env.input(op)
    if src.quant is None:
        return x.astype(np.float32)
    return dequantize(x, src.quant, x.ndim)


DEQUANTIZE = register(OpDef(
    "DEQUANTIZE", "QuantizationFunctions", options=OptionsTable("DequantizeOptions"),
    float_eval=float_dequantize,
    quant=QuantRule(quantizable=False),
    lower={"int8": lower_dequantize, "int16": lower_dequantize_s16},
    checks=(rules.same_shape,),
))
