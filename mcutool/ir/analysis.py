"""Graph analysis from shapes alone (works on float models too): multiply-accumulates per
operator (each OpDef's `macs`), weight bytes, and the shape and quantization texts reports use."""
from __future__ import annotations

import numpy as np

from mcutool.ir.codebook import stored_bytes
from mcutool.ir.graph import Graph, Operator
from mcutool.ops import find


def op_macs(graph: Graph, op: Operator) -> int:
    opdef = find(op.type)
    if opdef is None or not op.outputs:
        return 0
    try:
        return opdef.macs(graph, op)
    except (ValueError, IndexError, KeyError, AttributeError):
        return 0  # a malformed operator; lowering names what is wrong with it


def graph_macs(graph: Graph) -> list[int]:
    return [op_macs(graph, op) for op in graph.operators]


def weight_bytes(graph: Graph) -> int:
    """Bytes of the constants as stored: sub-byte types packed, codebook weights as their
    packed indices and table (mcutool/ir/codebook.py)."""
    coded = stored_bytes(graph)
    return int(sum(coded.get(name, t.nbytes) for name, t in graph.tensors.items() if t.is_const))


def shape_text(shape) -> str:
    return "x".join(str(int(d)) for d in shape) if len(shape) else "scalar"


def quant_text(tensor) -> str:
    q = tensor.quant
    if q is None:
        return "-"
    if q.per_channel:
        return f"per-axis {q.axis} ({q.scale.size} scales {np.min(q.scale):.3g}..{np.max(q.scale):.3g})"
    return f"scale {float(q.scale[0]):.6g} zp {int(q.zero_point[0])}"
