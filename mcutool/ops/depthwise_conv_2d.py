"""DEPTHWISE_CONV_2D -> arm_depthwise_conv_wrapper_s8 (int4 weights: _s4), with every parameter TFLite-Micro's
Prepare computes (padding, per-channel multipliers and shifts, activation clamp); offsets as
for CONV_2D. Output channel c * depth_multiplier + m reads input channel c.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

from mcutool.abi import CONTEXT
from mcutool.abi.types import Dims, DwConvParams
from mcutool.ir import Graph, Operator
from mcutool.ir import op_rules as rules
from mcutool.ir.attrs import DepthwiseConv2DAttrs
from mcutool.lower.calls import KernelCall, Lowered, TensorArg, Unsupported
from mcutool.lower.codebook import CODEBOOK, codebook_operands
from mcutool.lower.conv import nhwc_dims, spatial_tiles
from mcutool.lower.conv_quant import (
    activation_quant,
    bias_operand,
    fused_activation,
    operands,
    per_channel_params,
    weight_scales,
)
from mcutool.lower.conv_s16 import lower_depthwise_conv2d_s16
from mcutool.ops.opdef import (
    ACTIVATION_FIELD,
    DILATION_FIELDS,
    PADDING_FIELD,
    STRIDE_FIELDS,
    Field,
    OpDef,
    OptionsTable,
    QuantRule,
    register,
)
from mcutool.reference import float_kernels as fk
from mcutool.reference.float_exec import FloatEnv, nhwc

if TYPE_CHECKING:
    from mcutool.qat.env import TorchEnv


def lower_depthwise_conv2d(graph: Graph, op: Operator, weights: str = "int8") -> Lowered:
    """weights: "int8", "int4" (packed; TFLite-Micro runs per-channel INT4 depthwise filters) or
    "int8cb" (packed indices and a table, mcu_depthwise_conv_codebook_s8)."""
    x_t, w_t, y_t = operands(graph, op, "DEPTHWISE_CONV_2D")
    in_scale, in_zp = activation_quant(x_t, "input")
    out_scale, out_zp = activation_quant(y_t, "output")
    x, y = nhwc_dims(x_t, "input"), nhwc_dims(y_t, "output")
    if len(w_t.shape) != 4 or w_t.shape[0] != 1:
        raise Unsupported(f"DEPTHWISE_CONV_2D weights must be [1, H, W, C], got {list(w_t.shape)}")
    f = Dims.of(w_t.shape)  # c = output channels
    mult = op.attrs.depth_multiplier
    if f.c != y.c or y.c != x.c * mult or x.n != y.n:
        raise Unsupported(f"depth multiplier {mult}: input depth {x.c}, weights {list(w_t.shape)} and "
                          f"output depth {y.c} do not agree")
    scales = weight_scales(w_t, axis=3, channels=f.c, dtype="int8" if weights == CODEBOOK else weights)
    bias = bias_operand(graph, op, f.c)
    stride, padding, dilation = spatial_tiles(op.attrs, x, f.h, f.w, y)

    params = DwConvParams(-in_zp, out_zp, mult, stride, padding, dilation,
                          fused_activation(op.attrs.activation, out_scale, out_zp))
    filter_args = codebook_operands(w_t) if weights == CODEBOOK else [TensorArg(w_t.name)]
    kernel = {"int4": "arm_depthwise_conv_wrapper_s4", CODEBOOK: "mcu_depthwise_conv_codebook_s8"}.get(
        weights, "arm_depthwise_conv_wrapper_s8")
    call = KernelCall(
        kernel,
        [CONTEXT, params,
         per_channel_params(in_scale, scales, out_scale),
         x, TensorArg(x_t.name), f, *filter_args, Dims(1, 1, 1, f.c), bias,
         y, TensorArg(y_t.name)])
    return Lowered([call])


def lower_depthwise_conv2d_w4(graph: Graph, op: Operator) -> Lowered:
    return lower_depthwise_conv2d(graph, op, "int4")


def lower_depthwise_conv2d_codebook(graph: Graph, op: Operator) -> Lowered:
    return lower_depthwise_conv2d(graph, op, CODEBOOK)


def float_depthwise_conv2d(env: FloatEnv, op: Operator):
    return fk.depthwise_conv2d(nhwc(env.input(op)), env.const(op.inputs[1]), env.bias(op), op.attrs)


def macs(graph: Graph, op: Operator) -> int:
    _, kh, kw, _ = graph.tensors[op.inputs[1]].shape
    return graph.tensors[op.outputs[0]].size * kh * kw


def torch_depthwise_conv2d(env: TorchEnv, op: Operator):
    a = op.attrs
    w = env.weight(op)  # 1HWC: output channel c reads input channel c // multiplier, as in torch
    x = env.pad_for_window(env.input(op), a, w.shape[1], w.shape[2])
    y = env.F.conv2d(x, w[0].permute(2, 0, 1).unsqueeze(1), env.bias(op), stride=(a.stride_h, a.stride_w),
                     dilation=(a.dilation_h, a.dilation_w), groups=x.shape[1])
    return env.fused(y, a.activation)


DEPTHWISE_CONV_2D = register(OpDef(
    "DEPTHWISE_CONV_2D", "ConvolutionFunctions", DepthwiseConv2DAttrs,
    OptionsTable("DepthwiseConv2DOptions", (*STRIDE_FIELDS, *DILATION_FIELDS, PADDING_FIELD,
                                            ACTIVATION_FIELD, Field("depth_multiplier", "DepthMultiplier", "int"))),
    inputs=(2, 3), optional_inputs=(2,),
    float_eval=float_depthwise_conv2d,
    torch_forward=torch_depthwise_conv2d,
    quant=QuantRule(weight_axis=3, weight_input_axis=3),
    macs=macs,
    lower={"int8": lower_depthwise_conv2d, "int8w4": lower_depthwise_conv2d_w4,
           CODEBOOK: lower_depthwise_conv2d_codebook, "int16": lower_depthwise_conv2d_s16},
    fuses_activation=True,
    checks=(rules.depthwise_shapes, rules.weighted_scales, rules.weighted_sums(lambda w: math.prod(w[1:3]))),
))
