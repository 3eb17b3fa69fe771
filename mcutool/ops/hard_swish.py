"""HARD_SWISH (int8) -> mcu_lut_s8 with a table from TFLite-Micro's integer kernel
(hard_swish_common.cc). TFLM requantizes to the output's scale and zero point, but refuses an
output scale below input_scale / 128.
"""
from __future__ import annotations

from mcutool.ir import Graph, Operator
from mcutool.ir import op_rules as rules
from mcutool.lower import lut
from mcutool.lower.activations import lut_call
from mcutool.lower.calls import Lowered
from mcutool.lower.checks import per_tensor_quant
from mcutool.lower.quantize import single_io
from mcutool.ops.opdef import OpDef, OptionsTable, QuantRule, register
from mcutool.reference import float_kernels as fk


def lower_hard_swish(graph: Graph, op: Operator) -> Lowered:
    src, dst = single_io(graph, op)
    in_scale, in_zp = per_tensor_quant(src)
    out_scale, out_zp = per_tensor_quant(dst)
    params = lut.hard_swish_params(in_scale, in_zp, out_scale, out_zp)
    return Lowered([lut_call(src, dst, lut.hard_swish_int8(lut.ALL_INT8, params))])


HARD_SWISH = register(OpDef(
    "HARD_SWISH", "ActivationFunctions", options=OptionsTable("HardSwishOptions"),
    float_eval=lambda env, op: fk.hard_swish(env.input(op)),
    torch_forward=lambda env, op: env.input(op) * env.torch.clamp(env.input(op) + 3, 0, 6) / 6,
    quant=QuantRule(min_output_scale=1.0 / 128.0),
    lower={"int8": lower_hard_swish},
    checks=(rules.same_shape,),
))
