"""Lowering: each IR operator becomes kernel calls with every integer parameter computed
(multipliers, shifts, clamps, offsets), as TFLite-Micro's Prepare step does."""
from __future__ import annotations

from dataclasses import dataclass

from mcutool.errors import UnsupportedOpsError
from mcutool.ir import Graph

# Importing the family modules registers their lowerings.
from mcutool.lower import activations, conv, elementwise, nonlinear, pooling, quantize, shapes  # noqa: F401
from mcutool.lower.calls import ConstArray, KernelCall, Lowered, Scratch, TensorArg, Unsupported
from mcutool.lower.registry import LOWERINGS


@dataclass
class LoweredGraph:
    graph: Graph
    ops: list[Lowered]   # one per graph operator, in graph order

    @property
    def calls(self) -> list[KernelCall]:
        return [c for low in self.ops for c in low.calls]


def lower_graph(graph: Graph) -> LoweredGraph:
    """Lower every operator; report all unsupported ones at once."""
    graph.validate()
    lowered: list[Lowered] = []
    problems: list[tuple[int, str, str]] = []
    for i, op in enumerate(graph.operators):
        fn = LOWERINGS.get(op.type)
        if fn is None:
            problems.append((i, op.type, "operator not supported"))
            continue
        try:
            lowered.append(fn(graph, op))
        except Unsupported as exc:
            problems.append((i, op.type, str(exc)))
        except (ArithmeticError, ValueError) as exc:  # e.g. a denormal or infinite scale
            problems.append((i, op.type, f"invalid quantization parameters ({exc})"))
    if problems:
        raise UnsupportedOpsError(problems)
    return LoweredGraph(graph, lowered)


__all__ = ["ConstArray", "KernelCall", "Lowered", "LoweredGraph", "Scratch", "TensorArg",
           "Unsupported", "lower_graph"]
