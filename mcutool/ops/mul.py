"""MUL -> arm_elementwise_mul_s8, or mcu_broadcast_mul_s8 when an operand broadcasts
(TFLite-Micro's mul_common.cc): real = double(in1_scale) * double(in2_scale) / double(out_scale),
QuantizeMultiplier.
"""
from __future__ import annotations

import numpy as np

from mcutool.fixedpoint import quantize_multiplier
from mcutool.ir import Graph, Operator
from mcutool.ir import op_rules as rules
from mcutool.ir.attrs import ActivationAttrs
from mcutool.lower.basic_math import binary_operands, broadcast_dims, fused_activation_range
from mcutool.lower.calls import KernelCall, Lowered, TensorArg, Unsupported
from mcutool.lower.checks import per_tensor_quant
from mcutool.lower.s16 import s16_scale
from mcutool.ops.opdef import ACTIVATION_FIELD, OpDef, OptionsTable, QuantRule, register
from mcutool.reference.float_exec import binary


def lower_mul(graph: Graph, op: Operator, dtype: str = "int8") -> Lowered:
    """dtype "int16": arm_elementwise_mul_s16 / mcu_broadcast_mul_s16 (zero points 0)."""
    a, b, out = binary_operands(graph, op)
    if dtype == "int16":
        (s1, z1), (s2, z2), (so, zo) = ((s16_scale(t, role), 0) for t, role in
                                        ((a, "input 1"), (b, "input 2"), (out, "output")))
    else:
        (s1, z1), (s2, z2), (so, zo) = per_tensor_quant(a), per_tensor_quant(b), per_tensor_quant(out)
    multiplier, shift = quantize_multiplier(s1 * s2 / so)  # double, as mul_common.cc
    if shift > 30:
        raise Unsupported(f"MUL scale ratio {s1 * s2 / so:g} is too large")
    qmin, qmax = (-32768, 32767) if dtype == "int16" else (-128, 127)
    act_min, act_max = fused_activation_range(op, so, zo, qmin, qmax)
    suffix = "s16" if dtype == "int16" else "s8"
    dims = broadcast_dims(a, b, out)
    in1, in2, dst = TensorArg(a.name), TensorArg(b.name), TensorArg(out.name)
    out_params = [zo, multiplier, shift, act_min, act_max]
    if dims is None:
        call = KernelCall(f"arm_elementwise_mul_{suffix}",
                          [in1, in2, -z1, -z2, dst, *out_params, out.size])
    else:
        da, db, do = dims
        call = KernelCall(f"mcu_broadcast_mul_{suffix}",
                          [da, in1, db, in2, -z1, -z2, do, dst, *out_params])
    return Lowered([call])


def lower_mul_s16(graph: Graph, op: Operator) -> Lowered:
    return lower_mul(graph, op, "int16")


def macs(graph: Graph, op: Operator) -> int:
    return graph.tensors[op.outputs[0]].size


def is_identity(graph: Graph, op: Operator) -> bool:
    """Multiplying by a constant 1.0 of no larger shape, without activation."""
    other = graph.tensors[op.inputs[1]]
    src = graph.tensors[op.inputs[0]]
    return (op.attrs.activation == "NONE" and other.is_const and bool(np.all(other.data == 1.0))
            and np.broadcast_shapes(other.shape, src.shape) == src.shape)


MUL = register(OpDef(
    "MUL", "BasicMathFunctions", ActivationAttrs, OptionsTable("MulOptions", (ACTIVATION_FIELD,)),
    inputs=(2, 2),
    float_eval=lambda env, op: binary(env, op, np.multiply),
    torch_forward=lambda env, op: env.binary(op, lambda a, b: a * b),
    quant=QuantRule(float_constants="own"),
    macs=macs,
    lower={"int8": lower_mul, "int16": lower_mul_s16},
    fuses_activation=True,
    identity=is_identity,
    checks=(rules.broadcast_shapes, rules.mul_scales),
))
