"""The 16x8 lowerings of CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED (int16 activations,
int8 weights): CMSIS-NN's s16 kernels, with the int8 lowerings' dims, padding and
multipliers (TFLite-Micro's Prepare computes them the same way for 16x8), no offsets, and the
int64 bias.

- CONV_2D: arm_convolve_wrapper_s16; its bias is a cmsis_nn_bias_data, int64 or int32 (TFLite-
  Micro runs both; with int32 it accumulates in int32).
- DEPTHWISE_CONV_2D: arm_depthwise_conv_wrapper_s16 (int64 bias).
- FULLY_CONNECTED: arm_fully_connected_s16 (per-tensor weights, one multiplier), or
  mcu_fully_connected_per_channel_s16 for per-channel weights (TFLite-Micro runs both; CMSIS-NN
  has no per-channel s16 kernel).
"""
from __future__ import annotations

import numpy as np

from mcutool.abi import CONTEXT
from mcutool.abi.types import (
    BiasData,
    ConvParams,
    Dims,
    DwConvParams,
    FcParams,
    PerChannelQuantParams,
    PerTensorQuantParams,
)
from mcutool.ir import Graph, Operator
from mcutool.lower.calls import ConstArray, KernelCall, Lowered, TensorArg, Unsupported
from mcutool.lower.conv import nhwc_dims, spatial_tiles
from mcutool.lower.conv_quant import operands, per_channel_params, weight_scales
from mcutool.lower.fully_connected import per_tensor_params
from mcutool.lower.s16 import bias_s64, s16_activation, s16_scale


def lower_conv2d_s16(graph: Graph, op: Operator) -> Lowered:
    x_t, w_t, y_t = operands(graph, op, "CONV_2D")
    in_scale, out_scale = s16_scale(x_t, "input"), s16_scale(y_t, "output")
    x, y = nhwc_dims(x_t, "input"), nhwc_dims(y_t, "output")
    if len(w_t.shape) != 4:
        raise Unsupported(f"CONV_2D weights must be 4-D OHWI, got {list(w_t.shape)}")
    f = Dims.of(w_t.shape)
    if x.c % f.c or f.n % (x.c // f.c):
        raise Unsupported(f"filter depth {f.c} and {f.n} filters do not group input depth {x.c}")
    if f.n != y.c or x.n != y.n:
        raise Unsupported(f"weights {list(w_t.shape)} do not match output {list(y_t.shape)}")
    scales = weight_scales(w_t, axis=0, channels=f.n)
    bias = bias_s64(graph, op, f.n, allow_int32=True)
    values = bias.data if isinstance(bias, ConstArray) else np.asarray(graph.tensors[bias.name].data)
    bias_data = BiasData(np.ascontiguousarray(values), values.dtype == np.int32)
    stride, padding, dilation = spatial_tiles(op.attrs, x, f.h, f.w, y)
    params = ConvParams(0, 0, stride, padding, dilation, s16_activation(op.attrs.activation, out_scale))
    return Lowered([KernelCall("arm_convolve_wrapper_s16", [
        CONTEXT, params, per_channel_params(in_scale, scales, out_scale),
        x, TensorArg(x_t.name), f, TensorArg(w_t.name), Dims(1, 1, 1, f.n), bias_data,
        y, TensorArg(y_t.name)])])


def lower_depthwise_conv2d_s16(graph: Graph, op: Operator) -> Lowered:
    x_t, w_t, y_t = operands(graph, op, "DEPTHWISE_CONV_2D")
    in_scale, out_scale = s16_scale(x_t, "input"), s16_scale(y_t, "output")
    x, y = nhwc_dims(x_t, "input"), nhwc_dims(y_t, "output")
    if len(w_t.shape) != 4 or w_t.shape[0] != 1:
        raise Unsupported(f"DEPTHWISE_CONV_2D weights must be [1, H, W, C], got {list(w_t.shape)}")
    f = Dims.of(w_t.shape)
    mult = op.attrs.depth_multiplier
    if f.c != y.c or y.c != x.c * mult or x.n != y.n:
        raise Unsupported(f"depth multiplier {mult}: input depth {x.c}, weights {list(w_t.shape)} and "
                          f"output depth {y.c} do not agree")
    scales = weight_scales(w_t, axis=3, channels=f.c)
    bias = bias_s64(graph, op, f.c)
    stride, padding, dilation = spatial_tiles(op.attrs, x, f.h, f.w, y)
    params = DwConvParams(0, 0, mult, stride, padding, dilation,
                          s16_activation(op.attrs.activation, out_scale))
    return Lowered([KernelCall("arm_depthwise_conv_wrapper_s16", [
        CONTEXT, params, per_channel_params(in_scale, scales, out_scale),
        x, TensorArg(x_t.name), f, TensorArg(w_t.name), Dims(1, 1, 1, f.c), bias,
        y, TensorArg(y_t.name)])])


def lower_fully_connected_s16(graph: Graph, op: Operator) -> Lowered:
    x_t, w_t, y_t = operands(graph, op, "FULLY_CONNECTED")
    in_scale, out_scale = s16_scale(x_t, "input"), s16_scale(y_t, "output")
    if len(w_t.shape) != 2:
        raise Unsupported(f"FULLY_CONNECTED weights must be 2-D [units, depth], got {list(w_t.shape)}")
    units, depth = w_t.shape
    if not y_t.shape or y_t.shape[-1] != units:
        raise Unsupported(f"output {list(y_t.shape)} does not end in the {units} units of the weights")
    batches = y_t.size // units
    if x_t.size != batches * depth:
        raise Unsupported(f"input {list(x_t.shape)} does not hold {batches} rows of depth {depth}")
    scales = weight_scales(w_t, axis=0, channels=units)
    assert w_t.quant is not None  # weight_scales checked it
    quant: PerChannelQuantParams | PerTensorQuantParams
    if w_t.quant.scale.size > 1:
        kernel, quant = "mcu_fully_connected_per_channel_s16", per_channel_params(in_scale, scales, out_scale)
    else:
        kernel, quant = "arm_fully_connected_s16", per_tensor_params(in_scale, float(scales[0]), out_scale)
    params = FcParams(0, 0, 0, s16_activation(op.attrs.activation, out_scale))
    return Lowered([KernelCall(kernel, [
        CONTEXT, params, quant,
        Dims(batches, 1, 1, depth), TensorArg(x_t.name),
        Dims(depth, 1, 1, units), TensorArg(w_t.name), Dims(1, 1, 1, units), bias_s64(graph, op, units),
        Dims(batches, 1, 1, units), TensorArg(y_t.name)])])
