"""LOGISTIC (int8) -> mcu_lut_s8 with a table from TFLite-Micro's integer kernel
(logistic_common.cc). TFLM needs output zero point -128 but never reads the output scale: the
result is always on scale 1/256, whatever the tensor says.
"""
from __future__ import annotations

from mcutool.ir import Graph, Operator
from mcutool.ir import op_rules as rules
from mcutool.lower import lut
from mcutool.lower.activations import lut_call
from mcutool.lower.calls import Lowered, Unsupported
from mcutool.lower.checks import per_tensor_quant
from mcutool.lower.quantize import single_io
from mcutool.lower.sigmoid_s16 import lower_sigmoid_s16
from mcutool.ops.opdef import OpDef, QuantRule, register
from mcutool.reference import float_kernels as fk


def lower_logistic(graph: Graph, op: Operator) -> Lowered:
    src, dst = single_io(graph, op)
    in_scale, in_zp = per_tensor_quant(src)
    _, out_zp = per_tensor_quant(dst)
    if out_zp != -128:
        raise Unsupported(f"int8 LOGISTIC output zero point must be -128, got {out_zp}; "
                          "TFLite-Micro rejects other values")
    params = lut.sigmoid_params(in_scale, in_zp)
    return Lowered([lut_call(src, dst, lut.logistic_int8(lut.ALL_INT8, params))])


LOGISTIC = register(OpDef(
    "LOGISTIC", "ActivationFunctions",
    float_eval=lambda env, op: fk.logistic(env.input(op)),
    torch_forward=lambda env, op: env.torch.sigmoid(env.input(op)),
    quant=QuantRule(fixed_output=(1.0 / 256.0, -128)),
    lower={"int8": lower_logistic, "int16": lower_sigmoid_s16},
    checks=(rules.same_shape,),
))
