"""Top-1 accuracy of the float graph (numpy) and of int8 graphs (the integer reference, which
is bit-exact with TFLite-Micro and the generated C). No torch needed."""
from __future__ import annotations

import numpy as np

from mcutool.data import to_model_input
from mcutool.ir import Graph
from mcutool.ir.analysis import weight_bytes
from mcutool.lower import lower_graph
from mcutool.reference import run_reference
from mcutool.reference.float_exec import run_float_batches


def float_accuracy(graph: Graph, x: np.ndarray, y: np.ndarray) -> float:
    out = run_float_batches(graph, x)[0].reshape(len(x), -1)
    return float(np.mean(out.argmax(1) == y))


def int8_outputs(graph: Graph, x: np.ndarray) -> np.ndarray:
    """The int8 codes of the output per sample, (N, size)."""
    lowered = lower_graph(graph)
    q = to_model_input(graph, x)
    return np.stack([run_reference(lowered, [q[k]])[0].reshape(-1) for k in range(len(x))])


def int8_tensors(graph: Graph, x: np.ndarray, names: list[str]) -> dict[str, np.ndarray]:
    """The int8 codes of the named tensors per sample, each (N, size)."""
    lowered = lower_graph(graph)
    q = to_model_input(graph, x)
    runs = [run_reference(lowered, [q[k]], keep_all=True) for k in range(len(x))]
    return {n: np.stack([r[n].reshape(-1) for r in runs]) for n in names}


def int8_accuracy(graph: Graph, x: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(int8_outputs(graph, x).argmax(1) == y))


def weight_flash_bytes(graph: Graph) -> int:
    """Bytes of the model's constants as stored (int4 weights two per byte)."""
    return weight_bytes(graph)
