"""Comparing outputs element by element, and top-1 accuracy."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Comparison:
    samples: int
    mismatches: int          # output elements that differ, over all samples and outputs
    mismatching_samples: int
    max_abs_diff: float
    first_mismatch: int | None  # index of the first sample that differs


def compare_outputs(expected: list[list[np.ndarray]], actual: list[list[np.ndarray]]) -> Comparison:
    mismatches = 0
    bad_samples = 0
    max_diff = 0.0
    first = None
    for s, (exp, act) in enumerate(zip(expected, actual)):
        sample_bad = 0
        for e, a in zip(exp, act):
            e = np.asarray(e)
            a = np.asarray(a).reshape(e.shape)
            diff = np.abs(e.astype(np.float64) - a.astype(np.float64))
            sample_bad += int(np.count_nonzero(e != a))
            if diff.size:
                max_diff = max(max_diff, float(diff.max()))
        if sample_bad:
            bad_samples += 1
            first = s if first is None else first
        mismatches += sample_bad
    return Comparison(len(expected), mismatches, bad_samples, max_diff, first)


def top1_accuracy(outputs: list[list[np.ndarray]], labels: np.ndarray) -> float:
    predictions = np.array([int(np.argmax(np.asarray(o[0]).reshape(-1))) for o in outputs])
    return float(np.mean(predictions == np.asarray(labels).reshape(-1)))
