"""The one check of a model right after it is read, before anything else uses it.

Everything later (quantizer, float kernels, lowering, planner, generated C) may then assume:
operators have the inputs and outputs their type needs; every tensor has positive dimensions
and fewer than 2^31 bytes (so C's int32 element counts and offsets cannot overflow); constant
data is as large as its tensor and finite when float; quantization scales are finite and
positive, zero points inside their type, and the effective scales of the int8 kernels give
multipliers whose shifts the C can perform, and sums that fit their int32 accumulators;
strides, dilations, filters and paddings are positive and bounded by the shapes, and every
output shape is the one the operator computes.

Each refusal is one ModelCheckError naming the operator index, the tensor and the rule. What
depends on the operator type comes from its OpDef (arity, and the rules of mcutool.ir.op_rules
it lists in `checks`).
"""
from __future__ import annotations

import math

import numpy as np

from mcutool.ir.dtypes import dtype_of, storage_of
from mcutool.ir.graph import Graph
from mcutool.ir.op_rules import INT32_MAX, check_arity, fail
from mcutool.ir.tensor import Tensor

MAX_TENSOR_BYTES = INT32_MAX  # C indexes tensors with int32_t


def check_model(graph: Graph) -> None:
    """Raise ModelCheckError on the first rule the graph breaks."""
    from mcutool.ops import find  # the operator definitions sit above the IR
    seen: set[str] = set()
    for i, op in enumerate(graph.operators):
        where = f"operator #{i} {op.type}"
        opdef = find(op.type)  # None: unknown to mcutool, and lowering names it as unsupported
        if opdef is not None:
            check_arity(where, op, opdef.inputs, opdef.optional_inputs, opdef.outputs)
        for role, names in (("input", op.inputs), ("output", op.outputs)):
            for k, name in enumerate(names):
                if name and name not in seen:
                    seen.add(name)
                    _check_tensor(f"{where}: {role} {k} {name!r}", graph.tensors[name])
        for rule in opdef.checks if opdef is not None else ():
            rule(where, graph, op)
    for kind, names in (("graph input", graph.inputs), ("graph output", graph.outputs)):
        for name in names:
            if name not in seen:
                seen.add(name)
                _check_tensor(f"{kind} {name!r}", graph.tensors[name])


# -- tensors ----------------------------------------------------------------------------------
def _check_tensor(where: str, t: Tensor) -> None:
    for d in t.shape:
        if d < 0 or (d == 0 and not t.is_const) or d > INT32_MAX:
            fail(where, f"dimension {d} of shape {list(t.shape)} must be between 1 and {INT32_MAX}")
    elements = math.prod(t.shape)  # Python ints: no wrap-around, unlike an int64 product
    nbytes = dtype_of(t.dtype).nbytes(elements)
    if nbytes > MAX_TENSOR_BYTES:
        fail(where, f"shape {list(t.shape)} of {t.dtype} is {nbytes:,} bytes; "
                    f"tensors must be under 2^31 bytes")
    if t.data is not None:
        if t.data.size != elements:
            fail(where, f"holds {t.data.size} values but shape {list(t.shape)} needs {elements}")
        if t.data.dtype.kind == "f" and not np.all(np.isfinite(t.data)):
            bad = int(np.count_nonzero(~np.isfinite(t.data)))
            fail(where, f"constant has {bad} NaN or infinite value(s); float weights must be finite")
    q = t.quant
    if q is None or np.dtype(storage_of(t.dtype)).kind not in "iu":
        return
    scales = np.asarray(q.scale, np.float64)
    bad_scale = ~(np.isfinite(scales) & (scales > 0))
    if bad_scale.any():
        fail(where, f"scale {scales[bad_scale][0]:g} is not a finite positive number")
    low, high = dtype_of(t.dtype).range
    zps = np.asarray(q.zero_point)
    outside = (zps < low) | (zps > high)
    if outside.any():
        fail(where, f"zero point {int(zps[outside][0])} is outside {t.dtype} [{low}, {high}]")
    if q.axis is not None and q.scale.size > 1:
        if not 0 <= q.axis < len(t.shape):
            fail(where, f"quantized dimension {q.axis} is outside its rank {len(t.shape)}")
        if q.scale.size != t.shape[q.axis]:
            fail(where, f"{q.scale.size} scales for {t.shape[q.axis]} channels along dimension {q.axis}")
