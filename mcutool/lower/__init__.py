"""Lowering: each IR operator becomes kernel calls with every integer parameter computed
(multipliers, shifts, clamps, offsets), as TFLite-Micro's Prepare step does. Each operator's
lowering is in its OpDef (mcutool/ops/); the modules here hold what a family of ops shares.
The kernels' contexts (scratch sizes, Helium kernel sums) are laid out for the target's
instruction set by mcutool.abi."""
from __future__ import annotations

import numpy as np

from mcutool.abi import CONTEXT, DEFAULT_ISA, Isa, context_for
from mcutool.errors import UnsupportedOpsError
from mcutool.ir import Graph, Operator
from mcutool.ir.dtypes import dtype_of
from mcutool.lower.calls import ConstArray, KernelCall, Lowered, LoweredGraph, Scratch, TensorArg, Unsupported
from mcutool.lower.codebook import CODEBOOK, is_codebook
from mcutool.ops.opdef import find

# The data type an operator is lowered for: the key of its OpDef's `lower` mapping. It names
# the activations' type, then the weights' when they differ ("int8w4": int8 activations, int4
# weights; "int16": int16 activations, TFLite's 16x8 scheme, with int8 weights; "int8cb":
# codebook weights, mcutool/lower/codebook.py).
DATA_TYPE = "int8"
INT16 = "int16"


def activation_type(graph: Graph, op: Operator) -> str:
    """"int16" when any non-constant operand of the op is int16 (a QUANTIZE from or to int16
    included), else "int8"."""
    names = [n for n in [*op.inputs, *op.outputs] if n and not graph.tensors[n].is_const]
    return INT16 if any(graph.tensors[n].dtype == INT16 for n in names) else DATA_TYPE


def data_type(graph: Graph, op: Operator) -> str:
    """The `lower` key that fits the operator's tensors."""
    opdef = find(op.type)
    acts = activation_type(graph, op)
    if opdef is None or opdef.quant.weight_axis is None or len(op.inputs) < 2 or not op.inputs[1]:
        return acts
    weights = graph.tensors[op.inputs[1]].dtype
    # codebook kernels take int8 activations: a 16x8 layer of a marked model keeps int8 weights
    if acts == DATA_TYPE and CODEBOOK in opdef.lower and is_codebook(graph, graph.tensors[op.inputs[1]]):
        return CODEBOOK   # "int8cb": int8 weights stored as packed indices into a table
    bits = dtype_of(weights).bits
    return acts if weights == DATA_TYPE else f"{acts}w{bits}"


def _unsupported_reason(graph: Graph, op: Operator, key: str) -> str:
    if key == DATA_TYPE:
        return "operator not supported"
    if key == INT16:
        return "operator not supported with int16 activations"
    return f"operator not supported with {graph.tensors[op.inputs[1]].dtype} weights"


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
        opdef = find(op.type)
        key = data_type(graph, op)
        fn = opdef.lower.get(key) if opdef else None
        if fn is None:
            problems.append((i, op.type, _unsupported_reason(graph, op, key)))
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
