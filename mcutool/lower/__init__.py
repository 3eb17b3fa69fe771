"""Lowering: each IR operator becomes kernel calls with every integer parameter computed
(multipliers, shifts, clamps, offsets), as TFLite-Micro's Prepare step does. Each operator's
lowering is in its OpDef (mcutool/ops/); the modules here hold what a family of ops shares."""
from __future__ import annotations

from mcutool.errors import UnsupportedOpsError
from mcutool.ir import Graph
from mcutool.lower.calls import ConstArray, KernelCall, Lowered, LoweredGraph, Scratch, TensorArg, Unsupported
from mcutool.ops.opdef import find

# The data type every operator is lowered for today; int16 and int4 lowerings will sit beside
# the int8 ones in each OpDef's `lower` mapping.
DATA_TYPE = "int8"


def lower_graph(graph: Graph) -> LoweredGraph:
    """Lower every operator; report all unsupported ones at once."""
    graph.validate()
    lowered: list[Lowered] = []
    problems: list[tuple[int, str, str]] = []
    for i, op in enumerate(graph.operators):
        opdef = find(op.type)
        fn = opdef.lower.get(DATA_TYPE) if opdef else None
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
