"""Numpy twin of the PadFunctions kernel arm_pad_s8 (PAD and PADV2)."""
from __future__ import annotations

from mcutool.abi.types import Dims
from mcutool.reference.kernels import twin


@twin("arm_pad_s8", "mcu_pad_s16")
def arm_pad_s8(src, dst, pad_value: int, in_dims: Dims, pre: Dims, post: Dims) -> int:
    shape_in = (in_dims.n, in_dims.h, in_dims.w, in_dims.c)
    before = (pre.n, pre.h, pre.w, pre.c)
    after = (post.n, post.h, post.w, post.c)
    out = dst.reshape(tuple(b + d + a for b, d, a in zip(before, shape_in, after)))
    out[...] = pad_value
    inner = tuple(slice(b, b + d) for b, d in zip(before, shape_in))
    out[inner] = src.reshape(shape_in)
    return 0
