"""Codebook weights: int8 weights that take few distinct values, stored as packed indices into
a small int8 table (Deep Compression's weight sharing).

Indices are a little-endian bit stream: index i occupies bits [i * bits, (i + 1) * bits) counted
from bit 0 of byte 0, so a 3-bit index may straddle two bytes; the last byte is zero-padded.
The table is sorted ascending, so the same weights always give the same bytes.

A graph records that its weights are codebooks (TFLite has no codebook type, so the .tflite
holds the decoded int8 weights) by the marker `codebook:K` in its description.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from mcutool.ir.graph import Graph
    from mcutool.ir.tensor import Tensor

MIN_K, MAX_K = 2, 16
_MARKER = re.compile(r"\bcodebook:(\d+)\b")


def marker(k: int) -> str:
    return f"codebook:{k}"


def with_marker(description: str, k: int) -> str:
    """The description with `codebook:k` as its only codebook marker."""
    return f"{_MARKER.sub('', description or '').strip()} {marker(k)}".strip()


def codebook_k(description: str) -> int | None:
    """K of the `codebook:K` marker in a graph's description, or None."""
    found = _MARKER.search(description or "")
    if found is None:
        return None
    k = int(found.group(1))
    return k if MIN_K <= k <= MAX_K else None


OPS = ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")   # the ops with codebook kernels


def qualifies(graph: Graph, w: Tensor) -> bool:
    """int8 constant weights of a marked graph with at most K distinct values."""
    k = codebook_k(graph.description)
    if k is None or w.dtype != "int8" or not w.is_const:
        return False
    return int(np.unique(np.asarray(w.values)).size) <= k


def stored_bytes(graph: Graph) -> dict[str, int]:
    """Weight tensor -> bytes it takes stored as a codebook (packed indices and table), for the
    weights of the ops that have codebook kernels (with int8 activations)."""
    found: dict[str, int] = {}
    for op in graph.operators:
        if op.type in OPS and len(op.inputs) > 1 and op.inputs[1] and op.inputs[1] in graph.tensors:
            w = graph.tensors[op.inputs[1]]
            # a layer with int16 activations (16x8) has no codebook kernel: plain int8 weights
            if qualifies(graph, w) and graph.tensors[op.inputs[0]].dtype != "int16":
                table = int(np.unique(np.asarray(w.values)).size)
                found[w.name] = (w.size * index_bits(table) + 7) // 8 + table
    return found


def index_bits(table_size: int) -> int:
    """Bits per index for a table of this many entries (1 for 1 or 2 entries)."""
    return max(1, (int(table_size) - 1).bit_length())


def encode(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 weights -> (indices, shape of values, int64; table, int8 sorted ascending)."""
    v = np.asarray(values).astype(np.int64)
    table, indices = np.unique(v.reshape(-1), return_inverse=True)
    return indices.reshape(v.shape), table.astype(np.int8)


def pack_indices(indices: np.ndarray, bits: int) -> np.ndarray:
    """Indices (each < 2**bits) -> uint8 bit stream, index 0 in the lowest bits of byte 0."""
    idx = np.asarray(indices).reshape(-1).astype(np.uint64)
    if idx.size and int(idx.max()) >= 1 << bits:
        raise ValueError(f"index {int(idx.max())} does not fit in {bits} bits")
    # one bit per row, LSB first, then eight bits per byte (little bit order)
    stream = ((idx[:, None] >> np.arange(bits, dtype=np.uint64)) & 1).astype(np.uint8).reshape(-1)
    return np.packbits(stream, bitorder="little")


def unpack_indices(packed: np.ndarray, bits: int, count: int) -> np.ndarray:
    """The first `count` indices (int64) of a bit stream made by pack_indices."""
    raw = np.asarray(packed).reshape(-1).view(np.uint8)
    if raw.size * 8 < count * bits:
        raise ValueError(f"{raw.size} bytes hold fewer than {count} {bits}-bit indices")
    stream = np.unpackbits(raw, bitorder="little")[:count * bits].reshape(count, bits).astype(np.int64)
    return stream @ (1 << np.arange(bits, dtype=np.int64))


def decode(packed: np.ndarray, bits: int, table: np.ndarray, count: int) -> np.ndarray:
    """The int8 weights of packed indices and their table."""
    return np.asarray(table, np.int8)[unpack_indices(packed, bits, count)]
