"""int16 (16x8) versions of the int8 op tests' graphs, as TensorFlow's converter lays them out:
int16 activations with zero point 0, int8 weights, int64 bias."""
from __future__ import annotations

import numpy as np

from mcutool.ir import Graph
from mcutool.ops import find


def to_int16(graph: Graph, bias: str = "int64", seed: int = 0) -> Graph:
    """Every activation int16 with zero point 0 (scales kept: int16 codes are ~256x int8's, so
    the int8 graphs' output scales land outputs around +-10^4), the bias int64 (or int32) and
    ~256x larger, as it is at the int16 input's scale."""
    rng = np.random.default_rng(seed)
    weights = {op.inputs[1] for op in graph.operators if find(op.type).quant.weight_axis is not None}
    for t in graph.tensors.values():
        if t.is_const and t.dtype == "int8" and t.name not in weights:   # an ADD or MUL operand
            t.data = rng.integers(-32768, 32768, t.data.shape).astype(np.int16)
            t.dtype = "int16"
            t.quant.zero_point = np.zeros_like(t.quant.zero_point)
            continue
        if t.is_const:
            if t.dtype == "int32" and t.quant is not None:   # a bias
                t.data = np.asarray(t.data, np.int64) * 256 + rng.integers(-255, 256, t.data.shape)
                t.dtype = bias
                t.data = t.data.astype(bias)
            continue
        if t.dtype == "int8":
            t.dtype = "int16"
            if t.quant is not None:
                t.quant.zero_point = np.zeros_like(t.quant.zero_point)
    return graph
