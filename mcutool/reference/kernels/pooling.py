"""Numpy twins of the pooling and mean kernels (arm_avgpool_s8, arm_max_pool_s8, mcu_mean_s8)."""
from __future__ import annotations

import numpy as np

from mcutool.abi.types import Dims, PoolParams
from mcutool.fixedpoint import multiply_by_quantized_multiplier, wrap_int32
from mcutool.reference.kernels import twin


def _nhwc(flat: np.ndarray, dims: Dims) -> np.ndarray:
    return flat.reshape(dims.n, dims.h, dims.w, dims.c)


def _windows(params: PoolParams, in_dims: Dims, filter_dims: Dims, out_dims: Dims):
    """Yield (out_y, out_x, y slice, x slice): each output pixel's window clipped to the input."""
    for oy in range(out_dims.h):
        y0 = oy * params.stride.h - params.padding.h
        ys = slice(max(y0, 0), min(y0 + filter_dims.h, in_dims.h))
        for ox in range(out_dims.w):
            x0 = ox * params.stride.w - params.padding.w
            xs = slice(max(x0, 0), min(x0 + filter_dims.w, in_dims.w))
            yield oy, ox, ys, xs


def _divide_round_half_away(total: np.ndarray, count: int) -> np.ndarray:
    """TFLM's average: (sum +- count/2) / count with C's truncating division."""
    half = count // 2
    return np.where(total > 0, (total + half) // count, -((half - total) // count))


@twin("arm_avgpool_s8")
def arm_avgpool_s8(ctx, params: PoolParams, in_dims: Dims, src, filter_dims: Dims,
                   out_dims: Dims, dst) -> int:
    x = _nhwc(src, in_dims).astype(np.int64)
    y = _nhwc(dst, out_dims)
    for oy, ox, ys, xs in _windows(params, in_dims, filter_dims, out_dims):
        window = x[:, ys, xs, :]
        count = window.shape[1] * window.shape[2]
        if count == 0:
            return -1  # ARM_CMSIS_NN_ARG_ERROR
        avg = _divide_round_half_away(window.sum(axis=(1, 2)), count)
        y[:, oy, ox, :] = np.clip(avg, params.activation.min, params.activation.max)
    return 0


@twin("arm_max_pool_s8")
def arm_max_pool_s8(ctx, params: PoolParams, in_dims: Dims, src, filter_dims: Dims,
                    out_dims: Dims, dst) -> int:
    x = _nhwc(src, in_dims)
    y = _nhwc(dst, out_dims)
    for oy, ox, ys, xs in _windows(params, in_dims, filter_dims, out_dims):
        window = x[:, ys, xs, :].astype(np.int64)
        biggest = window.max(axis=(1, 2), initial=-128)
        y[:, oy, ox, :] = np.clip(biggest, params.activation.min, params.activation.max)
    return 0


@twin("mcu_mean_s8")
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
    dst[:] = np.clip(out, -128, 127)
    return 0
