"""RESHAPE: the output aliases the input (no call); the shape operand, when present, stays a
tensor input so that a model round-trips unchanged."""
from __future__ import annotations

from mcutool.ir import Graph, Operator
from mcutool.ir import op_rules as rules
from mcutool.ir.attrs import ReshapeAttrs
from mcutool.lower.reshape import lower_alias
from mcutool.ops.opdef import Field, OpDef, OptionsTable, QuantRule, register


def is_identity(graph: Graph, op: Operator) -> bool:
    """Always, once prepare has checked that the shape does not change."""
    del graph, op
    return True


RESHAPE = register(OpDef(
    "RESHAPE", "ReshapeFunctions", ReshapeAttrs,
    OptionsTable("ReshapeOptions", (Field("new_shape", "NewShape", "ints"),)),
    inputs=(1, 2), optional_inputs=(1,),
    float_eval=lambda env, op: env.input(op),
    torch_forward=lambda env, op: env.finish(env.nhwc(op), op),
    quant=QuantRule(shared_scale="input"),
    lower={"int8": lower_alias, "int16": lower_alias},
    identity=is_identity,
    channelwise=True,
    checks=(rules.same_size,),
))
