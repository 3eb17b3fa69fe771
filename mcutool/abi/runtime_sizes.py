"""Scratch bytes runtime_c's own kernels need (its `*_get_buffer_size` functions), the same on
every instruction set so that one generated folder runs on every core with runtime_c."""
from __future__ import annotations

from mcutool.abi.types import Dims


def convolve_s8(x: Dims, f: Dims) -> int:
    """Four int16 im2col columns, pitch rounded up to 4, and an int8 staging column when the
    input depth or the filter depth (grouped convolution) is not a multiple of 4. The wrapper
    always runs arm_convolve_s8."""
    pitch = (f.h * f.w * x.c + 3) & ~3
    return 4 * pitch * 2 + (pitch if (x.c | f.c) % 4 else 0)


def depthwise_conv_wrapper_s8(ch_mult: int, x: Dims, f: Dims) -> int:
    """With depth multiplier 1, room for the filter widened to int16 (the packed DSP path)."""
    return f.h * f.w * x.c * 2 if ch_mult == 1 else 0


def avgpool_s8(channels: int) -> int:
    """One int32 sum per channel. The kernel can do without, but CMSIS-NN built for DSP cores
    refuses to run with less, so it is always reserved."""
    return 4 * channels


def convolve_s4(x: Dims, f: Dims) -> int:
    """Two int8 im2col columns (raw input bytes), rounded up to a word. The depthwise and fully
    connected s4 kernels need no scratch."""
    return (2 * f.h * f.w * x.c + 3) & ~3


def codebook_filter(kernel: str, f: Dims) -> int:
    """The codebook kernels decode one output channel's weights at a time into their scratch:
    a conv filter (h * w * depth), a depthwise channel's h * w taps, or an FC row (depth)."""
    if kernel == "mcu_convolve_codebook_s8":
        return f.h * f.w * f.c
    if kernel == "mcu_depthwise_conv_codebook_s8":
        return f.h * f.w
    return f.n   # fully connected: filter_dims {n = depth, c = units}
