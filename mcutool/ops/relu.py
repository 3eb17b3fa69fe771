"""RELU (int8), with TFLite-Micro's Prepare math (activations_common.cc): RELU requantizes,
out = clamp(out_zp + MBQM(q - in_zp, M, shift), max(-128, out_zp), 127) with M from
double(in_scale) / double(out_scale). That is mcu_requantize_s8 with a lower clamp; when the
scales and zero points match it is a plain clamp (mcu_clamp_s8).
"""
from __future__ import annotations

from mcutool.ir import Graph, Operator
from mcutool.ir import op_rules as rules
from mcutool.lower.activations import IDENTITY_MULTIPLIER, clamp_call
from mcutool.lower.calls import Lowered
from mcutool.lower.checks import INT8_MAX, INT8_MIN, per_tensor_quant
from mcutool.lower.quantize import checked_multiplier, requantize_call, single_io
from mcutool.ops.opdef import OpDef, register
from mcutool.reference import float_kernels as fk


def lower_relu(graph: Graph, op: Operator) -> Lowered:
    src, dst = single_io(graph, op)
    in_scale, in_zp = per_tensor_quant(src)
    out_scale, out_zp = per_tensor_quant(dst)
    # quantized_activation_min = max(-128, out_zp + roundf(0.0f / out_scale)), and 0/scale is 0.
    act_min = max(INT8_MIN, out_zp)
    if checked_multiplier(in_scale / out_scale) == IDENTITY_MULTIPLIER and in_zp == out_zp:
        call = clamp_call(src.name, dst.name, src.size, act_min, INT8_MAX)
    else:
        call = requantize_call(src, dst, in_scale, in_zp, out_scale, out_zp, act_min, INT8_MAX)
    return Lowered([call])


def lower_relu_s16(graph: Graph, op: Operator) -> Lowered:
    """16x8 RELU: TFLM's ReluQuantized on int16 (always the requantization, clamped at 0)."""
    src, dst = single_io(graph, op)
    in_scale, in_zp = per_tensor_quant(src, "input", "int16")
    out_scale, out_zp = per_tensor_quant(dst, "output", "int16")
    call = requantize_call(src, dst, in_scale, in_zp, out_scale, out_zp, max(-32768, out_zp), 32767)
    call.kernel = "mcu_requantize_s16"
    return Lowered([call])


RELU = register(OpDef(
    "RELU", "ActivationFunctions",
    float_eval=lambda env, op: fk.fused(env.input(op), "RELU"),
    torch_forward=lambda env, op: env.fused(env.input(op), "RELU"),
    lower={"int8": lower_relu, "int16": lower_relu_s16},
    fused_as="RELU",
    channelwise=True,
    checks=(rules.same_shape, rules.rescale_scales),
))
