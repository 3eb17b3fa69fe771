"""TFLite's int16 interpolation tables (gen_lut for int16: 512 steps plus one end value for the
last slope) and the lookup that interpolates between their entries, as TFLite-Micro builds them
for the 16x8 SOFTMAX (exp on [-10, 0] and 1 / (1 + x) on [0, 1], outputs over [-1, 1]).

The table is computed in float32 exactly as the C++ template does with FloatT = float. exp is
the C library's expf (through ctypes, where there is one), which is what TFLite-Micro calls;
numpy's float32 exp can differ from it in the last bit.
"""
from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable
from functools import cache

import numpy as np

from mcutool.abi.types import SoftmaxLutS16
from mcutool.fixedpoint import tflite_round

F32 = np.float32
LUT_STEPS = 512


def _libm_expf() -> Callable[[np.float32], np.float32]:
    name = ctypes.util.find_library("m")
    if name is None:
        return lambda x: F32(np.exp(F32(x)))
    expf = ctypes.CDLL(name).expf
    expf.argtypes, expf.restype = [ctypes.c_float], ctypes.c_float
    return lambda x: F32(expf(float(x)))


EXPF = _libm_expf()


def one_over_one_plus_x(x: np.float32) -> np.float32:
    return F32(F32(1.0) / F32(F32(1.0) + F32(x)))


def gen_lut_s16(func: Callable[[np.float32], np.float32], input_min: float, input_max: float,
                output_min: float, output_max: float) -> np.ndarray:
    """513 int16 entries: entry i approximates func at input_min + i * step, nudged by half the
    error of linear interpolation at the middle of the step (TFLite's gen_lut)."""
    lo, hi = F32(input_min), F32(input_max)
    step = F32((hi - lo) / F32(LUT_STEPS))
    half_step = F32(step / F32(2))
    scaling_inv = F32(F32(65536.0) / F32(F32(output_max) - F32(output_min)))

    def rnd(v) -> np.float32:
        return F32(tflite_round(F32(v)))

    lut = np.empty(LUT_STEPS + 1, np.int16)
    for i in range(LUT_STEPS):
        x = F32(lo + F32(F32(i) * step))
        val = func(x)
        val_mid = func(F32(x + half_step))
        val_next = func(F32(lo + F32(F32(i + 1) * step)))
        sample = rnd(val * scaling_inv)
        interp = rnd(F32(F32(val_next * scaling_inv) + rnd(val * scaling_inv)) / F32(2))
        mid = rnd(val_mid * scaling_inv)
        bias = rnd(F32(interp - mid) / F32(2))
        lut[i] = int(np.clip(F32(sample - bias), -32768, 32767))
    lut[LUT_STEPS] = int(np.clip(rnd(func(hi) * scaling_inv), -32768, 32767))
    return lut


def lut_lookup_s16(value: np.ndarray, lut: np.ndarray) -> np.ndarray:
    """TFLite's int16 table lookup with interpolation: the top 9 bits pick an entry, the low 7
    interpolate towards the next (rounded)."""
    v = np.asarray(value, np.int64)
    index = 256 + (v >> 7)
    offset = v & 0x7F
    table = np.asarray(lut, np.int64)
    base = table[index]
    slope = (table[index + 1] - base).astype(np.int16).astype(np.int64)
    return (base + ((slope * offset + 64) >> 7)).astype(np.int16)


@cache
def _softmax_tables() -> tuple[bytes, bytes]:
    return (gen_lut_s16(EXPF, -10.0, 0.0, -1.0, 1.0).tobytes(),
            gen_lut_s16(one_over_one_plus_x, 0.0, 1.0, -1.0, 1.0).tobytes())


def softmax_luts_s16() -> SoftmaxLutS16:
    """TFLite-Micro's 16x8 SOFTMAX tables: exp on [-10, 0] and 1 / (1 + x) on [0, 1]."""
    exp_lut, one_by_one = _softmax_tables()
    return SoftmaxLutS16(np.frombuffer(exp_lut, np.int16).copy(), np.frombuffer(one_by_one, np.int16).copy())
