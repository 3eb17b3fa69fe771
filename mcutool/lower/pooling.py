"""PoolingFunctions helpers for AVERAGE_POOL_2D and MAX_POOL_2D (mcutool/ops/pool_2d.py):
window geometry and CMSIS-NN's scratch size."""
from __future__ import annotations

from mcutool.lower.calls import Unsupported
from mcutool.lower.conv_quant import out_size_and_padding


def window_output_and_padding(in_size: int, filter_size: int, stride: int,
                              padding: str) -> tuple[int, int]:
    """Output size and leading padding of a pooling window: a convolution's, without dilation."""
    if filter_size < 1:
        raise Unsupported(f"filter {filter_size} must be at least 1")
    out, pad = out_size_and_padding(padding, in_size, filter_size, stride, 1)
    if out < 1:
        raise Unsupported(f"a {filter_size}-wide window does not fit an input of {in_size}")
    return out, pad


