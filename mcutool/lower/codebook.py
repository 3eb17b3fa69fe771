"""Codebook weights in lowering: which int8 weight tensors are stored as packed indices plus a
table (the graph's `codebook:K` marker and at most K distinct values), and the operands the
mcu_*_codebook_s8 kernels take instead of the int8 weights."""
from __future__ import annotations

import numpy as np

from mcutool.ir import Graph, Tensor
from mcutool.ir.codebook import encode, index_bits, pack_indices, qualifies
from mcutool.lower.calls import ConstArray

CODEBOOK = "int8cb"   # the `lower` key: int8 activations, codebook weights


def is_codebook(graph: Graph, w: Tensor) -> bool:
    """int8 constant weights of a marked graph with at most K distinct values."""
    return qualifies(graph, w)


def codebook_operands(w: Tensor) -> list:
    """[packed indices (uint8), table (int8), bits per index], in the kernels' argument order."""
    indices, table = encode(np.asarray(w.values))
    bits = index_bits(table.size)
    return [ConstArray(pack_indices(indices, bits), "uint8_t"), ConstArray(table, "int8_t"), bits]


KERNELS = ("mcu_convolve_codebook_s8", "mcu_depthwise_conv_codebook_s8", "mcu_fully_connected_codebook_s8")


def flash_bytes(call) -> int:
    """Bytes of a codebook kernel call's weights in flash (packed indices and table); 0 for any
    other call."""
    if call.kernel not in KERNELS:
        return 0
    return sum(int(np.asarray(a.data).nbytes) for a in call.args if isinstance(a, ConstArray))
