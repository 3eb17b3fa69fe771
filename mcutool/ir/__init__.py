"""Graph IR: tensors, operators with typed attributes, and the graph that holds them."""
from mcutool.ir.attrs import *  # noqa: F403
from mcutool.ir.attrs import default_attrs
from mcutool.ir.graph import Graph, GraphError, Operator
from mcutool.ir.tensor import QuantParams, Tensor

__all__ = ["Graph", "GraphError", "Operator", "QuantParams", "Tensor", "default_attrs"]
