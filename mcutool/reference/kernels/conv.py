"""Numpy twins of the convolution kernels: arm_convolve_wrapper_s8 (and arm_convolve_s8) and
arm_depthwise_conv_wrapper_s8 (and arm_depthwise_conv_s8).

Same integer results as the C (grouped convolution included): the input offset is added
first, so padding taps are zeros; the sum is exact (float64 matmul of values below 2^53, or
int64), wrapped to int32 like the C accumulator, then the bias, the per-channel double-rounding
requantization, the output offset and the clamp.
"""
from __future__ import annotations

import numpy as np

from mcutool.abi.types import Dims
from mcutool.fixedpoint import multiply_by_quantized_multiplier, multiply_by_quantized_multiplier_s64, wrap_int32
from mcutool.ir.dtypes import unpack_int4
from mcutool.reference.kernels import twin


def _offset_padded_input(src, in_dims: Dims, filter_dims: Dims, out_dims: Dims, params) -> np.ndarray:
    """NHWC int64 input plus input_offset, zero-padded so every output window is in range."""
    x = src.reshape(in_dims.n, in_dims.h, in_dims.w, in_dims.c).astype(np.int64) + params.input_offset
    pad_h, pad_w = params.padding.h, params.padding.w
    need_h = (out_dims.h - 1) * params.stride.h + (filter_dims.h - 1) * params.dilation.h + 1
    need_w = (out_dims.w - 1) * params.stride.w + (filter_dims.w - 1) * params.dilation.w + 1
    padded = np.zeros((in_dims.n, max(need_h, pad_h + in_dims.h), max(need_w, pad_w + in_dims.w), in_dims.c),
                      np.int64)
    padded[:, pad_h:pad_h + in_dims.h, pad_w:pad_w + in_dims.w, :] = x
    return padded


def _taps(padded: np.ndarray, filter_dims: Dims, out_dims: Dims, params):
    """Yield (ky, kx, the input seen by that tap for every output pixel: [N, H_OUT, W_OUT, C])."""
    sh, sw = params.stride.h, params.stride.w
    for ky in range(filter_dims.h):
        y0 = ky * params.dilation.h
        for kx in range(filter_dims.w):
            x0 = kx * params.dilation.w
            yield ky, kx, padded[:, y0:y0 + (out_dims.h - 1) * sh + 1:sh, x0:x0 + (out_dims.w - 1) * sw + 1:sw, :]


def _finish(acc: np.ndarray, bias, quant_params, params, dst) -> None:
    """int32 accumulator -> bias, requantize per channel (last axis), offset, clamp, store."""
    acc = wrap_int32(acc)
    if bias is not None:
        acc = wrap_int32(acc + np.asarray(bias, np.int64))
    mult = np.asarray(quant_params.multiplier, np.int64)
    shift = np.asarray(quant_params.shift, np.int64)
    out = multiply_by_quantized_multiplier(acc, mult, shift) + params.output_offset
    out = np.clip(out, params.activation.min, params.activation.max)
    dst[:] = out.reshape(-1).astype(np.int8)


@twin("arm_convolve_wrapper_s8")
def arm_convolve_wrapper_s8(ctx, conv_params, quant_params, input_dims: Dims, input_data,
                            filter_dims: Dims, filter_data, bias_dims, bias_data,
                            output_dims: Dims, output_data) -> int:
    # Grouped convolution as the C: input depth = groups * filter depth, output channels split
    # evenly between the groups, group g reading input channels [g * C_F, (g + 1) * C_F).
    group_c = filter_dims.c
    if group_c < 1 or input_dims.c % group_c or output_dims.c % (input_dims.c // group_c):
        raise ValueError("arm_convolve_s8: the filter depth must divide the input depth into groups "
                         "that divide the output depth")
    groups = input_dims.c // group_c
    out_group = output_dims.c // groups
    padded = _offset_padded_input(input_data, input_dims, filter_dims, output_dims, conv_params)
    w = filter_data.reshape(filter_dims.n, filter_dims.h, filter_dims.w, group_c).astype(np.float64)
    acc = np.zeros((output_dims.n, output_dims.h, output_dims.w, output_dims.c), np.float64)
    for ky, kx, tap in _taps(padded, filter_dims, output_dims, conv_params):
        # Exact in float64: |sum| <= K * 255 * 128, far below 2^53.
        tap = tap.astype(np.float64)
        for g in range(groups):
            outs = slice(g * out_group, (g + 1) * out_group)
            acc[..., outs] += tap[..., g * group_c:(g + 1) * group_c] @ w[outs, ky, kx, :].T
    _finish(acc.astype(np.int64), bias_data, quant_params, conv_params, output_data)
    return 0


@twin("arm_convolve_s8")
def arm_convolve_s8(ctx, conv_params, quant_params, input_dims, input_data, filter_dims, filter_data,
                    bias_dims, bias_data, upscale_dims, output_dims, output_data) -> int:
    if upscale_dims is not None and (upscale_dims.w, upscale_dims.h) != (1, 1):
        raise ValueError("arm_convolve_s8: upscaling is not implemented")
    return arm_convolve_wrapper_s8(ctx, conv_params, quant_params, input_dims, input_data, filter_dims,
                                   filter_data, bias_dims, bias_data, output_dims, output_data)


@twin("arm_depthwise_conv_wrapper_s8", "arm_depthwise_conv_s8")
def arm_depthwise_conv_wrapper_s8(ctx, dw_conv_params, quant_params, input_dims: Dims, input_data,
                                  filter_dims: Dims, filter_data, bias_dims, bias_data,
                                  output_dims: Dims, output_data) -> int:
    mult = dw_conv_params.ch_mult
    # filter_dims.c is not read, as in the C (and CMSIS-NN): the filter's depth is the output's.
    if input_dims.n < 1 or mult < 1 or output_dims.c != input_dims.c * mult:
        raise ValueError("depthwise: output depth must be input depth * ch_mult")
    padded = _offset_padded_input(input_data, input_dims, filter_dims, output_dims, dw_conv_params)
    w = filter_data.reshape(filter_dims.h, filter_dims.w, output_dims.c).astype(np.int64)
    acc = np.zeros((output_dims.n, output_dims.h, output_dims.w, output_dims.c), np.int64)
    for ky, kx, tap in _taps(padded, filter_dims, output_dims, dw_conv_params):
        # Output channel ic * mult + m reads input channel ic.
        acc += np.repeat(tap, mult, axis=-1) * w[ky, kx, :]
    _finish(acc, bias_data, quant_params, dw_conv_params, output_data)
    return 0


# -- s4: int8 activations, int4 weights packed two per byte (element 0 in the low nibble) ------
def _unpacked(filter_data, filter_dims: Dims) -> np.ndarray:
    return unpack_int4(filter_data, filter_dims.size)


@twin("arm_convolve_wrapper_s4", "arm_convolve_s4")
def arm_convolve_wrapper_s4(ctx, conv_params, quant_params, input_dims: Dims, input_data,
                            filter_dims: Dims, filter_data, bias_dims, bias_data,
                            output_dims: Dims, output_data) -> int:
    """Same arithmetic as the s8 kernel on the unpacked weights."""
    return arm_convolve_wrapper_s8(ctx, conv_params, quant_params, input_dims, input_data, filter_dims,
                                   _unpacked(filter_data, filter_dims), bias_dims, bias_data,
                                   output_dims, output_data)


@twin("arm_depthwise_conv_wrapper_s4", "arm_depthwise_conv_s4")
def arm_depthwise_conv_wrapper_s4(ctx, dw_conv_params, quant_params, input_dims: Dims, input_data,
                                  filter_dims: Dims, filter_data, bias_dims, bias_data,
                                  output_dims: Dims, output_data) -> int:
    return arm_depthwise_conv_wrapper_s8(ctx, dw_conv_params, quant_params, input_dims, input_data,
                                         filter_dims, _unpacked(filter_data, filter_dims), bias_dims,
                                         bias_data, output_dims, output_data)


# -- s16: TFLite's 16x8 scheme (int16 activations, zero point 0, int8 weights) ----------------
def _finish_s16(acc: np.ndarray, bias, is_int32_bias: bool, quant_params, params, dst) -> None:
    """int64 sum -> bias, requantize per channel, clamp, store as int16. An int32 bias means
    TFLite-Micro's int32 accumulator and the int8 kernels' double rounding."""
    mult = np.asarray(quant_params.multiplier, np.int64)
    shift = np.asarray(quant_params.shift, np.int64)
    if is_int32_bias:
        acc = wrap_int32(acc)
        if bias is not None:
            acc = wrap_int32(acc + np.asarray(bias, np.int64))
        out = multiply_by_quantized_multiplier(acc, mult, shift)
    else:
        if bias is not None:
            acc = acc + np.asarray(bias, np.int64)
        out = multiply_by_quantized_multiplier_s64(acc, mult, shift)
    out = np.clip(out, params.activation.min, params.activation.max)
    dst[:] = out.reshape(-1).astype(np.int16)


@twin("arm_convolve_wrapper_s16")
def arm_convolve_wrapper_s16(ctx, conv_params, quant_params, input_dims: Dims, input_data,
                             filter_dims: Dims, filter_data, bias_dims, bias_data,
                             output_dims: Dims, output_data) -> int:
    """bias_data: mcutool.abi.types.BiasData. The sum is exact in int64 (products < 2^22)."""
    group_c = filter_dims.c
    if group_c < 1 or input_dims.c % group_c or output_dims.c % (input_dims.c // group_c):
        raise ValueError("arm_convolve_wrapper_s16: the filter depth must divide the input depth into "
                         "groups that divide the output depth")
    groups = input_dims.c // group_c
    out_group = output_dims.c // groups
    padded = _offset_padded_input(input_data, input_dims, filter_dims, output_dims, conv_params)
    w = filter_data.reshape(filter_dims.n, filter_dims.h, filter_dims.w, group_c).astype(np.int64)
    acc = np.zeros((output_dims.n, output_dims.h, output_dims.w, output_dims.c), np.int64)
    for ky, kx, tap in _taps(padded, filter_dims, output_dims, conv_params):
        for g in range(groups):
            outs = slice(g * out_group, (g + 1) * out_group)
            acc[..., outs] += tap[..., g * group_c:(g + 1) * group_c] @ w[outs, ky, kx, :].T
    bias = None if bias_data is None else bias_data.data
    is_int32 = bool(bias_data is not None and bias_data.is_int32_bias)
    _finish_s16(acc, bias, is_int32, quant_params, conv_params, output_data)
    return 0


@twin("arm_depthwise_conv_wrapper_s16")
def arm_depthwise_conv_wrapper_s16(ctx, dw_conv_params, quant_params, input_dims: Dims, input_data,
                                   filter_dims: Dims, filter_data, bias_dims, bias_data,
                                   output_dims: Dims, output_data) -> int:
    mult = dw_conv_params.ch_mult
    if input_dims.n < 1 or mult < 1 or output_dims.c != input_dims.c * mult:
        raise ValueError("depthwise s16: output depth must be input depth * ch_mult")
    padded = _offset_padded_input(input_data, input_dims, filter_dims, output_dims, dw_conv_params)
    w = filter_data.reshape(filter_dims.h, filter_dims.w, output_dims.c).astype(np.int64)
    acc = np.zeros((output_dims.n, output_dims.h, output_dims.w, output_dims.c), np.int64)
    for ky, kx, tap in _taps(padded, filter_dims, output_dims, dw_conv_params):
        acc += np.repeat(tap, mult, axis=-1) * w[ky, kx, :]
    _finish_s16(acc, bias_data, False, quant_params, dw_conv_params, output_data)
    return 0
