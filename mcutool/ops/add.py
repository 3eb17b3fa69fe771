"""ADD -> arm_elementwise_add_s8, or mcu_broadcast_add_s8 when an operand broadcasts
(TFLite-Micro's add_common.cc; the lowering is shared with SUB in lower/basic_math.py).
"""
from __future__ import annotations

import numpy as np

from mcutool.ir import Graph, Operator
from mcutool.ir import op_rules as rules
from mcutool.ir.attrs import ActivationAttrs
from mcutool.lower.basic_math import lower_add_sub
from mcutool.lower.calls import Lowered
from mcutool.ops.opdef import ACTIVATION_FIELD, OpDef, OptionsTable, QuantRule, register
from mcutool.reference.float_exec import binary


def lower_add(graph: Graph, op: Operator) -> Lowered:
    return lower_add_sub(graph, op, "arm_elementwise_add_s8", "mcu_broadcast_add_s8")


def lower_add_s16(graph: Graph, op: Operator) -> Lowered:
    return lower_add_sub(graph, op, "arm_elementwise_add_s16", "mcu_broadcast_add_s16", "int16")


def macs(graph: Graph, op: Operator) -> int:
    return graph.tensors[op.outputs[0]].size


def is_identity(graph: Graph, op: Operator) -> bool:
    """Adding a constant 0.0 of no larger shape, without activation."""
    other = graph.tensors[op.inputs[1]]
    src = graph.tensors[op.inputs[0]]
    return (op.attrs.activation == "NONE" and other.is_const and bool(np.all(other.data == 0.0))
            and np.broadcast_shapes(other.shape, src.shape) == src.shape)


ADD = register(OpDef(
    "ADD", "BasicMathFunctions", ActivationAttrs, OptionsTable("AddOptions", (ACTIVATION_FIELD,)),
    inputs=(2, 2),
    float_eval=lambda env, op: binary(env, op, np.add),
    torch_forward=lambda env, op: env.binary(op, lambda a, b: a + b),
    quant=QuantRule(float_constants="own"),
    macs=macs,
    lower={"int8": lower_add, "int16": lower_add_s16},
    fuses_activation=True,
    identity=is_identity,
    checks=(rules.broadcast_shapes, rules.add_sub_scales),
))
