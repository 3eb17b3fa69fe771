"""Multiply-accumulate counts per operator, from shapes alone (works on float models too)."""
from __future__ import annotations

import numpy as np

from mcutool.ir import Graph, Operator


def op_macs(graph: Graph, op: Operator) -> int:
    try:
        return _op_macs(graph, op)
    except (ValueError, IndexError, KeyError, AttributeError):
        return 0  # a malformed operator; lowering names what is wrong with it


def _op_macs(graph: Graph, op: Operator) -> int:
    t = graph.tensors
    out = t[op.outputs[0]] if op.outputs else None
    if out is None:
        return 0
    if op.type == "CONV_2D":
        _, kh, kw, cin = t[op.inputs[1]].shape
        return out.size * kh * kw * cin
    if op.type == "DEPTHWISE_CONV_2D":
        _, kh, kw, _ = t[op.inputs[1]].shape
        return out.size * kh * kw
    if op.type == "FULLY_CONNECTED":
        return out.size * t[op.inputs[1]].shape[-1]
    if op.type in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
        return out.size * op.attrs.filter_h * op.attrs.filter_w
    if op.type == "MEAN":
        return t[op.inputs[0]].size
    if op.type in ("ADD", "SUB", "MUL"):
        return out.size
    return 0


def graph_macs(graph: Graph) -> list[int]:
    return [op_macs(graph, op) for op in graph.operators]


def weight_bytes(graph: Graph) -> int:
    return int(sum(t.nbytes for t in graph.tensors.values() if t.is_const))


def shape_text(shape) -> str:
    return "x".join(str(int(d)) for d in shape) if len(shape) else "scalar"


def quant_text(tensor) -> str:
    q = tensor.quant
    if q is None:
        return "-"
    if q.per_channel:
        return f"per-axis {q.axis} ({q.scale.size} scales {np.min(q.scale):.3g}..{np.max(q.scale):.3g})"
    return f"scale {float(q.scale[0]):.6g} zp {int(q.zero_point[0])}"
