"""Offsets in one static arena: greedy placement, trying a few orderings, keeping the smallest.

Like TFLite-Micro's greedy planner, each buffer goes to the lowest offset where it does not
collide with an already placed buffer whose lifetime overlaps; unlike it, we try several
orders and align to 4 bytes rather than 16, so the arena is never larger than TFLM's.
"""
from __future__ import annotations

from dataclasses import dataclass

from mcutool.lower import LoweredGraph
from mcutool.plan.lifetimes import Buffer, alias_roots, buffers

ALIGNMENT = 4


def _align(n: int, alignment: int) -> int:
    return (n + alignment - 1) // alignment * alignment


def _place(order: list[Buffer], alignment: int) -> tuple[dict[str, int], int]:
    placed: list[tuple[Buffer, int]] = []
    offsets: dict[str, int] = {}
    peak = 0
    for buf in order:
        conflicts = sorted((off, off + b.size) for b, off in placed if b.overlaps(buf))
        offset = 0
        for start, end in conflicts:
            if offset + buf.size <= start:
                break
            offset = max(offset, _align(end, alignment))
        offsets[buf.name] = offset
        placed.append((buf, offset))
        peak = max(peak, offset + buf.size)
    return offsets, _align(peak, alignment)


@dataclass
class MemoryPlan:
    offsets: dict[str, int]        # buffer name -> offset
    buffers: list[Buffer]
    tensor_buffer: dict[str, str]  # activation tensor -> buffer name
    arena_bytes: int
    alias_root: dict[str, str]     # RESHAPE/SQUEEZE output -> the tensor whose bytes it is

    def const_root(self, tensor: str, graph) -> str | None:
        """The constant a tensor is a view of, if it is one."""
        root = self.alias_root.get(tensor, tensor)
        return root if graph.tensors[root].is_const else None

    def tensor_offset(self, tensor: str) -> int:
        return self.offsets[self.tensor_buffer[tensor]]

    def scratch_offset(self, step: int) -> int | None:
        return self.offsets.get(f"scratch:{step}")

    def live_bytes(self, step: int) -> int:
        return sum(b.size for b in self.buffers if b.first <= step <= b.last)


def plan_memory(lowered: LoweredGraph, alignment: int = ALIGNMENT) -> MemoryPlan:
    bufs = buffers(lowered)
    orders = [
        sorted(bufs, key=lambda b: (-b.size, b.first, b.name)),
        sorted(bufs, key=lambda b: (-(b.last - b.first), -b.size, b.name)),
        sorted(bufs, key=lambda b: (b.first, -b.size, b.name)),
        sorted(bufs, key=lambda b: (-b.size * (b.last - b.first + 1), b.name)),
    ]
    best = min((_place(order, alignment) for order in orders), key=lambda r: r[1])
    offsets, arena = best
    roots = alias_roots(lowered)
    tensor_buffer = {t: b.name for b in bufs for t in b.tensors}
    for t, r in roots.items():
        tensor_buffer.setdefault(t, r)
    return MemoryPlan(offsets, bufs, tensor_buffer, arena, roots)
