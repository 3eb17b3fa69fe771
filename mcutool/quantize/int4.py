"""4-bit weights: which operators take them and how float weights become int4 codes.

int4 weights are symmetric, zero point 0, codes -7..7 (TFLite's INT4 also has -8; leaving it out
keeps the grid symmetric, as for int8's -127..127). Per output channel for CONV_2D and
DEPTHWISE_CONV_2D (TFLite-Micro runs both); FULLY_CONNECTED per tensor, because TFLite-Micro
refuses per-channel INT4 there (fully_connected_common.cc:98). Everything else stays int8.
"""
from __future__ import annotations

import numpy as np

from mcutool.errors import McutoolError
from mcutool.quantize import params as qp

INT4_MAX = 7
WEIGHT_TYPES = ("int8", "int4")
ROUNDINGS = ("nearest", "adaround")

# op -> whether its int4 weights may be per channel. An op missing here keeps int8 weights.
INT4_OPS = {"CONV_2D": True, "DEPTHWISE_CONV_2D": True, "FULLY_CONNECTED": False}

# FULLY_CONNECTED's choice with --weights int4 (per-tensor int4, or per-channel int8): measured by
# benchmarks/int4_ptq.py on the digits example; see the README's "4-bit weights".
FC_INT4 = True


class WeightTypeError(McutoolError):
    pass


def check_weight_options(weights: str, rounding: str) -> None:
    from mcutool.quantize.codebook import parse_weights  # codebook:K (raises when malformed)
    if weights not in WEIGHT_TYPES and parse_weights(weights) is None:
        raise WeightTypeError(f"--weights {weights!r} is not supported; choose {', '.join(WEIGHT_TYPES)} "
                              "or codebook:K")
    if rounding not in ROUNDINGS:
        raise WeightTypeError(f"--rounding {rounding!r} is not supported; choose {' or '.join(ROUNDINGS)}")
    if rounding == "adaround" and weights != "int4":
        raise WeightTypeError("--rounding adaround applies to --weights int4 only")


def weight_format(op_type: str, weights: str, per_channel: bool) -> tuple[str, bool]:
    """(dtype, per channel) of an operator's weights when `weights` is asked for."""
    if weights == "int4" and op_type in INT4_OPS and (op_type != "FULLY_CONNECTED" or FC_INT4):
        return "int4", per_channel and INT4_OPS[op_type]
    return "int8", per_channel


def quantize_weights_int4(w: np.ndarray, axis: int | None,
                          scales: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Float weights -> (int4 codes as an int8 array in [-7, 7], float32 scales).

    axis: the channel axis of per-channel scales (TFLite's: CONV_2D 0, DEPTHWISE_CONV_2D 3), or
    None for one scale. scales: given ones (e.g. learned in QAT; one per slice along axis, or
    one), else max |w| / 7 per slice. Rounding is to nearest (half away from zero, as TFLite).
    The codes go into an IR tensor of dtype "int4" with QuantParams(scales, 0, axis).
    """
    w = np.asarray(w, np.float32)
    if scales is None:
        scales = qp.weight_scales(w, axis, qmax=INT4_MAX)
    scales = np.asarray(scales, np.float32).reshape(-1)
    expected = 1 if axis is None else w.shape[axis]
    if scales.size not in (1, expected) or (axis is None and scales.size != 1):
        raise ValueError(f"{scales.size} scales for weights {list(w.shape)} along axis {axis}")
    if not np.all(np.isfinite(scales)) or np.any(scales <= 0):
        raise ValueError("int4 weight scales must be positive and finite")
    if axis is not None and scales.size == 1:
        scales = np.full(expected, scales[0], np.float32)
    return qp.quantize_weights(w, scales, axis, INT4_MAX), scales
