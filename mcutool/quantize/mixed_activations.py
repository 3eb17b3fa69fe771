"""int16 activations for chosen layers (the per-layer format "int16": int8 weights, TFLite's
16x8 kernel) in an otherwise int8 model: which activation tensors are stored as int16, and
which type each operator computes in.

A layer L with format int16 reads int16: the walk back from its input through operators without
weights (pooling, reshape, pad, ADD, concatenation, ...) makes their tensors int16 too, up to and
including the output of the conv, depthwise or fully connected layer (or the graph input) that
feeds them. An operator without a 16x8 lowering (HARD_SWISH) ends the walk at its output. When
L's output reaches a graph output through such operators only, that segment is int16 as well,
so the last layer's choice also sharpens the model output (which is then int16). Tensors that
share one scale (QuantRule.shared_scale) are all int16 or all int8.

An operator computes in int16 when one of its activation tensors is int16 and it has a 16x8
kernel for its weights (int8); the quantizer puts a QUANTIZE wherever a tensor's stored type
differs from the type its producer or consumer computes in.
"""
from __future__ import annotations

from mcutool.ir import Graph, Operator
from mcutool.ops import find

INT16 = "int16"
LOW_BIT = ("int4", "codebook")   # weight formats without a 16x8 kernel


def _has_16x8(op: Operator) -> bool:
    opdef = find(op.type)
    return opdef is not None and INT16 in opdef.lower


def _has_weights(graph: Graph, op: Operator) -> bool:
    opdef = find(op.type)
    return (opdef is not None and opdef.quant.weight_axis is not None and len(op.inputs) > 1
            and bool(op.inputs[1]))


def _activations(graph: Graph, names: list[str]) -> list[str]:
    return [n for n in names if n and not graph.tensors[n].is_const]


def _walk_back(graph: Graph, start: str, found: set[str]) -> None:
    producer = graph.producer()
    stack = [start]
    while stack:
        name = stack.pop()
        if name in found:
            continue
        found.add(name)
        i = producer.get(name)
        if i is None:
            continue   # a graph input
        op = graph.operators[i]
        if _has_weights(graph, op) or not _has_16x8(op):
            continue   # a layer's output, or an op that computes in int8 only
        stack.extend(_activations(graph, op.inputs))


def _reaches_output(graph: Graph) -> set[str]:
    """Tensors from which a graph output is reached through operators without weights that
    have a 16x8 lowering."""
    reach = set(graph.outputs)
    for op in reversed(graph.operators):   # graphs are in topological order
        if _has_weights(graph, op) or not _has_16x8(op):
            continue
        if any(n in reach for n in op.outputs):
            reach.update(_activations(graph, op.inputs))
    return reach


def _walk_forward(graph: Graph, start: str, reach: set[str], found: set[str]) -> None:
    if start not in reach:
        return
    stack = [start]
    while stack:
        name = stack.pop()
        found.add(name)
        for op in graph.operators:
            if name in op.inputs and not _has_weights(graph, op) and _has_16x8(op):
                stack.extend(n for n in op.outputs if n in reach and n not in found)


def int16_tensors(graph: Graph, formats: dict[str, str]) -> set[str]:
    """The activation tensors of a prepared float graph stored as int16 when the layers
    (operator names) with format "int16" in `formats` take int16 activations."""
    from mcutool.quantize.quantizer import scale_groups  # the quantizer imports this module
    chosen = {name for name, fmt in formats.items() if fmt == INT16}
    found: set[str] = set()
    if not chosen:
        return found
    reach = _reaches_output(graph)
    for op in graph.operators:
        if op.name in chosen and _has_weights(graph, op):
            _walk_back(graph, op.inputs[0], found)
            _walk_forward(graph, op.outputs[0], reach, found)
    groups = scale_groups(graph)
    roots = {groups.find(n) for n in found}
    names = {n for op in graph.operators for n in _activations(graph, [*op.inputs, *op.outputs])}
    names.update(graph.inputs)
    return found | {n for n in names if groups.find(n) in roots}


def computes_int16(graph: Graph, op: Operator, stored16: set[str], weight_format: str = "int8") -> bool:
    """Whether the operator computes in int16: one of its activation tensors is int16 and it has
    a 16x8 kernel (int8 weights only: int4 and codebook layers compute in int8)."""
    if not _has_16x8(op) or weight_format.startswith(LOW_BIT):
        return False
    return any(n in stored16 for n in _activations(graph, [*op.inputs, *op.outputs]))
