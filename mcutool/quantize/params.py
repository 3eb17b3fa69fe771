"""From real ranges to int8 quantization parameters, per TFLite's quantization spec.

- Activations: asymmetric per tensor. The range is widened to contain 0 (so that 0.0, the
  padding value, is exact), scale = (max - min) / 255 and the zero point is nudged to the
  integer nearest qmin - min / scale, as TensorFlow's converter does.
- Weights: symmetric int8 in [-127, 127], zero point 0, one scale per output channel (or one
  per tensor): scale = max|w| / 127.
- Bias: int32 with scale input_scale * weight_scale[c] and zero point 0.
"""
from __future__ import annotations

import numpy as np

from mcutool.fixedpoint import tflite_round
from mcutool.ir import QuantParams

QMIN, QMAX = -128, 127
INT32_MAX = (1 << 31) - 1
# A range narrower than this (a tensor that is always 0) still gets a usable positive scale.
MIN_SPAN = 1e-6


def activation_params(lo: float, hi: float) -> tuple[float, int]:
    """(scale, zero point) of an asymmetric int8 tensor covering [lo, hi]."""
    lo, hi = min(float(lo), 0.0), max(float(hi), 0.0)
    if hi - lo < MIN_SPAN:
        hi = lo + MIN_SPAN
    scale = float(np.float32((hi - lo) / (QMAX - QMIN)))
    zp_from_min = QMIN - lo / scale
    zero_point = int(np.clip(tflite_round(np.float64(zp_from_min)), QMIN, QMAX))
    return scale, zero_point


def activation_quant(lo: float, hi: float) -> QuantParams:
    scale, zp = activation_params(lo, hi)
    return QuantParams.per_tensor(scale, zp)


def quantize_activation_values(x: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """int8 codes of real values (a constant operand or an input sample)."""
    q = tflite_round(np.asarray(x, np.float64) / np.float64(np.float32(scale))) + zero_point
    return np.clip(q, QMIN, QMAX).astype(np.int8)


def fake_quantize(x: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """Quantize then dequantize: the real values an int8 tensor can hold closest to x."""
    q = quantize_activation_values(x, scale, zero_point).astype(np.float32)
    return (q - zero_point) * np.float32(scale)


def weight_scales(w: np.ndarray, axis: int | None, bias: np.ndarray | None = None,
                  input_scale: float | None = None, qmax: int = 127) -> np.ndarray:
    """float32 symmetric scale per slice along `axis` (or one for the tensor if axis is None),
    mapping the largest magnitude to qmax (127 for int8, 7 for int4).

    A scale is raised when the bias would not fit int32 at input_scale * weight_scale (the
    same guard TensorFlow's converter applies), and an all-zero channel gets a tiny scale.
    """
    w = np.asarray(w, np.float64)
    if axis is None:
        peak = np.array([np.abs(w).max() if w.size else 0.0])
    else:
        others = tuple(i for i in range(w.ndim) if i != axis)
        peak = np.abs(w).max(axis=others)
    scale = peak / float(qmax)
    if bias is not None and input_scale is not None:
        need = np.abs(np.asarray(bias, np.float64)) / (float(input_scale) * INT32_MAX) * 1.001
        scale = np.maximum(scale, need.max() if axis is None else need)
    scale = np.where(scale > 0, scale, 1e-9)
    return scale.astype(np.float32)


def quantize_weights(w: np.ndarray, scales: np.ndarray, axis: int | None, qmax: int = 127) -> np.ndarray:
    """Symmetric codes in [-qmax, qmax] (int8 array, also for int4 values)."""
    s = np.asarray(scales, np.float64)
    if axis is not None:
        shape = [1] * w.ndim
        shape[axis] = -1
        s = s.reshape(shape)
    q = tflite_round(np.asarray(w, np.float64) / s)
    return np.clip(q, -qmax, qmax).astype(np.int8)


def fake_quantize_weights(w: np.ndarray, axis: int | None, qmax: int = 127) -> np.ndarray:
    """The float weights the integer model will effectively use (for bias correction); qmax 7
    for int4 weights."""
    scales = weight_scales(w, axis, qmax=qmax)
    q = quantize_weights(w, scales, axis, qmax).astype(np.float32)
    if axis is not None:
        shape = [1] * w.ndim
        shape[axis] = -1
        return q * scales.reshape(shape)
    return q * scales[0]


def quantize_bias(b: np.ndarray, input_scale: float, w_scales: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int32 bias and its float32 scales (input_scale * weight_scale, computed in double)."""
    scales = np.float64(np.float32(input_scale)) * np.asarray(w_scales, np.float64)
    q = tflite_round(np.asarray(b, np.float64) / scales)
    return np.clip(q, -INT32_MAX, INT32_MAX).astype(np.int32), scales.astype(np.float32)
