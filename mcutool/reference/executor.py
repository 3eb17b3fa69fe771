"""The numpy int8 executor: runs a lowered graph call by call through the kernels' numpy twins.

It executes exactly the calls the C code will make, with the same parameters, so a difference
from TFLite-Micro points at a kernel (twin and C alike) or at the lowering, never at glue.
"""
from __future__ import annotations

from typing import Literal, overload

import numpy as np

from mcutool.abi import KernelSums
from mcutool.errors import McutoolError
from mcutool.ir.dtypes import pack_int4
from mcutool.lower.calls import ConstArray, LoweredGraph, Scratch, TensorArg
from mcutool.reference.kernels import load_all


def _buffers(lowered: LoweredGraph, inputs: list[np.ndarray]) -> dict[str, np.ndarray]:
    graph = lowered.graph
    if len(inputs) != len(graph.inputs):
        raise McutoolError(f"the model has {len(graph.inputs)} input(s), got {len(inputs)}")
    buffers: dict[str, np.ndarray] = {}
    for name, value in zip(graph.inputs, inputs):
        t = graph.tensors[name]
        value = np.asarray(value)
        if value.size != t.size:
            raise McutoolError(f"input {name!r} needs {t.size} elements {list(t.shape)}, got shape {list(value.shape)}")
        buffers[name] = value.astype(t.dtype, copy=True).reshape(-1)
    for name, t in graph.tensors.items():
        if t.is_const:
            # sub-byte constants as the C sees them: packed bytes (the twins unpack them)
            buffers[name] = (pack_int4(np.asarray(t.data)).view(np.int8) if t.dtype == "int4"
                             else np.ascontiguousarray(t.data).reshape(-1))
    return buffers


@overload
def run_reference(lowered: LoweredGraph, inputs: list[np.ndarray],
                  keep_all: Literal[False] = False) -> list[np.ndarray]: ...


@overload
def run_reference(lowered: LoweredGraph, inputs: list[np.ndarray],
                  keep_all: Literal[True]) -> dict[str, np.ndarray]: ...


def run_reference(lowered: LoweredGraph, inputs: list[np.ndarray],
                  keep_all: bool = False) -> list[np.ndarray] | dict[str, np.ndarray]:
    """Run the graph. Returns the outputs, or with keep_all every tensor by name."""
    twins = load_all()
    graph = lowered.graph
    buffers = _buffers(lowered, inputs)
    for op, low in zip(graph.operators, lowered.ops):
        if low.alias is not None:
            out, src = low.alias
            buffers[out] = buffers[src]
            continue
        for name in op.outputs:
            t = graph.tensors[name]
            buffers.setdefault(name, np.zeros(t.size, dtype=t.dtype))
        for call in low.calls:
            args = []
            for a in call.args:
                if isinstance(a, TensorArg):
                    args.append(buffers[a.name])
                elif isinstance(a, ConstArray):
                    args.append(a.data)
                elif isinstance(a, Scratch):
                    args.append(np.zeros(a.size, np.int8))
                elif isinstance(a, KernelSums):
                    args.append(a.data)
                else:
                    args.append(a)
            twins[call.kernel](*args)
    shaped = {n: (np.asarray(graph.tensors[n].data) if graph.tensors[n].dtype == "int4"  # packed: the values
                  else buffers[n].reshape(graph.tensors[n].shape)) for n in buffers}
    if keep_all:
        return shaped
    return [shaped[n].copy() for n in graph.outputs]
