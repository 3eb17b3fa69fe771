"""The integer grids QAT trains weights for, as PTQ stores them (mcutool/quantize/int4.py
decides which operators take int4 weights and how: no second table here).

int8: symmetric [-127, 127], per channel. int4: symmetric [-7, 7] (zero point 0), per channel
for CONV_2D and DEPTHWISE_CONV_2D, per tensor for FULLY_CONNECTED (TFLite-Micro refuses
per-channel INT4 there); any other weighted operator keeps int8.
"""
from __future__ import annotations

from mcutool.quantize.int4 import INT4_MAX, WEIGHT_TYPES, weight_format

WEIGHT_FORMATS = WEIGHT_TYPES


def weight_layout(op_type: str, ir_axis: int, fmt: str) -> tuple[int, int | None]:
    """(qmax of the symmetric grid, quantization axis or None for per tensor) of an
    operator's weights when `fmt` weights are asked for."""
    dtype, per_channel = weight_format(op_type, fmt, True)
    return (INT4_MAX if dtype == "int4" else 127), (ir_axis if per_channel else None)
