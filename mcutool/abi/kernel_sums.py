"""Kernel sums for CMSIS-NN's Helium fully connected path, computed offline.

arm_vector_sum_s8(sums, cols, rows, weights, lhs_offset, rhs_offset, bias) gives, per output
row r: bias[r] + lhs_offset * (sum_k w[r, k] + cols * rhs_offset), in wrapping int32 (the
Helium kernel then starts each accumulator from it and ignores the bias). TFLite-Micro's
CMSIS-NN glue calls it at Prepare with lhs_offset = the input offset (-input zero point),
rhs_offset = the filter offset (0 for symmetric weights) and the bias.
"""
from __future__ import annotations

import numpy as np


def _wrap(values: np.ndarray) -> np.ndarray:
    return ((values.astype(np.int64) + (1 << 31)) % (1 << 32) - (1 << 31)).astype(np.int32)


def vector_sum_s8(weights: np.ndarray, lhs_offset: int, rhs_offset: int,
                  bias: np.ndarray | None) -> np.ndarray:
    """weights [rows, cols] int8 -> int32 [rows], as arm_vector_sum_s8 computes it."""
    w = np.asarray(weights, np.int64)
    rows, cols = w.shape
    sums = _wrap(w.sum(axis=1) + cols * int(rhs_offset)).astype(np.int64)  # C's int32 sum
    sums = _wrap(sums * int(lhs_offset)) if lhs_offset else np.zeros(rows, np.int64)
    base = np.zeros(rows, np.int64) if bias is None else np.asarray(bias, np.int64).reshape(rows)
    return _wrap(base + np.asarray(sums, np.int64))
