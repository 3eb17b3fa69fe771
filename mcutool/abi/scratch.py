"""The context each kernel call gets on an instruction set: scratch bytes at least what both
runtime_c and ARM's CMSIS-NN built for that ISA ask for, or (Helium fully connected) the kernel
sums CMSIS-NN reads from its context.

Kernels are keyed by their C name and read their own arguments (the CMSIS-NN structs), as the
C `*_get_buffer_size` functions do.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from mcutool.abi import cmsis_sizes as cmsis
from mcutool.abi import runtime_sizes as runtime
from mcutool.abi.context import KernelSums, Scratch
from mcutool.abi.isa import ISAS, Isa, covers
from mcutool.abi.kernel_sums import vector_sum_s8

# operand -> its constant data, or None when it is not constant (the lowering knows how)
ConstOf = Callable[[Any], "np.ndarray | None"]


def _conv(isa: Isa, args: list, const_of: ConstOf) -> Scratch:
    _, params, _, x, _, f, _, _, _, y, _ = args
    return Scratch(max(runtime.convolve_s8(x, f), cmsis.convolve_wrapper_s8(isa, params, x, f, y)))


def _depthwise(isa: Isa, args: list, const_of: ConstOf) -> Scratch:
    _, params, _, x, _, f, _, _, _, y, _ = args
    return Scratch(max(runtime.depthwise_conv_wrapper_s8(params.ch_mult, x, f),
                       cmsis.depthwise_conv_wrapper_s8(isa, params, x, f, y)))


def _fully_connected(isa: Isa, args: list, const_of: ConstOf) -> Scratch | KernelSums:
    _, params, _, _, _, f, weights, _, bias, _, _ = args
    if cmsis.fully_connected_s8(isa, f) == 0:
        return Scratch(0)   # runtime_c's kernels need none either
    w = const_of(weights)
    if w is None:
        raise ValueError("Helium fully connected needs constant weights to precompute its kernel sums")
    units, depth = f.c, f.n
    return KernelSums(vector_sum_s8(np.asarray(w).reshape(units, depth), params.input_offset,
                                    params.filter_offset, const_of(bias)))


def _conv_s4(isa: Isa, args: list, const_of: ConstOf) -> Scratch:
    _, params, _, x, _, f, _, _, _, y, _ = args
    return Scratch(max(runtime.convolve_s4(x, f), cmsis.convolve_wrapper_s4(isa, params, x, f, y)))


def _depthwise_s4(isa: Isa, args: list, const_of: ConstOf) -> Scratch:
    _, params, _, x, _, f, _, _, _, y, _ = args
    return Scratch(cmsis.depthwise_conv_wrapper_s4(isa, params, x, f, y))


def _avgpool(isa: Isa, args: list, const_of: ConstOf) -> Scratch:
    _, _, x, _, _, y, _ = args
    return Scratch(max(runtime.avgpool_s8(x.c), cmsis.avgpool_s8(isa, y.w, x.c)))


def _codebook(kernel: str) -> Callable[[Isa, list, ConstOf], Scratch]:
    """runtime_c only (CMSIS-NN has no codebook kernels): the same on every ISA."""
    def size(isa: Isa, args: list, const_of: ConstOf) -> Scratch:
        return Scratch(runtime.codebook_filter(kernel, args[3], args[5]))
    return size


def _covered(isa: Isa, size_on) -> int:
    """The largest of CMSIS-NN's sizes on the cores a layout for `isa` suits (abi.isa.covers):
    the portable and DSP layouts stay identical, the Helium one holds all three."""
    return max(size_on(core) for core in ISAS if covers(isa, core))


def _conv_s16(isa: Isa, args: list, const_of: ConstOf) -> Scratch:
    """runtime_c's four (or five) int16 columns, at least CMSIS-NN's s16 sizes."""
    _, _, _, x, _, f, _, _, _, _, _ = args
    return Scratch(max(runtime.convolve_s16(x, f),
                       _covered(isa, lambda core: cmsis.convolve_wrapper_s16(core, x, f))))


def _depthwise_s16(isa: Isa, args: list, const_of: ConstOf) -> Scratch:
    """runtime_c's s16 depthwise needs none; CMSIS-NN's fast kernel does on DSP cores."""
    _, params, _, x, _, f, _, _, _, _, _ = args
    return Scratch(_covered(isa, lambda core: cmsis.depthwise_conv_wrapper_s16(core, params, x, f)))


def _avgpool_s16(isa: Isa, args: list, const_of: ConstOf) -> Scratch:
    """CMSIS-NN built for DSP cores wants one int32 per channel (runtime_c: none)."""
    _, _, x, _, _, _, _ = args
    return Scratch(_covered(isa, lambda core: cmsis.avgpool_s16(core, x.c)))


def _none(isa: Isa, args: list, const_of: ConstOf) -> Scratch:
    return Scratch(0)


CONTEXTS: dict[str, Callable[[Isa, list, ConstOf], Scratch | KernelSums]] = {
    "arm_convolve_wrapper_s8": _conv,
    "arm_depthwise_conv_wrapper_s8": _depthwise,
    "arm_fully_connected_s8": _fully_connected,
    "arm_fully_connected_per_channel_s8": _fully_connected,
    "arm_convolve_wrapper_s4": _conv_s4,
    "arm_depthwise_conv_wrapper_s4": _depthwise_s4,
    "arm_fully_connected_s4": _none,   # CMSIS-NN's s4 FC ignores its context on every ISA
    "arm_avgpool_s8": _avgpool,
    "arm_max_pool_s8": _none,
    **{k: _codebook(k) for k in ("mcu_convolve_codebook_s8", "mcu_depthwise_conv_codebook_s8",
                                 "mcu_fully_connected_codebook_s8")},
    "arm_convolve_wrapper_s16": _conv_s16,
    "arm_depthwise_conv_wrapper_s16": _depthwise_s16,
    "arm_fully_connected_s16": _none,   # CMSIS-NN's s16 FC asks for none on any ISA
    "mcu_fully_connected_per_channel_s16": _none,
    "arm_avgpool_s16": _avgpool_s16,
    "arm_max_pool_s16": _none,
}


def context_for(kernel: str, args: list, isa: Isa, const_of: ConstOf) -> Scratch | KernelSums:
    """The context operand of `kernel` called with `args` on `isa`."""
    if kernel not in CONTEXTS:
        raise KeyError(f"no context rule for {kernel}; add one to mcutool.abi.scratch.CONTEXTS")
    return CONTEXTS[kernel](isa, args, const_of)
