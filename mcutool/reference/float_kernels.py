"""float32 numpy kernels with TFLite's float semantics, batched over samples.

Every activation value carries one extra leading axis, the sample axis: a tensor of model shape
(1, H, W, C) is held as (N, 1, H, W, C), so a whole calibration batch runs in one call. Constants
(weights, biases, shape and axis operands) have no sample axis. The kernels here are what the
quantizer measures against: padding, pooling counts and activations follow TFLite's float
reference kernels, so ranges and SQNR are those of the model TFLite would run.
"""
from __future__ import annotations

import numpy as np

from mcutool.errors import McutoolError


class FloatExecError(McutoolError):
    """The float graph cannot be evaluated (an operand this executor cannot handle)."""


def fused(x: np.ndarray, activation: str) -> np.ndarray:
    """A fused activation (TFLite's ActivationFunctionWithMinMax)."""
    if activation == "NONE":
        return x
    if activation == "RELU":
        return np.maximum(x, np.float32(0))
    if activation == "RELU6":
        return np.clip(x, np.float32(0), np.float32(6))
    if activation == "RELU_N1_TO_1":
        return np.clip(x, np.float32(-1), np.float32(1))
    raise FloatExecError(f"unknown fused activation {activation!r}")


def same_or_valid(padding: str, in_size: int, k: int, stride: int, dilation: int) -> tuple[int, int, int]:
    """(output size, pad before, pad after) as TFLite computes them (ComputePaddingHeightWidth)."""
    eff = (k - 1) * dilation + 1
    if padding == "SAME":
        out = (in_size + stride - 1) // stride
    elif padding == "VALID":
        out = (in_size - eff + stride) // stride
    else:
        raise FloatExecError(f"padding {padding!r} (SAME or VALID)")
    if out < 1:
        raise FloatExecError(f"a {k}-wide window does not fit an input of {in_size}")
    total = max(0, (out - 1) * stride + eff - in_size)
    return out, total // 2, total - total // 2


def _windows(x: np.ndarray, kh: int, kw: int, attrs, pad_value: float):
    """Padded input and a generator of (i, j, strided view) per filter tap; x is (M, H, W, C)."""
    dh = getattr(attrs, "dilation_h", 1)
    dw = getattr(attrs, "dilation_w", 1)
    oh, top, bottom = same_or_valid(attrs.padding, x.shape[1], kh, attrs.stride_h, dh)
    ow, left, right = same_or_valid(attrs.padding, x.shape[2], kw, attrs.stride_w, dw)
    if top or bottom or left or right:
        x = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=pad_value)

    def taps():
        for i in range(kh):
            for j in range(kw):
                r0, c0 = i * dh, j * dw
                yield i, j, x[:, r0:r0 + (oh - 1) * attrs.stride_h + 1:attrs.stride_h,
                              c0:c0 + (ow - 1) * attrs.stride_w + 1:attrs.stride_w, :]
    return oh, ow, (top, bottom, left, right), taps


def conv2d(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, attrs) -> np.ndarray:
    """x (M, H, W, C), w OHWI -> (M, OH, OW, O). One matrix product per filter tap and group: no
    im2col copy, so memory stays at one input and one output. A grouped convolution (filter
    depth I dividing C) gives each of the C / I groups O / (C / I) of the output channels."""
    out_c, kh, kw, in_c = w.shape
    groups = x.shape[-1] // in_c
    if x.shape[-1] % in_c or out_c % groups:
        raise FloatExecError(f"filter depth {in_c} and {out_c} filters do not group input depth {x.shape[-1]}")
    per_group = out_c // groups
    oh, ow, _, taps = _windows(x, kh, kw, attrs, 0.0)
    acc = np.zeros((x.shape[0], oh, ow, out_c), np.float32)
    for i, j, view in taps():
        if groups == 1:
            acc += view @ w[:, i, j, :].T
            continue
        for g in range(groups):
            outs = slice(g * per_group, (g + 1) * per_group)
            acc[..., outs] += view[..., g * in_c:(g + 1) * in_c] @ w[outs, i, j, :].T
    if b is not None:
        acc += b
    return fused(acc, attrs.activation)


def depthwise_conv2d(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, attrs) -> np.ndarray:
    """x (M, H, W, C), w (1, KH, KW, C*mult) -> (M, OH, OW, C*mult); output channel c*mult+m
    reads input channel c."""
    _, kh, kw, out_c = w.shape
    in_c = x.shape[-1]
    if out_c % in_c:
        raise FloatExecError(f"depthwise weights {list(w.shape)} do not fit input depth {in_c}")
    mult = out_c // in_c
    oh, ow, _, taps = _windows(x, kh, kw, attrs, 0.0)
    acc = np.zeros((x.shape[0], oh, ow, out_c), np.float32)
    for i, j, view in taps():
        acc += np.repeat(view, mult, axis=-1) * w[0, i, j, :] if mult > 1 else view * w[0, i, j, :]
    if b is not None:
        acc += b
    return fused(acc, attrs.activation)


def pool2d(x: np.ndarray, attrs, kind: str) -> np.ndarray:
    """MAX or AVERAGE pooling; the average divides by the taps inside the input (TFLite
    ignores padding in the count)."""
    pad_value = -np.inf if kind == "MAX" else 0.0
    oh, ow, pads, taps = _windows(x, attrs.filter_h, attrs.filter_w, attrs, pad_value)
    if kind == "MAX":
        acc = np.full((x.shape[0], oh, ow, x.shape[-1]), -np.inf, np.float32)
        for _, _, view in taps():
            np.maximum(acc, view, out=acc)
        return fused(acc, attrs.activation)
    acc = np.zeros((x.shape[0], oh, ow, x.shape[-1]), np.float32)
    for _, _, view in taps():
        acc += view
    top, bottom, left, right = pads
    inside = np.pad(np.ones((1, x.shape[1], x.shape[2], 1), np.float32),
                    ((0, 0), (top, bottom), (left, right), (0, 0)))
    count = np.zeros((1, oh, ow, 1), np.float32)
    for i in range(attrs.filter_h):
        for j in range(attrs.filter_w):
            count += inside[:, i:i + (oh - 1) * attrs.stride_h + 1:attrs.stride_h,
                            j:j + (ow - 1) * attrs.stride_w + 1:attrs.stride_w, :]
    return fused(acc / count, attrs.activation)


def fully_connected(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, activation: str) -> np.ndarray:
    """x (M, ..., depth) read as rows of `depth`; w [units, depth]."""
    rows = x.reshape(-1, w.shape[1])
    out = rows @ w.T
    if b is not None:
        out = out + b
    return fused(out, activation)


def softmax(x: np.ndarray, beta: float) -> np.ndarray:
    z = (x - x.max(axis=-1, keepdims=True)) * np.float32(beta)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def logistic(x: np.ndarray) -> np.ndarray:
    return (1.0 / (1.0 + np.exp(-x.astype(np.float64)))).astype(np.float32)


def hard_swish(x: np.ndarray) -> np.ndarray:
    return x * np.clip(x + np.float32(3), 0, 6) / np.float32(6)


def leaky_relu(x: np.ndarray, alpha: float) -> np.ndarray:
    return np.where(x >= 0, x, x * np.float32(alpha))
