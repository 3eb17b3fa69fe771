"""ReshapeFunctions: RESHAPE and SQUEEZE (mcutool/ops/) copy bytes unchanged in TFLite-Micro,
so the output simply aliases the input's memory and no kernel runs."""
from __future__ import annotations

from mcutool.ir import Graph, Operator
from mcutool.lower.calls import Lowered, Unsupported


def lower_alias(graph: Graph, op: Operator) -> Lowered:
    x = graph.tensor(op.inputs[0])
    y = graph.tensor(op.outputs[0])
    if x.dtype != y.dtype or x.size != y.size:
        raise Unsupported(f"{x.dtype}{list(x.shape)} -> {y.dtype}{list(y.shape)} is not a reshape")
    return Lowered(alias=(y.name, x.name))
