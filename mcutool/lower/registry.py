"""Op type -> lowering function. Each op family's module registers itself here."""
from __future__ import annotations

from collections.abc import Callable

from mcutool.ir import Graph, Operator
from mcutool.lower.calls import Lowered

LowerFn = Callable[[Graph, Operator], Lowered]
LOWERINGS: dict[str, LowerFn] = {}


def lowering(*op_types: str):
    def register(fn: LowerFn) -> LowerFn:
        for t in op_types:
            LOWERINGS[t] = fn
        return fn
    return register
