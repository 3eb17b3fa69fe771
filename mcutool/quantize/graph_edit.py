"""Small float-graph edits the preparation passes, equalization and bias correction share."""
from __future__ import annotations

import numpy as np

from mcutool.ir import Graph, Operator, Tensor
from mcutool.ops import find


def weight_axis(op: Operator) -> int | None:
    """The per-channel axis of the op's weights (input 1), or None for ops without weights."""
    opdef = find(op.type)
    return opdef.quant.weight_axis if opdef else None


def single_reader(g: Graph, name: str) -> Operator | None:
    """The one operator reading `name`, if exactly one does and it is not a graph output."""
    if name in g.outputs:
        return None
    readers = [op for op in g.operators if name in op.inputs]
    return readers[0] if len(readers) == 1 and readers[0].inputs.count(name) == 1 else None


def rename_reads(g: Graph, old: str, new: str) -> None:
    for op in g.operators:
        op.inputs = [new if n == old else n for n in op.inputs]
    g.outputs = [new if n == old else n for n in g.outputs]


def own_const(g: Graph, op: Operator, slot: int, data: np.ndarray) -> None:
    """Give `op` its own copy of a constant input before changing it (others may share it)."""
    name = op.inputs[slot]
    t = g.tensors[name]
    shared = sum(o.inputs.count(name) for o in g.operators) > 1
    if shared:
        new = name
        k = 1
        while new in g.tensors:
            new, k = f"{name}_{k}", k + 1
        g.add_tensor(Tensor(new, t.shape, "float32", None, data.astype(np.float32)))
        op.inputs[slot] = new
    else:
        t.data = np.asarray(data, np.float32).reshape(t.shape)


def is_float_const(g: Graph, name: str) -> bool:
    return bool(name) and g.tensors[name].is_const and g.tensors[name].dtype == "float32"


def bias_of(g: Graph, op: Operator, channels: int) -> np.ndarray:
    """The op's float bias, creating a zero bias tensor when it has none."""
    if len(op.inputs) > 2 and op.inputs[2]:
        return np.asarray(g.tensors[op.inputs[2]].data).reshape(channels).astype(np.float32)
    name, k = f"{op.name}/bias", 1
    while name in g.tensors:
        name, k = f"{op.name}/bias_{k}", k + 1
    g.add_tensor(Tensor(name, (channels,), "float32", None, np.zeros(channels, np.float32)))
    op.inputs = (op.inputs + [""] * 3)[:2] + [name]
    return np.zeros(channels, np.float32)
