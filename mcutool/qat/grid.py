"""The integer grids of the weight formats QAT trains for (no torch needed here).

int8: symmetric [-127, 127], per channel. int4: symmetric [-7, 7] (zero point 0), per channel
for CONV_2D and DEPTHWISE_CONV_2D, per tensor for FULLY_CONNECTED: TFLite-Micro refuses
per-channel INT4 fully connected weights (fully_connected_common.cc:98), per-tensor runs.
"""
from __future__ import annotations

WEIGHT_FORMATS = ("int8", "int4")


def weight_grid(bits: int) -> int:
    """qmax of the symmetric grid [-qmax, qmax]."""
    return (1 << (bits - 1)) - 1


def weight_bits(fmt: str) -> int:
    return 4 if fmt == "int4" else 8


def weight_axis_for(op_type: str, ir_axis: int | None, fmt: str) -> int | None:
    """The quantization axis of an op's weights in a format (None: per tensor)."""
    if fmt == "int4" and op_type == "FULLY_CONNECTED":
        return None
    return ir_axis
