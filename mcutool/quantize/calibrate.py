"""Calibration: stream sample batches through the float graph and estimate each activation's
range.

minmax needs one pass. The histogram methods need two: the first finds each tensor's min-max,
the second fills a fixed-bin histogram over it. Only observers are kept between batches, never
activations, so memory is flat in the number of samples.
"""
from __future__ import annotations

import numpy as np

from mcutool.ir import Graph
from mcutool.progress import progress_bar
from mcutool.quantize.observers import HISTOGRAM_METHODS, METHODS, HistogramObserver, MinMaxObserver, estimate_range
from mcutool.reference.float_exec import run_float

DEFAULT_BATCH = 32


def batches(x: np.ndarray, batch_size: int):
    for start in range(0, len(x), batch_size):
        yield x[start:start + batch_size]


def activation_names(graph: Graph) -> list[str]:
    """Every non-constant tensor: graph inputs and operator outputs."""
    names = list(graph.inputs)
    for op in graph.operators:
        names.extend(n for n in op.outputs if n not in names)
    return names


def calibrate(graph: Graph, x: np.ndarray, method: str = "minmax", batch_size: int = DEFAULT_BATCH,
              percentile: float = 99.99, progress: bool = False) -> dict[str, tuple[float, float]]:
    """Real range [lo, hi] of every activation tensor of a float graph, from samples x (N, ...)."""
    if method not in METHODS:
        raise ValueError(f"unknown calibration method {method!r}; choose from {', '.join(METHODS)}")
    names = activation_names(graph)
    minmax = {n: MinMaxObserver() for n in names}
    passes = 2 if method in HISTOGRAM_METHODS else 1
    steps = passes * ((len(x) + batch_size - 1) // batch_size)
    with progress_bar(steps, f"calibrating ({method})", progress) as bar:
        for chunk in batches(x, batch_size):
            run_float(graph, [chunk], visit=lambda name, v: minmax[name].update(v))
            bar.update(1)
        hists = None
        if passes == 2:
            hists = {n: HistogramObserver(*minmax[n].range()) for n in names}
            for chunk in batches(x, batch_size):
                run_float(graph, [chunk], visit=lambda name, v: hists[name].update(v))
                bar.update(1)
    return {n: estimate_range(minmax[n], hists[n] if hists else None, method, percentile) for n in names}
