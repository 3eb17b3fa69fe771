"""TANH (int8) -> mcu_lut_s8 with a table from TFLite-Micro's integer kernel (tanh.cc).
TFLM reads neither the output scale nor its zero point: the result is always (1/128, 0).
"""
from __future__ import annotations

import numpy as np

from mcutool.ir import Graph, Operator
from mcutool.ir import op_rules as rules
from mcutool.lower import lut
from mcutool.lower.activations import lut_call
from mcutool.lower.calls import Lowered
from mcutool.lower.checks import per_tensor_quant
from mcutool.lower.quantize import single_io
from mcutool.lower.sigmoid_s16 import lower_sigmoid_s16
from mcutool.ops.opdef import OpDef, QuantRule, register


def lower_tanh(graph: Graph, op: Operator) -> Lowered:
    src, dst = single_io(graph, op)
    in_scale, in_zp = per_tensor_quant(src)
    params = lut.sigmoid_params(in_scale, in_zp)
    return Lowered([lut_call(src, dst, lut.tanh_int8(lut.ALL_INT8, params))])


TANH = register(OpDef(
    "TANH", "ActivationFunctions",
    float_eval=lambda env, op: np.tanh(env.input(op)),
    torch_forward=lambda env, op: env.torch.tanh(env.input(op)),
    quant=QuantRule(fixed_output=(1.0 / 128.0, 0)),
    lower={"int8": lower_tanh, "int16": lower_sigmoid_s16},
    checks=(rules.same_shape,),
))
