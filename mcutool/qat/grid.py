"""The integer grids QAT trains weights for, as PTQ stores them (mcutool/quantize/int4.py
decides which operators take int4 weights and how: no second table here).

int8: symmetric [-127, 127], per channel. int4: symmetric [-7, 7] (zero point 0), per channel
for CONV_2D and DEPTHWISE_CONV_2D, per tensor for FULLY_CONNECTED (TFLite-Micro refuses
per-channel INT4 there); any other weighted operator keeps int8. A layer computing with int16
activations (16x8) has int8 weights, FULLY_CONNECTED per tensor (arm_fully_connected_s16 takes
one multiplier, as mcutool/quantize/quantizer.py writes it).
"""
from __future__ import annotations

from mcutool.quantize.int4 import INT4_MAX, WEIGHT_TYPES, weight_format

WEIGHT_FORMATS = WEIGHT_TYPES


def weight_layout(op_type: str, ir_axis: int, fmt: str, int16: bool = False) -> tuple[int, int | None]:
    """(qmax of the symmetric grid, quantization axis or None for per tensor) of an
    operator's weights in format `fmt` ("int4:adaround" is int4, codebooks and "int16" are
    int8 codes); int16: the layer's input is an int16 activation."""
    dtype, per_channel = weight_format(op_type, fmt.split(":")[0], True)
    if int16 and op_type == "FULLY_CONNECTED":
        per_channel = False
    return (INT4_MAX if dtype == "int4" else 127), (ir_axis if per_channel else None)
