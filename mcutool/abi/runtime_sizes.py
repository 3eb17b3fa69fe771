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


def convolve_s16(x: Dims, f: Dims) -> int:
    """arm_convolve_wrapper_s16: four int16 im2col columns, pitch rounded up to 4, and one more
    column (a patch gathered before it is packed) when the filter depth is not a multiple of 4."""
    pitch = (f.h * f.w * f.c + 3) & ~3
    return (4 + (1 if f.c % 4 else 0)) * pitch * 2


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


CODEBOOK_BLOCK = 4   # MCU_NN_CODEBOOK_BLOCK: channels a codebook depthwise layer computes together
CODEBOOK_CONV_BLOCK = 8   # MCU_NN_CODEBOOK_CONV_BLOCK: filters a codebook convolution decodes at a time


def codebook_filter(kernel: str, x: Dims, f: Dims) -> int:
    """The codebook kernels decode a few output channels' weights at a time into their scratch:
    the convolution a block of up to 8 filters of one group (h * w * depth each) after its four
    int16 im2col columns (pitch h * w * depth rounded up to 4) and a byte stage of the pitch,
    the depthwise the h * w taps of up to 4 neighbouring channels (multiplier 1; else one),
    fully connected one row (depth)."""
    if kernel == "mcu_convolve_codebook_s8":
        per_group = f.n // max(1, x.c // f.c)
        taps = f.h * f.w * f.c
        pitch = (taps + 3) & ~3
        return 4 * pitch * 2 + pitch + min(CODEBOOK_CONV_BLOCK, per_group) * taps
    if kernel == "mcu_depthwise_conv_codebook_s8":   # a block of neighbours with multiplier 1
        return (min(CODEBOOK_BLOCK, f.c) if x.c == f.c and f.c > 1 else 1) * f.h * f.w
    return f.n   # fully connected: filter_dims {n = depth, c = units}
