"""Streaming range estimators for one activation tensor.

Each observer sees the tensor's values batch by batch and keeps a fixed amount of state, so
memory does not grow with the number of calibration samples:

- MinMaxObserver: the running minimum and maximum (what TensorFlow's converter uses).
- HistogramObserver: a fixed-bin histogram over a range known in advance (the min-max of a
  first pass). Exact bins beat a histogram that re-bins as the range grows, at the cost of a
  second pass. From it:
  - percentile: clip each tail at the given percentile;
  - mse: the [lo, hi] whose int8 grid (with TFLite's zero-point nudging) gives the smallest
    mean squared error over the histogram, clipping and rounding together;
  - kl: TensorRT-style entropy calibration, the clipping threshold whose quantized
    distribution is closest in KL divergence to the observed one.
"""
from __future__ import annotations

import numpy as np

from mcutool.quantize.params import MIN_SPAN, QMAX, QMIN, activation_params

METHODS = ("minmax", "percentile", "mse", "kl")
HISTOGRAM_METHODS = ("percentile", "mse", "kl")
DEFAULT_BINS = 2048


class MinMaxObserver:
    def __init__(self) -> None:
        self.lo = np.inf
        self.hi = -np.inf
        self.count = 0

    def update(self, values: np.ndarray) -> None:
        if values.size:
            self.lo = min(self.lo, float(values.min()))
            self.hi = max(self.hi, float(values.max()))
            self.count += values.size

    def range(self) -> tuple[float, float]:
        if self.count == 0:
            return 0.0, 0.0
        return self.lo, self.hi


class HistogramObserver:
    def __init__(self, lo: float, hi: float, bins: int = DEFAULT_BINS) -> None:
        # Bins always span 0 so that the zero of the int8 grid is a bin edge region we cover.
        self.lo, self.hi = min(float(lo), 0.0), max(float(hi), 0.0)
        if self.hi - self.lo < MIN_SPAN:
            self.hi = self.lo + MIN_SPAN
        self.bins = bins
        self.counts = np.zeros(bins, np.float64)
        # Exact zeros (most of a ReLU output) are kept apart: 0.0 is always exact on the int8
        # grid, so they carry no error, and as a spike in the first bin they would pull the
        # KL threshold far too low.
        self.zeros = 0.0

    @property
    def width(self) -> float:
        return (self.hi - self.lo) / self.bins

    @property
    def centers(self) -> np.ndarray:
        return self.lo + (np.arange(self.bins) + 0.5) * self.width

    def update(self, values: np.ndarray) -> None:
        values = values.ravel()
        nonzero = values[values != 0]
        self.zeros += values.size - nonzero.size
        idx = np.floor((nonzero.astype(np.float64) - self.lo) / self.width)
        idx = np.clip(idx, 0, self.bins - 1).astype(np.int64)
        self.counts += np.bincount(idx, minlength=self.bins)

    # -- estimators ---------------------------------------------------------------------------
    def percentile_range(self, percentile: float = 99.99) -> tuple[float, float]:
        counts = self.counts.copy()
        counts[min(int((0.0 - self.lo) / self.width), self.bins - 1)] += self.zeros
        total = counts.sum()
        if total == 0:
            return 0.0, 0.0
        tail = total * (100.0 - percentile) / 100.0
        cdf = np.cumsum(counts)
        edges = self.lo + np.arange(self.bins + 1) * self.width
        first = int(np.searchsorted(cdf, tail, side="right"))          # bins fully below: clipped
        last = int(np.searchsorted(cdf, total - tail, side="left"))    # first bin reaching the top
        lo = edges[min(first, self.bins - 1)]
        hi = edges[min(last + 1, self.bins)]
        return float(min(lo, 0.0)), float(max(hi, 0.0))

    def mse_range(self, grid: int = 48) -> tuple[float, float]:
        """Search lo = a * self.lo, hi = b * self.hi over a grid of shrink factors."""
        if self.counts.sum() == 0:
            return 0.0, 0.0
        factors = np.linspace(1.0 / grid, 1.0, grid)
        los = self.lo * factors if self.lo < 0 else np.zeros(1)
        his = self.hi * factors if self.hi > 0 else np.zeros(1)
        pairs = np.array([(lo, hi) for lo in los for hi in his])
        errors = self.quantization_errors(pairs)
        lo, hi = pairs[int(np.argmin(errors))]
        return float(lo), float(hi)

    def quantization_errors(self, pairs: np.ndarray) -> np.ndarray:
        """Sum over the histogram of (x - fake_quant(x))^2 for each candidate [lo, hi]."""
        x = self.centers
        used = self.counts > 0
        x, c = x[used], self.counts[used]
        errors = np.empty(len(pairs))
        for start in range(0, len(pairs), 256):  # bounded memory: 256 candidates at a time
            chunk = pairs[start:start + 256]
            params = [activation_params(lo, hi) for lo, hi in chunk]
            scale = np.array([s for s, _ in params])[:, None]
            zp = np.array([z for _, z in params])[:, None]
            q = np.clip(np.floor(x / scale + 0.5) + zp, QMIN, QMAX)
            errors[start:start + 256] = (((q - zp) * scale - x) ** 2 * c).sum(axis=1)
        return errors

    def kl_range(self, stride: int = 4) -> tuple[float, float]:
        if self.counts.sum() == 0:
            return 0.0, 0.0
        if self.lo >= 0.0:  # one-sided (after a ReLU): all 256 levels on [0, T]
            threshold = _kl_threshold(self.counts, self.width, levels=QMAX - QMIN, stride=stride)
            return 0.0, threshold
        # Two-sided: as TensorRT, fold to |x| and use 128 levels for the magnitude.
        peak = max(-self.lo, self.hi)
        folded, _ = np.histogram(np.abs(self.centers), bins=self.bins, range=(0.0, peak),
                                 weights=self.counts)
        threshold = _kl_threshold(folded, peak / self.bins, levels=128, stride=stride)
        return max(self.lo, -threshold), min(self.hi, threshold)


def _kl_threshold(hist: np.ndarray, width: float, levels: int, stride: int) -> float:
    """The clip threshold (in real units) minimising KL(P || Q) as in TensorRT's calibrator."""
    bins = len(hist)
    if bins <= levels:
        return bins * width
    best_i, best_kl = bins, np.inf
    for i in list(range(levels, bins, stride)) + [bins]:
        p = hist[:i].copy()
        p[-1] += hist[i:].sum()                     # clipped outliers pile up in the last bin
        # Q: the first i bins merged into `levels` groups, then spread back over the
        # non-empty bins of each group.
        starts = (np.arange(levels) * i) // levels
        src = hist[:i]
        group_sum = np.add.reduceat(src, starts)
        group_nonzero = np.add.reduceat((src > 0).astype(np.float64), starts)
        group_of_bin = np.repeat(np.arange(levels), np.diff(np.append(starts, i)))
        q = np.where(src > 0, group_sum[group_of_bin] / np.maximum(group_nonzero[group_of_bin], 1), 0.0)
        kl = _kl_divergence(p, q)
        if kl < best_kl:
            best_i, best_kl = i, kl
    return best_i * width


def _kl_divergence(p: np.ndarray, q: np.ndarray) -> float:
    p = p / p.sum()
    q_total = q.sum()
    if q_total == 0:
        return np.inf
    q = q / q_total
    mask = p > 0
    # Bins where P has mass but Q has none: smooth Q instead of returning infinity.
    q = np.where(mask & (q == 0), 1e-12, q)
    return float(np.sum(p[mask] * np.log(p[mask] / q[mask])))


def estimate_range(minmax: MinMaxObserver, hist: HistogramObserver | None, method: str,
                   percentile: float = 99.99) -> tuple[float, float]:
    if method == "minmax" or hist is None:
        return minmax.range()
    if method == "percentile":
        return hist.percentile_range(percentile)
    if method == "mse":
        return hist.mse_range()
    if method == "kl":
        return hist.kl_range()
    raise ValueError(f"unknown calibration method {method!r}; choose from {', '.join(METHODS)}")
