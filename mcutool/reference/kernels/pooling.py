"""Numpy twins of the PoolingFunctions kernels arm_avgpool_s8 and arm_max_pool_s8, and of their
16x8 versions arm_avgpool_s16 and arm_max_pool_s16 (the same arithmetic on int16 codes)."""
from __future__ import annotations

import numpy as np

from mcutool.abi.types import Dims, PoolParams
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


@twin("arm_avgpool_s8", "arm_avgpool_s16")
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


@twin("arm_max_pool_s8", "arm_max_pool_s16")
def arm_max_pool_s8(ctx, params: PoolParams, in_dims: Dims, src, filter_dims: Dims,
                    out_dims: Dims, dst) -> int:
    x = _nhwc(src, in_dims)
    y = _nhwc(dst, out_dims)
    for oy, ox, ys, xs in _windows(params, in_dims, filter_dims, out_dims):
        window = x[:, ys, xs, :].astype(np.int64)
        biggest = window.max(axis=(1, 2), initial=np.iinfo(dst.dtype).min)
        y[:, oy, ox, :] = np.clip(biggest, params.activation.min, params.activation.max)
    return 0
