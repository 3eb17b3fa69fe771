"""Range estimators on known distributions; streaming gives the same answer as one batch and
keeps a fixed amount of state."""
import numpy as np
import pytest

from mcutool.quantize.observers import HistogramObserver, MinMaxObserver, estimate_range
from mcutool.quantize.params import activation_params


def observe(values: np.ndarray, chunks: int = 7):
    mm = MinMaxObserver()
    for part in np.array_split(values, chunks):
        mm.update(part)
    hist = HistogramObserver(*mm.range())
    for part in np.array_split(values, chunks):
        hist.update(part)
    return mm, hist


def test_minmax_is_exact_and_streaming():
    rng = np.random.default_rng(0)
    values = rng.uniform(-3.0, 5.0, 100_000).astype(np.float32)
    mm, _ = observe(values)
    assert mm.range() == (float(values.min()), float(values.max()))


def test_percentile_on_normal():
    values = np.random.default_rng(1).normal(0, 1, 400_000)
    _, hist = observe(values)
    lo, hi = hist.percentile_range(99.9)
    # The 0.1% / 99.9% quantiles of N(0, 1) are -+3.09; one histogram bin is ~0.005 wide.
    assert lo == pytest.approx(np.quantile(values, 0.001), abs=0.02)
    assert hi == pytest.approx(np.quantile(values, 0.999), abs=0.02)
    assert hist.percentile_range(100.0) == pytest.approx((values.min(), values.max()), abs=0.01)


def fq_mse(values, lo, hi):
    scale, zp = activation_params(lo, hi)
    q = np.clip(np.round(values / scale) + zp, -128, 127)
    return float(np.mean(((q - zp) * scale - values) ** 2))


def test_mse_clips_long_tails_and_beats_minmax():
    values = np.random.default_rng(2).laplace(0, 1, 300_000)
    mm, hist = observe(values)
    lo, hi = hist.mse_range()
    assert values.min() < lo < 0 < hi < values.max()
    assert hi < 0.8 * values.max()
    assert fq_mse(values, lo, hi) < 0.7 * fq_mse(values, *mm.range())


def test_mse_keeps_uniform_range():
    values = np.random.default_rng(3).uniform(0, 4, 100_000)
    _, hist = observe(values)
    lo, hi = hist.mse_range()
    assert lo == 0.0 and hi > 0.95 * 4


def test_kl_on_relu_output():
    """A ReLU output with many exact zeros and an exponential tail: KL clips the tail but not
    the bulk, and ignores the spike at zero."""
    rng = np.random.default_rng(4)
    values = np.maximum(rng.normal(0, 1, 200_000), 0) ** 2
    _, hist = observe(values)
    lo, hi = hist.kl_range()
    assert lo == 0.0
    assert np.quantile(values, 0.99) < hi <= values.max()
    assert hist.zeros == np.count_nonzero(values == 0)


def test_kl_two_sided_is_symmetric_threshold():
    values = np.random.default_rng(5).standard_t(3, 200_000)
    _, hist = observe(values)
    lo, hi = hist.kl_range()
    assert values.min() <= lo < 0 < hi <= values.max()
    assert hi < values.max() and lo > values.min()


def test_state_is_flat():
    hist = HistogramObserver(-1, 1)
    before = hist.counts.nbytes
    for _ in range(50):
        hist.update(np.random.default_rng(0).uniform(-1, 1, 10_000))
    assert hist.counts.nbytes == before and hist.counts.sum() + hist.zeros == 500_000


@pytest.mark.parametrize("method", ["minmax", "percentile", "mse", "kl"])
def test_every_estimator_on_constant_tensor(method):
    mm, hist = observe(np.zeros(1000))
    lo, hi = estimate_range(mm, hist, method)
    scale, zp = activation_params(lo, hi)
    assert scale > 0 and -128 <= zp <= 127


def test_activation_params_follow_tflite():
    assert activation_params(0.0, 2.55) == (pytest.approx(0.01), -128)
    scale, zp = activation_params(-1.0, 1.0)
    assert scale == pytest.approx(2 / 255) and zp in (-1, 0)
    scale, zp = activation_params(0.5, 3.0)  # the range always contains 0
    assert zp == -128 and scale == pytest.approx(3 / 255)


@pytest.mark.slow
@pytest.mark.parametrize("method", ["minmax", "mse"])
def test_calibration_memory_does_not_grow_with_samples(method):
    import tracemalloc

    import float_models as fm

    from mcutool.quantize.calibrate import calibrate
    graph = fm.structural_model()

    def peak(n):
        x = fm.samples(graph, n)
        tracemalloc.start()
        calibrate(graph, x, method, batch_size=32)
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    small, large = peak(64), peak(512)  # 8x the samples (x itself is allocated before)
    assert large < 1.3 * small, (small, large)
