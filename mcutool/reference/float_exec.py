"""Run a float IR graph in numpy, batched over samples.

    outputs = run_float(graph, [x])                     # x: (N, *input shape)
    values = run_float(graph, [x], keep_all=True)       # every tensor, name -> (N, *shape)
    run_float(graph, [x], visit=lambda name, v: ...)    # stream each tensor as it is made

Values carry a leading sample axis (see float_kernels). With `visit`, a tensor is dropped as
soon as its last reader has run, so calibration memory is one batch of the live tensors.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mcutool.ir import Graph, Operator
from mcutool.ops.opdef import find
from mcutool.reference import float_kernels as fk
from mcutool.reference.float_kernels import FloatExecError


class FloatEnv:
    """Tensor values of one run: activations batched, constants as stored."""

    def __init__(self, graph: Graph, n: int):
        self.graph = graph
        self.n = n
        self.values: dict[str, np.ndarray] = {}
        self.invariant: set[str] = set()  # computed from constants only: same for every sample

    def const(self, name: str) -> np.ndarray:
        t = self.graph.tensors[name]
        if t.data is not None:  # a constant
            return t.data
        # Weights computed from constants only (a DEQUANTIZE of float16 weights before
        # preparation folds it) are the same for every sample.
        if name in self.invariant:
            return self.values[name][0]
        raise FloatExecError(f"operand {name!r} must be a constant")

    def batched(self, name: str) -> np.ndarray:
        """The value with a sample axis; constants are broadcast over samples."""
        if name in self.values:
            return self.values[name]
        t = self.graph.tensors[name]
        if t.is_const:
            return as_float(t)[None]
        raise FloatExecError(f"tensor {name!r} has no value (read before it is written)")

    def input(self, op: Operator, slot: int = 0) -> np.ndarray:
        """Operand `slot` with its sample axis."""
        if len(op.inputs) <= slot or not op.inputs[slot]:
            raise FloatExecError(f"{op.type} has no input {slot}")
        return self.batched(op.inputs[slot])

    def bias(self, op: Operator) -> np.ndarray | None:
        """The optional constant bias (input 2)."""
        return self.const(op.inputs[2]) if len(op.inputs) > 2 and op.inputs[2] else None


def as_float(t) -> np.ndarray:
    """A tensor's real values (dequantized when it is quantized)."""
    if t.dtype == "float32":
        return t.data
    if t.quant is not None and t.dtype in ("int8", "uint8", "int16", "int32"):
        return dequantize(t.data, t.quant, len(t.shape))
    return t.data.astype(np.float32)


def dequantize(q: np.ndarray, quant, rank: int) -> np.ndarray:
    scale, zp = quant.scale.astype(np.float32), quant.zero_point
    if quant.axis is not None and scale.size > 1:
        shape = [1] * rank
        shape[quant.axis % rank] = -1
        scale, zp = scale.reshape(shape), zp.reshape(shape)
    return ((q.astype(np.int64) - zp).astype(np.float32) * scale).astype(np.float32)


def nhwc(x: np.ndarray) -> np.ndarray:
    """(N, B, H, W, C) -> (N*B, H, W, C)."""
    if x.ndim != 5:
        raise FloatExecError(f"expected a 4-D NHWC tensor, got {x.ndim - 1}-D")
    return x.reshape(-1, *x.shape[2:])


def binary(env: FloatEnv, op: Operator, fn) -> np.ndarray:
    """ADD, SUB, MUL: numpy broadcasting of both operands, then the fused activation."""
    a, b = (env.batched(n) for n in op.inputs[:2])
    rank = max(a.ndim, b.ndim) - 1
    # Right-align the model dims (TFLite broadcasting), keeping the sample axis first.
    a = a.reshape(a.shape[0], *([1] * (rank - a.ndim + 1)), *a.shape[1:])
    b = b.reshape(b.shape[0], *([1] * (rank - b.ndim + 1)), *b.shape[1:])
    out = fn(a, b)
    return fk.fused(out.astype(np.float32), op.attrs.activation)


def model_axis(axis: int, rank: int) -> int:
    axis = axis + rank if axis < 0 else axis
    if not 0 <= axis < rank:
        raise FloatExecError(f"axis {axis} out of range for a {rank}-D tensor")
    return axis + 1  # past the sample axis


def eval_op(env: FloatEnv, op: Operator) -> np.ndarray:
    """One operator's output (with the sample axis, before the final reshape)."""
    opdef = find(op.type)
    if opdef is None or opdef.float_eval is None:
        raise FloatExecError(f"{op.type} has no float implementation")
    return opdef.float_eval(env, op)


def run_float(graph: Graph, inputs: list[np.ndarray], keep_all: bool = False,
              visit: Callable[[str, np.ndarray], None] | None = None):
    """Run every operator on a batch. Returns the outputs, or every tensor with keep_all."""
    if len(inputs) != len(graph.inputs):
        raise FloatExecError(f"the model has {len(graph.inputs)} input(s), got {len(inputs)}")
    n = int(np.asarray(inputs[0]).shape[0])
    env = FloatEnv(graph, n)
    for name, value in zip(graph.inputs, inputs):
        shape = graph.tensors[name].shape
        env.values[name] = np.asarray(value, np.float32).reshape(n, *shape)
        if visit:
            visit(name, env.values[name])
    last_use = _last_use(graph)
    keep = set(graph.outputs)
    for i, op in enumerate(graph.operators):
        try:
            out = eval_op(env, op)
        except FloatExecError as exc:
            raise FloatExecError(f"operator #{i} {op.type} ({op.name}): {exc}") from None
        shape = graph.tensors[op.outputs[0]].shape
        per_sample = int(np.prod(shape, dtype=np.int64))
        if out.size == per_sample and n != 1:  # an op on constants only: same for every sample
            out = np.broadcast_to(out.astype(np.float32).reshape(1, *shape), (n, *shape))
        if out.size != n * per_sample:
            raise FloatExecError(f"operator #{i} {op.type} ({op.name}) computes {list(out.shape[1:])} "
                                 f"values but its output is {list(shape)}")
        env.values[op.outputs[0]] = np.ascontiguousarray(out, np.float32).reshape(n, *shape)
        if all(graph.tensors[m].is_const or m in env.invariant for m in op.inputs if m):
            env.invariant.add(op.outputs[0])
        if visit:
            visit(op.outputs[0], env.values[op.outputs[0]])
        if not keep_all:
            for name in op.inputs:
                if name and last_use.get(name) == i and name not in keep:
                    env.values.pop(name, None)
    if keep_all:
        return env.values
    return [env.values[name] for name in graph.outputs]


def _last_use(graph: Graph) -> dict[str, int]:
    last: dict[str, int] = {}
    for i, op in enumerate(graph.operators):
        for name in op.inputs:
            if name:
                last[name] = i
    return last


def run_float_batches(graph: Graph, x: np.ndarray, batch_size: int = 64) -> list[np.ndarray]:
    """Outputs for many samples, computed batch by batch and stacked."""
    parts = [run_float(graph, [x[i:i + batch_size]]) for i in range(0, len(x), batch_size)]
    return [np.concatenate([p[k] for p in parts]) for k in range(len(graph.outputs))]
