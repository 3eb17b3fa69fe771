"""The three-way check every op test uses: TFLite-Micro == numpy reference == generated C.

    from bitexact import check_bit_exact
    check_bit_exact(graph, n=20, seed=1)
"""
from __future__ import annotations

import tempfile

import numpy as np

from mcutool import api
from mcutool.frontends.tflite import write_tflite
from mcutool.ir import Graph
from mcutool.oracle.tflm import run_tflm_batch


def random_samples(graph: Graph, n: int, seed: int) -> list[list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    samples = []
    for _ in range(n):
        sample = []
        for name in graph.inputs:
            t = graph.tensors[name]
            if t.dtype == "float32":
                span = 128 * (t.scale if t.quant is not None else 0.05)
                sample.append(rng.uniform(-1.1 * span, 1.1 * span, t.shape).astype(np.float32))
            else:
                info = np.iinfo(t.dtype)
                sample.append(rng.integers(info.min, info.max, t.shape, endpoint=True).astype(t.dtype))
        samples.append(sample)
    return samples


def _diff(a: np.ndarray, b: np.ndarray) -> str:
    a = np.asarray(a)
    b = np.asarray(b).reshape(a.shape)
    bad = a != b
    diff = np.abs(a.astype(np.float64) - b.astype(np.float64))
    return f"{int(bad.sum())}/{a.size} elements differ, max |diff| {diff.max():g}"


def assert_same(expected, actual, what: str) -> None:
    for s, (exp, act) in enumerate(zip(expected, actual)):
        for k, (e, a) in enumerate(zip(exp, act)):
            e = np.asarray(e)
            a = np.asarray(a).reshape(e.shape)
            assert e.dtype == a.dtype, f"{what}: sample {s} output {k}: dtype {a.dtype} != {e.dtype}"
            assert np.array_equal(e, a), f"{what}: sample {s} output {k}: {_diff(e, a)}"


def check_bit_exact(graph: Graph, samples: list[list[np.ndarray]] | None = None, n: int = 20,
                    seed: int = 0, run_c: bool = True, sanitize: bool = True) -> list[list[np.ndarray]]:
    """Assert TFLite-Micro, the reference executor and the host C agree bit for bit.

    Returns TFLite-Micro's outputs (per sample) for further checks.
    """
    if samples is None:
        samples = random_samples(graph, n, seed)
    compiled = api.compile_graph(graph)
    expected = run_tflm_batch(write_tflite(graph), samples)
    assert_same(expected, api.reference(compiled, samples), "reference executor vs TFLite-Micro")
    if run_c:
        with tempfile.TemporaryDirectory(prefix="mcutool-test-") as tmp:
            out = api.generate(compiled, f"{tmp}/gen", source_name=graph.name)
            c_outputs = api.run(out, samples, sanitize=sanitize)
        assert_same(expected, c_outputs, "generated C vs TFLite-Micro")
    return expected
