"""A small helper for building graphs in code: tests, examples and the quantizer use it."""
from __future__ import annotations

import numpy as np

from mcutool.ir.attrs import default_attrs
from mcutool.ir.graph import Graph, Operator
from mcutool.ir.tensor import QuantParams, Tensor


class GraphBuilder:
    def __init__(self, name: str = "model"):
        self.graph = Graph(name=name)

    def _quant(self, scale, zero_point, axis) -> QuantParams | None:
        if scale is None:
            return None
        scale = np.atleast_1d(np.asarray(scale, np.float32))
        if zero_point is None:
            zero_point = 0
        return QuantParams(scale, zero_point, axis if scale.size > 1 or axis is not None else None)

    def tensor(self, name: str, shape, dtype: str = "int8", scale=None, zero_point=None,
               axis: int | None = None) -> str:
        self.graph.add_tensor(Tensor(name, tuple(shape), dtype, self._quant(scale, zero_point, axis)))
        return name

    def input(self, name: str, shape, dtype: str = "int8", scale=None, zero_point=None) -> str:
        self.tensor(name, shape, dtype, scale, zero_point)
        self.graph.inputs.append(name)
        return name

    def const(self, name: str, data: np.ndarray, dtype: str | None = None, scale=None,
              zero_point=None, axis: int | None = None) -> str:
        data = np.asarray(data)
        dtype = dtype or str(data.dtype)
        self.graph.add_tensor(Tensor(name, data.shape, dtype, self._quant(scale, zero_point, axis),
                                     data.astype(dtype)))
        return name

    def op(self, op_type: str, inputs: list[str], outputs: list[str], attrs=None,
           name: str = "", **attr_fields) -> Operator:
        if attrs is None:
            attrs = default_attrs(op_type)
            for key, value in attr_fields.items():
                setattr(attrs, key, value)
        return self.graph.add_op(Operator(op_type, list(inputs), list(outputs), attrs, name))

    def output(self, name: str) -> str:
        self.graph.outputs.append(name)
        return name

    def build(self) -> Graph:
        self.graph.sort()  # ops may be added in any order; a graph runs in topological order
        self.graph.validate()
        return self.graph
