"""Numpy twin of the ReductionFunctions kernel mcu_mean_s8 (int8 MEAN, as TFLite-Micro's
QuantizedMeanOrSum)."""
from __future__ import annotations

import numpy as np

from mcutool.abi.types import Dims
from mcutool.fixedpoint import multiply_by_quantized_multiplier, wrap_int32
from mcutool.reference.kernels import twin


def _nhwc(flat: np.ndarray, dims: Dims) -> np.ndarray:
    return np.asarray(flat).reshape(dims.n, dims.h, dims.w, dims.c)


@twin("mcu_mean_s8", "mcu_mean_s16")
def mcu_mean_s8(in_dims: Dims, src, out_dims: Dims, dst, input_offset: int, output_offset: int,
                multiplier: int, shift: int) -> int:
    x = _nhwc(src, in_dims).astype(np.int64)
    shape_in = (in_dims.n, in_dims.h, in_dims.w, in_dims.c)
    shape_out = (out_dims.n, out_dims.h, out_dims.w, out_dims.c)
    reduced = tuple(i for i in range(4) if shape_out[i] != shape_in[i])
    count = in_dims.size // out_dims.size
    # TFLM accumulates in int32 and lets it wrap.
    total = wrap_int32(x.sum(axis=reduced, keepdims=True).reshape(-1))
    centred = wrap_int32(total + np.int64(input_offset) * count)
    out = multiply_by_quantized_multiplier(centred, multiplier, shift) + output_offset
    info = np.iinfo(dst.dtype)   # int8, or int16 for mcu_mean_s16
    dst[:] = np.clip(out, info.min, info.max)
    return 0
