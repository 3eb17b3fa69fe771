"""RELU6 (int8) -> mcu_clamp_s8. TFLite-Micro (activations_common.cc) does not requantize:
it clamps the input codes to [in_zp, six] with six = clamp(round(6.0f / in_scale) + in_zp) and
ignores the output's scale and zero point, so the quantizer gives the output the input's.
"""
from __future__ import annotations

import numpy as np

from mcutool.fixedpoint import tflite_round
from mcutool.ir import Graph, Operator
from mcutool.ir import op_rules as rules
from mcutool.lower.activations import clamp_call
from mcutool.lower.calls import Lowered, Unsupported
from mcutool.lower.checks import INT8_MAX, INT8_MIN, per_tensor_quant
from mcutool.lower.quantize import requantize_call, single_io
from mcutool.ops.opdef import OpDef, QuantRule, register
from mcutool.reference import float_kernels as fk


def lower_relu6(graph: Graph, op: Operator) -> Lowered:
    src, dst = single_io(graph, op)
    in_scale, in_zp = per_tensor_quant(src)
    per_tensor_quant(dst)  # must be int8; TFLM never reads its scale or zero point
    # FloatToQuantizedType<int8_t>(6.0f, scale, zp): float32 division, round, add zp, clamp.
    ratio = np.float32(6.0) / np.float32(in_scale)
    if not abs(float(ratio)) < 2.0 ** 31:
        raise Unsupported(f"input scale {in_scale} is too small: 6/scale overflows int32 in TFLM")
    six = min(INT8_MAX, max(INT8_MIN, int(tflite_round(ratio)) + in_zp))
    return Lowered([clamp_call(src.name, dst.name, src.size, in_zp, six)])


def lower_relu6_s16(graph: Graph, op: Operator) -> Lowered:
    """16x8 RELU6: the int16 codes clamped to [zero point, quantized 6], as int8 (mcu_requantize_s16
    with the identity multiplier: no rescale, input and output share their parameters)."""
    src, dst = single_io(graph, op)
    in_scale, in_zp = per_tensor_quant(src, "input", "int16")
    per_tensor_quant(dst, "output", "int16")
    ratio = np.float32(6.0) / np.float32(in_scale)
    if not abs(float(ratio)) < 2.0 ** 31:
        raise Unsupported(f"input scale {in_scale} is too small: 6/scale overflows int32 in TFLM")
    six = min(32767, max(-32768, int(tflite_round(ratio)) + in_zp))
    call = requantize_call(src, dst, in_scale, in_zp, in_scale, in_zp, in_zp, six)
    call.kernel = "mcu_requantize_s16"
    return Lowered([call])


RELU6 = register(OpDef(
    "RELU6", "ActivationFunctions",
    float_eval=lambda env, op: fk.fused(env.input(op), "RELU6"),
    torch_forward=lambda env, op: env.fused(env.input(op), "RELU6"),
    quant=QuantRule(shared_scale="input"),
    lower={"int8": lower_relu6, "int16": lower_relu6_s16},
    fused_as="RELU6",
    checks=(rules.same_shape, rules.rescale_scales),
))
