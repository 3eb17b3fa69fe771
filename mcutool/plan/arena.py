"""Offsets in one static arena: greedy placement, trying a few orderings, keeping the smallest.

Like TFLite-Micro's greedy planner, each buffer goes to the lowest offset where it does not
collide with an already placed buffer whose lifetime overlaps; unlike it, we try several
orders and align to 4 bytes rather than 16, so the arena is never larger than TFLM's.
"""
from __future__ import annotations

from dataclasses import dataclass

from mcutool.errors import McutoolError
from mcutool.lower import LoweredGraph
from mcutool.plan.lifetimes import Buffer, alias_roots, buffers

ALIGNMENT = 4
INT32_MAX = (1 << 31) - 1


def _align(n: int, alignment: int) -> int:
    return (n + alignment - 1) // alignment * alignment


def _place(order: list[Buffer], alignment: int) -> tuple[dict[str, int], int]:
    """Greedy placement. Placed buffers are indexed by the steps they are live at, so each
    buffer meets only those whose lifetimes overlap its own (not every buffer placed so far):
    close to O(n log n) for the long chains of real models rather than O(n^2)."""
    low = min((b.first for b in order), default=0)
    live_at: dict[int, list[tuple[int, int, int]]] = {}  # step -> (start, end, id) placed there
    offsets: dict[str, int] = {}
    peak = 0
    for ident, buf in enumerate(order):
        seen: set[int] = set()
        conflicts = []
        for step in range(buf.first, buf.last + 1):
            for start, end, other in live_at.get(step - low, ()):
                if other not in seen:
                    seen.add(other)
                    conflicts.append((start, end))
        conflicts.sort()
        offset = 0
        for start, end in conflicts:
            if offset + buf.size <= start:
                break
            offset = max(offset, _align(end, alignment))
        offsets[buf.name] = offset
        for step in range(buf.first, buf.last + 1):
            live_at.setdefault(step - low, []).append((offset, offset + buf.size, ident))
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
    if arena > INT32_MAX:  # the C addresses the arena with int32 offsets
        raise McutoolError(f"the model needs an arena of {arena:,} bytes; at most {INT32_MAX:,} are possible")
    roots = alias_roots(lowered)
    tensor_buffer = {t: b.name for b in bufs for t in b.tensors}
    for t, r in roots.items():
        tensor_buffer.setdefault(t, r)
    return MemoryPlan(offsets, bufs, tensor_buffer, arena, roots)
