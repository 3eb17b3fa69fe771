"""Buffers and their lifetimes over the schedule (operator order).

A buffer is the memory of one activation tensor, shared by its aliases (RESHAPE/SQUEEZE
outputs), or one operator's scratch. It is live from the step that first writes it to the last
step that reads it; graph inputs are live from before the first step, outputs until the end.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from mcutool.errors import McutoolError
from mcutool.lower import LoweredGraph


@dataclass
class Buffer:
    name: str            # root tensor name, or "scratch:<op index>"
    size: int            # bytes
    first: int           # first step it is live (-1 = before the first operator)
    last: int            # last step it is live
    tensors: list[str] = field(default_factory=list)  # tensors stored in it

    def overlaps(self, other: Buffer) -> bool:
        return self.first <= other.last and other.first <= self.last


def alias_roots(lowered: LoweredGraph) -> dict[str, str]:
    """Tensor name -> the tensor whose memory it uses (itself unless aliased)."""
    root: dict[str, str] = {}
    for low in lowered.ops:
        if low.alias is not None:
            out, src = low.alias
            root[out] = root.get(src, src)
    return root


def buffers(lowered: LoweredGraph) -> list[Buffer]:
    graph = lowered.graph
    root = alias_roots(lowered)
    steps = len(graph.operators)
    by_root: dict[str, Buffer] = {}

    def touch(tensor: str, step: int) -> None:
        r = root.get(tensor, tensor)
        if graph.tensors[r].is_const:  # constants, and reshaped views of them, stay in flash
            return
        buf = by_root.get(r)
        if buf is None:
            buf = by_root[r] = Buffer(r, graph.tensors[r].nbytes, step, step)
        buf.first = min(buf.first, step)
        buf.last = max(buf.last, step)
        if tensor not in buf.tensors:
            buf.tensors.append(tensor)

    for name in graph.inputs:
        touch(name, -1)
    for step, op in enumerate(graph.operators):
        for name in op.outputs:
            touch(name, step)
        for name in op.inputs:
            if name:
                touch(name, step)
    for name in graph.outputs:
        if graph.tensors[root.get(name, name)].is_const:
            raise McutoolError(f"graph output {name!r} is a reshaped constant, not computed by the model")
        touch(name, steps)
    result = list(by_root.values())
    for step, low in enumerate(lowered.ops):
        scratch = max((c.scratch_bytes for c in low.calls), default=0)
        if scratch:
            result.append(Buffer(f"scratch:{step}", scratch, step, step))
    return result
