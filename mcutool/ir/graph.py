"""The graph IR: one subgraph of tensors and operators, inputs and outputs."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mcutool.errors import McutoolError
from mcutool.ir.attrs import default_attrs
from mcutool.ir.tensor import Tensor


class GraphError(McutoolError):
    """The graph is malformed (dangling tensor, cycle, shape that cannot be handled)."""


@dataclass
class Operator:
    type: str                    # TFLite builtin name, e.g. "CONV_2D"
    inputs: list[str]            # tensor names; "" marks an absent optional input
    outputs: list[str]
    attrs: Any = None
    name: str = ""

    def __post_init__(self) -> None:
        if self.attrs is None:
            self.attrs = default_attrs(self.type)
        if not self.name:
            self.name = self.outputs[0] if self.outputs else self.type.lower()


@dataclass
class Graph:
    tensors: dict[str, Tensor] = field(default_factory=dict)
    operators: list[Operator] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    name: str = "model"
    description: str = ""

    # -- construction -------------------------------------------------------------------
    def add_tensor(self, tensor: Tensor) -> Tensor:
        if tensor.name in self.tensors:
            raise GraphError(f"duplicate tensor name {tensor.name!r}")
        self.tensors[tensor.name] = tensor
        return tensor

    def add_op(self, op: Operator) -> Operator:
        self.operators.append(op)
        return op

    # -- queries ------------------------------------------------------------------------
    def tensor(self, name: str) -> Tensor:
        return self.tensors[name]

    def producer(self) -> dict[str, int]:
        """Tensor name -> index of the operator that writes it."""
        return {out: i for i, op in enumerate(self.operators) for out in op.outputs}

    # -- checks ---------------------------------------------------------------------------
    def topological_order(self) -> list[int]:
        """Operator indices in an order where every input is written before it is read.

        Depth-first with an explicit stack (a recursive walk overflows Python's stack on long
        chains stored in reverse), so stable for graphs already in order."""
        producer = self.producer()
        order: list[int] = []
        state = [0] * len(self.operators)  # 0 new, 1 visiting, 2 done
        for root in range(len(self.operators)):
            if state[root]:
                continue
            state[root] = 1
            stack = [(root, iter(self.operators[root].inputs))]
            while stack:
                i, pending = stack[-1]
                for name in pending:
                    j = producer.get(name)
                    if j is None or state[j] == 2:
                        continue
                    if state[j] == 1:
                        raise GraphError(f"the graph has a cycle through operator #{j} {self.operators[j].type}")
                    state[j] = 1
                    stack.append((j, iter(self.operators[j].inputs)))
                    break
                else:
                    stack.pop()
                    state[i] = 2
                    order.append(i)
        return order

    def sort(self) -> None:
        """Reorder operators topologically (stable for graphs already in order)."""
        self.operators = [self.operators[i] for i in self.topological_order()]

    def validate(self) -> None:
        """Raise GraphError on a malformed graph."""
        if not self.inputs:
            raise GraphError("the graph has no inputs")
        if not self.outputs:
            raise GraphError("the graph has no outputs")
        written: set[str] = set()
        for i, op in enumerate(self.operators):
            for name in op.inputs + op.outputs:
                if name and name not in self.tensors:
                    raise GraphError(f"operator #{i} {op.type} refers to unknown tensor {name!r}")
            for name in op.outputs:
                if name in written:
                    raise GraphError(f"tensor {name!r} is written by more than one operator")
                if self.tensors[name].is_const:
                    raise GraphError(f"operator #{i} {op.type} writes constant tensor {name!r}")
                written.add(name)
        for name in self.inputs:
            if name not in self.tensors:
                raise GraphError(f"graph input {name!r} is not a tensor")
            if name in written:
                raise GraphError(f"graph input {name!r} is also written by an operator")
        for name in self.inputs + self.outputs:
            if self.tensors[name].is_const:
                kind = "input" if name in self.inputs else "output"
                raise GraphError(f"graph {kind} {name!r} is a constant tensor")
        self.topological_order()  # a cycle is reported as such
        producer = self.producer()
        # Operators run in the order stored, as in a .tflite file: nothing may read a tensor
        # before the operator that writes it.
        available = set(self.inputs) | {n for n, t in self.tensors.items() if t.is_const}
        for i, op in enumerate(self.operators):
            for name in op.inputs:
                if not name or name in available:
                    continue
                if name in producer:
                    j = producer[name]
                    raise GraphError(f"operator #{i} {op.type} reads tensor {name!r} before "
                                     f"operator #{j} {self.operators[j].type} writes it")
                raise GraphError(f"operator #{i} {op.type} reads tensor {name!r}, which nothing writes")
            available.update(op.outputs)
        for name in self.outputs:
            if name not in available:
                raise GraphError(f"graph output {name!r} is never written")
        for name, t in self.tensors.items():
            if any(d < 0 for d in t.shape):
                raise GraphError(f"tensor {name!r} has a dynamic shape {list(t.shape)}")
            if 0 in t.shape and not t.is_const:
                raise GraphError(f"tensor {name!r} has no elements (shape {list(t.shape)})")
            if len(t.shape) > 4 and not t.is_const:
                raise GraphError(f"tensor {name!r} has {len(t.shape)} dimensions; at most 4 are supported")
