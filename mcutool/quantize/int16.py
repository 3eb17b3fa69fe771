"""16-bit activations, TFLite's 16x8 scheme: what changes from the int8 spec.

- activations int16, symmetric per tensor: zero point 0, scale = max(|min|, |max|) / 32767;
- weights stay int8 symmetric (per channel for CONV_2D and DEPTHWISE_CONV_2D); FULLY_CONNECTED
  per tensor, as CMSIS-NN's arm_fully_connected_s16 takes one multiplier;
- bias int64 at input_scale * weight_scale (TFLite-Micro's 16x8 kernels accumulate in int64);
- fixed outputs (SOFTMAX, LOGISTIC, TANH): scale 1/32768, zero point 0;
- other float constants (an ADD or MUL operand): int16 symmetric per tensor.
"""
from __future__ import annotations

import numpy as np

from mcutool.errors import McutoolError
from mcutool.fixedpoint import tflite_round
from mcutool.ir import QuantParams
from mcutool.quantize import params as qp

INT16 = "int16"
ACTIVATION_TYPES = ("int8", INT16)
INT16_MAX = 32767
INT64_MAX = (1 << 63) - 1
FIXED_OUTPUT = (1.0 / 32768.0, 0)


class ActivationTypeError(McutoolError):
    pass


def check_activation_options(activations: str, weights: str) -> None:
    if activations not in ACTIVATION_TYPES:
        raise ActivationTypeError(f"--activations {activations!r} is not supported; choose "
                                  f"{' or '.join(ACTIVATION_TYPES)}")
    if activations == "int16" and weights != "int8":
        # TFLite-Micro has no kernel for int16 activations with 4-bit weights
        raise ActivationTypeError(f"--activations int16 takes int8 weights, not {weights}")


def activation_params(lo: float, hi: float) -> tuple[float, int]:
    """(scale, 0) of a symmetric int16 tensor covering [lo, hi]."""
    peak = max(abs(float(lo)), abs(float(hi)), qp.MIN_SPAN)
    return float(np.float32(peak / INT16_MAX)), 0


def quantize_values(x: np.ndarray, scale: float) -> np.ndarray:
    """int16 codes of real values (zero point 0)."""
    q = tflite_round(np.asarray(x, np.float64) / np.float64(np.float32(scale)))
    return np.clip(q, -INT16_MAX - 1, INT16_MAX).astype(np.int16)


def constant_quant(values: np.ndarray) -> QuantParams:
    scale, zp = activation_params(float(np.min(values)), float(np.max(values)))
    return QuantParams.per_tensor(scale, zp)


def quantize_bias(b: np.ndarray, input_scale: float, w_scales: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int64 bias and its float32 scales (input_scale * weight_scale, computed in double)."""
    scales = np.float64(np.float32(input_scale)) * np.asarray(w_scales, np.float64)
    q = tflite_round(np.asarray(b, np.float64) / scales)
    limit = float(1 << 62)   # far beyond any real bias; keeps the float -> int64 cast defined
    return np.clip(q, -limit, limit).astype(np.int64), scales.astype(np.float32)
