"""ARM CMSIS-NN's scratch sizes: its `*_get_buffer_size`, `_dsp` and `_mve` functions for the
s8 kernels mcutool calls, formula for formula (CMSIS-NN 99f736a, Source/*/arm_*_get_buffer_sizes_s8.c).

Two results depend on the compiler CMSIS-NN is built with (`__ARMCC_VERSION`): armclang gives
the DSP 1x1 convolution a buffer, and converts a one-channel depthwise layer to a convolution
only above 8 output channels (gcc: above 1). `compiler` picks one; `None` takes the larger of
the two, which is what planning wants.
"""
from __future__ import annotations

from typing import Literal

from mcutool.abi.isa import Isa
from mcutool.abi.types import ConvParams, Dims, DwConvParams

Compiler = Literal["gcc", "armclang"]
CH_IN_BLOCK_MVE = 124   # channels per block of the Helium depthwise kernel


def _c_div(a: int, b: int) -> int:
    """C's integer division (truncates toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _compilers(compiler: Compiler | None) -> tuple[Compiler, ...]:
    return ("gcc", "armclang") if compiler is None else (compiler,)


def is_convolve_1x1(p: ConvParams, x: Dims, f: Dims) -> bool:
    return (p.padding.w == 0 and p.padding.h == 0 and f.w == 1 and f.h == 1
            and p.dilation.w == 1 and p.dilation.h == 1 and x.c == f.c)


def is_convolve_1_x_n(p: ConvParams, x: Dims, f: Dims) -> bool:
    return x.h == 1 and p.dilation.w == 1 and f.h == 1 and (p.stride.w * x.c) % 4 == 0 and x.c == f.c


def convolve_s8(isa: Isa, x: Dims, f: Dims) -> int:
    """arm_convolve_s8_get_buffer_size: two int16 im2col columns (Helium: four int8 ones)."""
    cols = f.w * f.h * x.c
    if isa == "mve":
        return 4 * ((cols + 15) // 16) * 16
    return 2 * ((cols + 3) // 4 * 4) * 2


def convolve_1x1_s8_fast(isa: Isa, x: Dims, compiler: Compiler | None = None) -> int:
    if isa == "dsp" and "armclang" in _compilers(compiler):
        return 2 * x.c * 2
    return 0


def convolve_1_x_n_s8(isa: Isa, p: ConvParams, x: Dims, f: Dims, y: Dims) -> int:
    if isa != "mve":
        return convolve_s8(isa, x, f)
    total_pad = (y.w - 1) * p.stride.w + f.w - x.w
    asym = total_pad - 2 * _c_div(total_pad, 2)   # C's remainder: -1 when VALID leaves columns unread
    sw, pad = p.stride.w, p.padding.w
    right = max(1, _c_div(pad + asym + sw - 1, sw)) if pad + asym != 0 else 0
    left = max(1, _c_div(pad + sw - 1, sw)) if pad != 0 else 0
    middle = max(y.w - (right + left), 0)
    if right + middle + left != y.w:
        return convolve_s8("mve", x, f)
    pad_left = pad * x.c
    pad_right = right * x.c if asym else pad_left
    elems_left = f.w * x.c
    return max(elems_left + pad_left, elems_left - x.c + pad_right)


def convolve_wrapper_s8(isa: Isa, p: ConvParams, x: Dims, f: Dims, y: Dims,
                        compiler: Compiler | None = None) -> int:
    """arm_convolve_wrapper_s8_get_buffer_size (portable), `_dsp`, `_mve`."""
    if is_convolve_1x1(p, x, f):
        fast = p.stride.w == 1 and p.stride.h == 1
        return convolve_1x1_s8_fast(isa, x, compiler) if fast else 0
    if is_convolve_1_x_n(p, x, f):
        return convolve_1_x_n_s8(isa, p, x, f, y)
    return convolve_s8(isa, x, f)


def depthwise_conv_s8_opt(isa: Isa, x: Dims, f: Dims) -> int:
    if isa == "mve":
        return 4 * CH_IN_BLOCK_MVE * f.w * f.h
    return x.c * f.w * f.h * 2 if isa == "dsp" else 0


def _one_in_channel_as_conv(p: DwConvParams, x: Dims, f: Dims, y: Dims) -> int:
    """Helium turns a depthwise layer with one input channel into a convolution: its scratch
    plus room for the transposed filter."""
    conv = ConvParams(p.input_offset, p.output_offset, p.stride, p.padding, p.dilation, p.activation)
    conv_filter = Dims(f.c, f.h, f.w, f.n)
    return convolve_wrapper_s8("mve", conv, x, conv_filter, y) + f.c * f.h * f.w * f.n


def _converts_to_conv(x: Dims, y: Dims, compiler: Compiler) -> bool:
    """Helium runs a depthwise layer with one input channel as a convolution above a number of
    output channels that depends on the compiler."""
    return x.c == 1 and y.c > (8 if compiler == "armclang" else 1)


def _depthwise_wrapper(isa: Isa, p: DwConvParams, x: Dims, f: Dims, y: Dims, compiler: Compiler) -> int:
    if isa == "mve" and _converts_to_conv(x, y, compiler):
        return _one_in_channel_as_conv(p, x, f, y)
    if x.c == y.c and x.n == 1 and p.dilation.w == 1 and p.dilation.h == 1:
        if isa != "mve" and f.w == 3 and f.h == 3 and p.padding.h <= 1 and p.padding.w <= 1:
            return 0   # arm_depthwise_conv_3x3_s8 needs none
        return depthwise_conv_s8_opt(isa, x, f)
    return 0


def depthwise_conv_wrapper_s8(isa: Isa, p: DwConvParams, x: Dims, f: Dims, y: Dims,
                              compiler: Compiler | None = None) -> int:
    """arm_depthwise_conv_wrapper_s8_get_buffer_size as built for `isa` (the size the kernel
    built for that ISA uses), or for both compilers the larger."""
    return max(_depthwise_wrapper(isa, p, x, f, y, c) for c in _compilers(compiler))


def depthwise_conv_wrapper_s8_dsp(p: DwConvParams, x: Dims, f: Dims, y: Dims) -> int:
    """arm_depthwise_conv_wrapper_s8_get_buffer_size_dsp (the host-side DSP query)."""
    return _depthwise_wrapper("dsp", p, x, f, y, "gcc")


def depthwise_conv_wrapper_s8_mve(p: DwConvParams, x: Dims, f: Dims, y: Dims,
                                  compiler: Compiler = "gcc") -> int:
    """arm_depthwise_conv_wrapper_s8_get_buffer_size_mve (the host-side Helium query)."""
    size = 0
    if x.c == y.c and x.n == 1 and p.dilation.w == 1 and p.dilation.h == 1:
        size = depthwise_conv_s8_opt("mve", x, f)
    if _converts_to_conv(x, y, compiler):
        size = max(size, _one_in_channel_as_conv(p, x, f, y))
    return size


def fully_connected_s8(isa: Isa, f: Dims) -> int:
    """arm_fully_connected_s8_get_buffer_size: on Helium, one int32 kernel sum per output."""
    return f.c * 4 if isa == "mve" else 0


def avgpool_s8(isa: Isa, output_x: int, channels: int) -> int:
    del output_x
    return channels * 4 if isa == "dsp" else 0


# -- s4 (int4 weights): CMSIS-NN 99f736a, Source/ConvolutionFunctions/arm_*_get_buffer_sizes_s4.c
def convolve_s4(isa: Isa, x: Dims, f: Dims) -> int:
    """arm_convolve_s4_get_buffer_size: two int16 columns (Helium: four int8 ones, 16-aligned)."""
    cols = f.w * f.h * x.c
    if isa == "mve":
        return 4 * ((cols + 15) // 16) * 16
    return 2 * cols * 2


def convolve_1_x_n_s4_mve(p: ConvParams, x: Dims, f: Dims, y: Dims) -> int:
    """The Helium 1xN kernel needs a buffer only when its padding split does not add up."""
    total_pad = (y.w - 1) * p.stride.w + f.w - x.w
    asym = total_pad - 2 * _c_div(total_pad, 2)
    sw, pad = p.stride.w, p.padding.w
    right = max(1, _c_div(pad + asym + sw - 1, sw)) if pad + asym != 0 else 0
    left = max(1, _c_div(pad + sw - 1, sw)) if pad != 0 else 0
    middle = max(y.w - (right + left), 0)
    return convolve_s4("mve", x, f) if right + middle + left != y.w else 0


def convolve_wrapper_s4(isa: Isa, p: ConvParams, x: Dims, f: Dims, y: Dims) -> int:
    """arm_convolve_wrapper_s4_get_buffer_size (portable and `_dsp` alike), `_mve`. 1x1 layers
    need none; only Helium has a 1xN kernel."""
    if is_convolve_1x1(p, x, f):
        return 0
    if isa == "mve" and is_convolve_1_x_n(p, x, f):
        return convolve_1_x_n_s4_mve(p, x, f, y)
    return convolve_s4(isa, x, f)


def depthwise_conv_wrapper_s4(isa: Isa, p: DwConvParams, x: Dims, f: Dims, y: Dims) -> int:
    """arm_depthwise_conv_wrapper_s4_get_buffer_size (`_dsp`, `_mve`): the optimised kernel's
    buffer, which the plain-C build sizes like the DSP one (no 3x3 special case for s4)."""
    if x.c == y.c and x.n == 1 and p.dilation.w == 1 and p.dilation.h == 1:
        return depthwise_conv_s8_opt("mve" if isa == "mve" else "dsp", x, f)
    return 0


# -- s16 (arm_*_get_buffer_sizes_s16.c) --------------------------------------------------------
def convolve_wrapper_s16(isa: Isa, x: Dims, f: Dims) -> int:
    """Two int16 im2col columns (Helium: four, each rounded up to 8 lanes)."""
    cols = x.c * f.w * f.h
    if isa == "mve":
        return 4 * ((cols + 7) // 8) * 8 * 2
    return 2 * cols * 2


def depthwise_conv_wrapper_s16(isa: Isa, p: DwConvParams, x: Dims, f: Dims) -> int:
    """Only the fast kernel (depth multiplier 1, no dilation, fewer than 512 taps) takes a
    buffer, and only with the DSP extension: an int16 column (Helium: four, plus 8 bytes)."""
    fast = p.ch_mult == 1 and p.dilation.w == 1 and p.dilation.h == 1 and f.w * f.h < 512
    if not fast or isa == "portable":
        return 0
    cols = x.c * f.w * f.h * 2
    return 4 * cols + 8 if isa == "mve" else cols


def avgpool_s16(isa: Isa, channels: int) -> int:
    """An int32 sum per channel with the DSP extension only (Helium and portable: none)."""
    return 4 * channels if isa == "dsp" else 0
