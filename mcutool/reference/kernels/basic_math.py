"""Numpy twins of the int8 ADD/SUB/MUL kernels (same-shape and broadcasting), integer-exact
with TFLite-Micro's AddFunc / SubFunc / MulElementwise."""
from __future__ import annotations

import numpy as np

from mcutool.abi.types import Dims
from mcutool.fixedpoint import multiply_by_quantized_multiplier as mbqm
from mcutool.reference.kernels import twin


def _rescaled(q, offset, multiplier, shift, left_shift):
    """An input moved to the common ADD/SUB scale: ((q + offset) << left_shift) * M * 2^shift."""
    return mbqm((q.astype(np.int64) + offset) * (1 << left_shift), multiplier, shift)


def _finish(acc, out_offset, out_mult, out_shift, act_min, act_max, dtype=np.int8):
    return np.clip(mbqm(acc, out_mult, out_shift) + out_offset, act_min, act_max).astype(dtype)


def _add_sub(sign, a, b, off1, m1, sh1, off2, m2, sh2, left_shift, out_off, out_m, out_sh,
             act_min, act_max):
    """The output has the inputs' type (int8, or int16 for the 16x8 kernels)."""
    acc = _rescaled(a, off1, m1, sh1, left_shift) + sign * _rescaled(b, off2, m2, sh2, left_shift)
    return _finish(acc, out_off, out_m, out_sh, act_min, act_max, a.dtype)


def _mul(a, b, off1, off2, out_off, out_m, out_sh, act_min, act_max):
    acc = (a.astype(np.int64) + off1) * (b.astype(np.int64) + off2)
    return _finish(acc, out_off, out_m, out_sh, act_min, act_max, a.dtype)


def _nhwc(flat: np.ndarray, dims: Dims) -> np.ndarray:
    return flat[: dims.size].reshape(dims.n, dims.h, dims.w, dims.c)


# ADD and SUB differ only in the sign of the second rescaled input, so each pair of twins is
# made by one factory.
def _register_same_shape(name: str, sign: int):
    def kernel(in1, in2, off1, m1, sh1, off2, m2, sh2, left_shift, out, out_off, out_m, out_sh,
               act_min, act_max, block_size):
        out[:block_size] = _add_sub(sign, in1[:block_size], in2[:block_size], off1, m1, sh1,
                                    off2, m2, sh2, left_shift, out_off, out_m, out_sh,
                                    act_min, act_max)
    twin(name)(kernel)


def _register_broadcast(name: str, sign: int):
    def kernel(dims1, in1, dims2, in2, off1, m1, sh1, off2, m2, sh2, left_shift, out_dims, out,
               out_off, out_m, out_sh, act_min, act_max):
        a, b = np.broadcast_arrays(_nhwc(in1, dims1), _nhwc(in2, dims2))
        result = _add_sub(sign, a, b, off1, m1, sh1, off2, m2, sh2, left_shift, out_off,
                          out_m, out_sh, act_min, act_max)
        out[: out_dims.size] = result.reshape(-1)
    twin(name)(kernel)


_register_same_shape("arm_elementwise_add_s8", +1)
_register_same_shape("mcu_elementwise_sub_s8", -1)
_register_broadcast("mcu_broadcast_add_s8", +1)
_register_broadcast("mcu_broadcast_sub_s8", -1)
_register_same_shape("arm_elementwise_add_s16", +1)
_register_same_shape("mcu_elementwise_sub_s16", -1)
_register_broadcast("mcu_broadcast_add_s16", +1)
_register_broadcast("mcu_broadcast_sub_s16", -1)


@twin("arm_elementwise_mul_s8", "arm_elementwise_mul_s16")
def arm_elementwise_mul_s8(in1, in2, off1, off2, out, out_off, out_m, out_sh, act_min, act_max,
                           block_size):
    out[:block_size] = _mul(in1[:block_size], in2[:block_size], off1, off2, out_off, out_m,
                            out_sh, act_min, act_max)


@twin("mcu_broadcast_mul_s8", "mcu_broadcast_mul_s16")
def mcu_broadcast_mul_s8(dims1, in1, dims2, in2, off1, off2, out_dims, out, out_off, out_m,
                         out_sh, act_min, act_max):
    a, b = np.broadcast_arrays(_nhwc(in1, dims1), _nhwc(in2, dims2))
    out[: out_dims.size] = _mul(a, b, off1, off2, out_off, out_m, out_sh, act_min,
                                act_max).reshape(-1)
