"""CONV_2D and DEPTHWISE_CONV_2D -> arm_convolve_wrapper_s8 / arm_depthwise_conv_wrapper_s8,
with every parameter TFLite-Micro's Prepare computes (padding, per-channel multipliers and
shifts, activation clamp). FULLY_CONNECTED lives in fully_connected.py, registered on import.

Offsets follow TFLM's CMSIS-NN glue: input_offset = -input zero point, output_offset = +output
zero point. Grouped convolution (filter depth != input depth) is not supported.
"""
from __future__ import annotations

from mcutool.abi import CONTEXT
from mcutool.abi.types import ConvParams, Dims, DwConvParams, Tile
from mcutool.ir import Graph, Operator, Tensor
from mcutool.lower import fully_connected  # noqa: F401  (registers FULLY_CONNECTED)
from mcutool.lower.calls import KernelCall, Lowered, TensorArg, Unsupported
from mcutool.lower.conv_quant import (
    activation_quant,
    bias_operand,
    fused_activation,
    operands,
    out_size_and_padding,
    per_channel_params,
    weight_scales,
)
from mcutool.lower.registry import lowering


def _nhwc(t: Tensor, role: str) -> Dims:
    if len(t.shape) != 4:
        raise Unsupported(f"{role} {t.name!r} has shape {list(t.shape)}; a 4-D NHWC tensor is needed")
    return Dims.of(t.shape)


def _spatial(attrs, x: Dims, k_h: int, k_w: int, y: Dims) -> tuple[Tile, Tile, Tile]:
    """stride, padding, dilation tiles; checks the output shape TFLite would compute."""
    out_h, pad_h = out_size_and_padding(attrs.padding, x.h, k_h, attrs.stride_h, attrs.dilation_h)
    out_w, pad_w = out_size_and_padding(attrs.padding, x.w, k_w, attrs.stride_w, attrs.dilation_w)
    if out_h < 1 or out_w < 1:
        raise Unsupported(f"the {k_h}x{k_w} filter does not fit the {x.h}x{x.w} input with {attrs.padding} padding")
    if (y.h, y.w) != (out_h, out_w):
        raise Unsupported(f"output is {y.h}x{y.w} but {attrs.padding} padding gives {out_h}x{out_w}")
    return (Tile(attrs.stride_w, attrs.stride_h), Tile(pad_w, pad_h),
            Tile(attrs.dilation_w, attrs.dilation_h))


@lowering("CONV_2D")
def lower_conv2d(graph: Graph, op: Operator) -> Lowered:
    x_t, w_t, y_t = operands(graph, op, "CONV_2D")
    in_scale, in_zp = activation_quant(x_t, "input")
    out_scale, out_zp = activation_quant(y_t, "output")
    x, y = _nhwc(x_t, "input"), _nhwc(y_t, "output")
    if len(w_t.shape) != 4:
        raise Unsupported(f"CONV_2D weights must be 4-D OHWI, got {list(w_t.shape)}")
    f = Dims.of(w_t.shape)  # n = output channels, c = input channels
    if f.c != x.c:
        raise Unsupported(f"grouped convolution (filter depth {f.c}, input depth {x.c}) is not supported")
    if f.n != y.c or x.n != y.n:
        raise Unsupported(f"weights {list(w_t.shape)} do not match output {list(y_t.shape)}")
    scales = weight_scales(w_t, axis=0, channels=f.n)
    bias = bias_operand(graph, op, f.n)
    stride, padding, dilation = _spatial(op.attrs, x, f.h, f.w, y)

    params = ConvParams(-in_zp, out_zp, stride, padding, dilation,
                        fused_activation(op.attrs.activation, out_scale, out_zp))
    call = KernelCall(
        "arm_convolve_wrapper_s8",
        [CONTEXT, params,
         per_channel_params(in_scale, scales, out_scale),
         x, TensorArg(x_t.name), f, TensorArg(w_t.name), Dims(1, 1, 1, f.n), bias,
         y, TensorArg(y_t.name)])
    return Lowered([call])


@lowering("DEPTHWISE_CONV_2D")
def lower_depthwise_conv2d(graph: Graph, op: Operator) -> Lowered:
    x_t, w_t, y_t = operands(graph, op, "DEPTHWISE_CONV_2D")
    in_scale, in_zp = activation_quant(x_t, "input")
    out_scale, out_zp = activation_quant(y_t, "output")
    x, y = _nhwc(x_t, "input"), _nhwc(y_t, "output")
    if len(w_t.shape) != 4 or w_t.shape[0] != 1:
        raise Unsupported(f"DEPTHWISE_CONV_2D weights must be [1, H, W, C], got {list(w_t.shape)}")
    f = Dims.of(w_t.shape)  # c = output channels
    mult = op.attrs.depth_multiplier
    if f.c != y.c or y.c != x.c * mult or x.n != y.n:
        raise Unsupported(f"depth multiplier {mult}: input depth {x.c}, weights {list(w_t.shape)} and "
                          f"output depth {y.c} do not agree")
    scales = weight_scales(w_t, axis=3, channels=f.c)
    bias = bias_operand(graph, op, f.c)
    stride, padding, dilation = _spatial(op.attrs, x, f.h, f.w, y)

    params = DwConvParams(-in_zp, out_zp, mult, stride, padding, dilation,
                          fused_activation(op.attrs.activation, out_scale, out_zp))
    call = KernelCall(
        "arm_depthwise_conv_wrapper_s8",
        [CONTEXT, params,
         per_channel_params(in_scale, scales, out_scale),
         x, TensorArg(x_t.name), f, TensorArg(w_t.name), Dims(1, 1, 1, f.c), bias,
         y, TensorArg(y_t.name)])
    return Lowered([call])
