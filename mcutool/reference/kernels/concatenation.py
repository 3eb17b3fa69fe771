"""Numpy twins of the ConcatenationFunctions kernels arm_concatenation_s8_{x,y,z,w}.

CMSIS-NN's concatenation names the four axes from the innermost out: x (NHWC's C), y (W),
z (H), w (N). One call copies one input into its place in the output.
"""
from __future__ import annotations

import numpy as np

from mcutool.reference.kernels import twin


def _place(src, dst, x: int, y: int, z: int, w: int, axis: int, out_size: int, offset: int):
    """Copy src, shaped (w, z, y, x), into dst shaped likewise but out_size long on `axis`.
    Sizes count bytes, as in the C: an int16 tensor is seen as its bytes."""
    src, dst = np.asarray(src).view(np.int8), dst.view(np.int8)
    shape = [w, z, y, x]
    out_shape = list(shape)
    out_shape[axis] = out_size
    out = dst.reshape(out_shape)
    index = [slice(None)] * 4
    index[axis] = slice(offset, offset + shape[axis])
    out[tuple(index)] = src.reshape(shape)


@twin("arm_concatenation_s8_x")
def arm_concatenation_s8_x(src, x, y, z, w, dst, output_x, offset_x) -> None:
    _place(src, dst, x, y, z, w, 3, output_x, offset_x)


@twin("arm_concatenation_s8_y")
def arm_concatenation_s8_y(src, x, y, z, w, dst, output_y, offset_y) -> None:
    _place(src, dst, x, y, z, w, 2, output_y, offset_y)


@twin("arm_concatenation_s8_z")
def arm_concatenation_s8_z(src, x, y, z, w, dst, output_z, offset_z) -> None:
    _place(src, dst, x, y, z, w, 1, output_z, offset_z)


@twin("arm_concatenation_s8_w")
def arm_concatenation_s8_w(src, x, y, z, w, dst, offset_w) -> None:
    # The output's batch size is not an argument: rows before offset_w stay as they are.
    block = x * y * z
    dst.view(np.int8)[offset_w * block: (offset_w + w) * block] = np.asarray(src).view(np.int8).reshape(-1)
