"""Codebook (k-means) weights, `--weights codebook:K`: the int8 codes of each conv, depthwise and
fully connected layer (per-channel scales kept) clustered into K shared int8 values.

What is clustered: the int8 codes of the per-channel-quantized weights (round(w / scale)), one
table per layer shared by all its channels. The decoded weights are then ordinary int8 with
the same scales and bias, so TFLite-Micro runs the decoded model, and `generate` re-derives
the indices from it (mcutool/ir/codebook.py).

k-means is one-dimensional, over the histogram of the 255 possible codes (exact and fast), with
Deep Compression's linear initialisation (K centres evenly spread across [min, max]); Lloyd
iterations until nothing moves, then the centres are rounded to int8 and each code goes to its
nearest centre (ties to the smaller one). Deterministic.
"""
from __future__ import annotations

import numpy as np

from mcutool.errors import McutoolError
from mcutool.ir import Graph
from mcutool.ir.codebook import MAX_K, MIN_K, with_marker
from mcutool.ops import find

PREFIX = "codebook:"
OPS = ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")
_MAX_ITERATIONS = 100


class CodebookError(McutoolError):
    pass


def parse_weights(weights: str) -> int | None:
    """K of a `codebook:K` weight type, None for any other type; a CodebookError when malformed
    or K is outside 2..16."""
    if not weights.startswith("codebook"):
        return None
    text = weights[len(PREFIX):] if weights.startswith(PREFIX) else ""
    if not text.isdigit() or not MIN_K <= int(text) <= MAX_K:
        raise CodebookError(f"--weights {weights!r}: write codebook:K with K from {MIN_K} to {MAX_K}")
    return int(text)


def cluster_weights(w_int8: np.ndarray, k: int, axis: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """int8 weights -> (indices, table): at most k shared int8 values, w ~ table[indices].

    axis None: one table for the whole tensor (int8 [k'] with k' <= k distinct values, sorted;
    indices int64 of w's shape). axis given: one table per slice along it (tables [channels,
    k'], k' the largest count, rows padded with their last value; indices into each slice's row).
    """
    w = np.asarray(w_int8)
    if not MIN_K <= k <= MAX_K:
        raise ValueError(f"k must be in {MIN_K}..{MAX_K}, got {k}")
    if axis is not None:
        moved = np.moveaxis(w, axis, 0)
        parts = [cluster_weights(s, k) for s in moved]
        width = max(t.size for _, t in parts)
        tables = np.stack([np.pad(t, (0, width - t.size), mode="edge") for _, t in parts])
        return np.moveaxis(np.stack([i for i, _ in parts]), 0, axis), tables
    codes = w.astype(np.int64).reshape(-1)
    values, counts = np.unique(codes, return_counts=True)
    if values.size <= k:   # already few enough values: keep them exactly
        table = values
    else:
        table = _kmeans_1d(values.astype(np.float64), counts.astype(np.float64), k)
    table = np.unique(np.clip(np.round(table), -128, 127).astype(np.int64))
    # nearest centre, ties to the smaller one (the first in the sorted table)
    indices = np.abs(codes[:, None] - table[None, :]).argmin(axis=1)
    return indices.reshape(w.shape), table.astype(np.int8)


def _kmeans_1d(values: np.ndarray, weights: np.ndarray, k: int) -> np.ndarray:
    centres = np.linspace(values.min(), values.max(), k)
    for _ in range(_MAX_ITERATIONS):
        assign = np.abs(values[:, None] - centres[None, :]).argmin(axis=1)
        mass = np.bincount(assign, weights, minlength=k)
        sums = np.bincount(assign, weights * values, minlength=k)
        # an empty cluster keeps its centre (it may win values back later)
        new = np.where(mass > 0, sums / np.maximum(mass, 1e-300), centres)
        if np.array_equal(new, centres):
            break
        centres = new
    return centres


def apply_codebook(graph: Graph, k: int, layers: dict[str, int] | None = None) -> dict[str, int]:
    """Replace the int8 weights of every conv, depthwise and fully connected layer of a
    quantized graph by their k-means decoding (in place) and mark the graph; returns the
    table size chosen per weight tensor.

    layers: operator name -> K for those layers only (mixed precision); the marker is then the
    largest K, so every clustered layer qualifies (mcutool/ir/codebook.py). An int8 layer that
    happens to have at most that many distinct values is stored as a codebook too: the same
    weights, bit for bit, in fewer bytes."""
    sizes: dict[str, int] = {}
    for op in graph.operators:
        opdef = find(op.type)
        if op.type not in OPS or opdef is None or len(op.inputs) < 2 or not op.inputs[1]:
            continue
        if layers is not None:
            if op.name not in layers:
                continue
            k = layers[op.name]
        t = graph.tensors[op.inputs[1]]
        if t.dtype != "int8" or not t.is_const or t.name in sizes:
            continue
        indices, table = cluster_weights(np.asarray(t.values), k)
        t.data = table[indices].astype(np.int8)
        sizes[t.name] = int(table.size)
    if layers is not None:
        if not layers:
            return sizes
        k = max(layers.values())
    graph.description = with_marker(graph.description, k)
    return sizes


def mark_codebook(graph: Graph, weights: str) -> None:
    """An already-quantized graph with `--weights codebook:K`: mark it, so that its conv,
    depthwise and FC weights with at most K distinct values are stored as codebooks (they are
    not re-clustered: the model's outputs stay the input model's). Other weight types: nothing."""
    k = parse_weights(weights)
    if k is not None:
        graph.description = with_marker(graph.description, k)
