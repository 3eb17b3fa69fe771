"""Lowering: each IR operator becomes kernel calls with every integer parameter computed
(multipliers, shifts, clamps, offsets), as TFLite-Micro's Prepare step does."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mcutool.abi import CONTEXT, DEFAULT_ISA, Isa, context_for
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
    isa: Isa = DEFAULT_ISA   # the instruction set the calls' contexts are laid out for

    @property
    def calls(self) -> list[KernelCall]:
        return [c for low in self.ops for c in low.calls]


def _const_of(graph: Graph):
    def const_of(arg) -> np.ndarray | None:
        if isinstance(arg, ConstArray):
            return np.asarray(arg.data)
        if isinstance(arg, TensorArg) and graph.tensors[arg.name].is_const:
            return np.asarray(graph.tensors[arg.name].data)
        return None
    return const_of


def _resolve_contexts(graph: Graph, low: Lowered, isa: Isa) -> None:
    """Replace each CONTEXT operand with what the kernel's context holds on `isa`."""
    const_of = _const_of(graph)
    for call in low.calls:
        call.args = [context_for(call.kernel, call.args, isa, const_of) if a is CONTEXT else a
                     for a in call.args]


def lower_graph(graph: Graph, isa: Isa = DEFAULT_ISA) -> LoweredGraph:
    """Lower every operator for CMSIS-NN's `isa` code path (scratch sizes, kernel sums);
    report all unsupported ones at once."""
    graph.validate()
    lowered: list[Lowered] = []
    problems: list[tuple[int, str, str]] = []
    for i, op in enumerate(graph.operators):
        fn = LOWERINGS.get(op.type)
        if fn is None:
            problems.append((i, op.type, "operator not supported"))
            continue
        try:
            low = fn(graph, op)
            _resolve_contexts(graph, low, isa)
            lowered.append(low)
        except Unsupported as exc:
            problems.append((i, op.type, str(exc)))
        except (ArithmeticError, ValueError) as exc:  # e.g. a denormal or infinite scale
            problems.append((i, op.type, f"invalid quantization parameters ({exc})"))
    if problems:
        raise UnsupportedOpsError(problems)
    return LoweredGraph(graph, lowered, isa)


__all__ = ["ConstArray", "KernelCall", "Lowered", "LoweredGraph", "Scratch", "TensorArg",
           "Unsupported", "lower_graph"]
