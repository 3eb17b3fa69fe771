"""What CONV_2D and DEPTHWISE_CONV_2D (mcutool/ops/) share: CMSIS-NN's scratch-buffer sizes
of the ConvolutionFunctions kernels, NHWC dims and the stride/padding/dilation tiles."""
from __future__ import annotations

from mcutool.ir import Tensor
from mcutool.lower.calls import Unsupported
from mcutool.lower.cmsis_types import Dims, Tile
from mcutool.lower.conv_quant import out_size_and_padding


def convolve_s8_buffer_size(input_dims: Dims, filter_dims: Dims) -> int:
    """arm_convolve_s8_get_buffer_size(): four int16 im2col columns, pitch rounded up to 4,
    and an int8 staging column when the input depth is not a multiple of 4."""
    col_len = filter_dims.h * filter_dims.w * input_dims.c
    pitch = (col_len + 3) & ~3
    return 4 * pitch * 2 + (pitch if input_dims.c % 4 else 0)


def convolve_wrapper_s8_buffer_size(input_dims: Dims, filter_dims: Dims) -> int:
    """arm_convolve_wrapper_s8_get_buffer_size(): the wrapper always runs arm_convolve_s8."""
    return convolve_s8_buffer_size(input_dims, filter_dims)


def depthwise_conv_wrapper_s8_buffer_size(ch_mult: int, input_dims: Dims, filter_dims: Dims) -> int:
    """arm_depthwise_conv_wrapper_s8_get_buffer_size(): with depth multiplier 1, room for the
    filter widened to int16 (the kernel's packed DSP path; also CMSIS-NN's size on DSP cores)."""
    if ch_mult != 1:
        return 0
    return filter_dims.h * filter_dims.w * input_dims.c * 2


def nhwc_dims(t: Tensor, role: str) -> Dims:
    if len(t.shape) != 4:
        raise Unsupported(f"{role} {t.name!r} has shape {list(t.shape)}; a 4-D NHWC tensor is needed")
    return Dims.of(t.shape)


def spatial_tiles(attrs, x: Dims, k_h: int, k_w: int, y: Dims) -> tuple[Tile, Tile, Tile]:
    """stride, padding, dilation tiles; checks the output shape TFLite would compute."""
    out_h, pad_h = out_size_and_padding(attrs.padding, x.h, k_h, attrs.stride_h, attrs.dilation_h)
    out_w, pad_w = out_size_and_padding(attrs.padding, x.w, k_w, attrs.stride_w, attrs.dilation_w)
    if out_h < 1 or out_w < 1:
        raise Unsupported(f"the {k_h}x{k_w} filter does not fit the {x.h}x{x.w} input with {attrs.padding} padding")
    if (y.h, y.w) != (out_h, out_w):
        raise Unsupported(f"output is {y.h}x{y.w} but {attrs.padding} padding gives {out_h}x{out_w}")
    return (Tile(attrs.stride_w, attrs.stride_h), Tile(pad_w, pad_h),
            Tile(attrs.dilation_w, attrs.dilation_h))
