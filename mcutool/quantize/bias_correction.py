"""Empirical bias correction (Nagel et al. 2019, section 4.2).

Rounding weights to int8 shifts each output channel's mean: E[W_q x] - E[W x] = E[(W_q - W) x],
which is not zero when inputs have a nonzero mean (they do after a ReLU). The next layers see
that shift as a bias error that accumulates. Here the expected shift of each conv, depthwise
and fully connected output channel is measured on the calibration data, by running the layer
with weights W_q - W on its float inputs, and subtracted from the float bias before the bias is
quantized. Streamed batch by batch like calibration.
"""
from __future__ import annotations

import copy

import numpy as np

from mcutool.ir import Graph, Operator, Tensor
from mcutool.progress import progress_bar
from mcutool.quantize.calibrate import DEFAULT_BATCH, batches
from mcutool.quantize.graph_edit import bias_of, own_const, weight_axis
from mcutool.quantize.int4 import INT4_MAX, weight_format
from mcutool.quantize.params import fake_quantize_weights
from mcutool.reference.float_exec import FloatEnv, eval_op, run_float


def _shift(op: Operator, x: np.ndarray, delta: np.ndarray) -> tuple[np.ndarray, int]:
    """Sum over samples and positions of the layer's pre-activation output with weights
    delta and no bias (its OpDef's float semantics on a one-op graph); x has the sample axis."""
    g = Graph()
    g.add_tensor(Tensor("x", x.shape[1:], "float32"))
    g.add_tensor(Tensor("delta", delta.shape, "float32", None, np.asarray(delta, np.float32)))
    attrs = copy.deepcopy(op.attrs)
    attrs.activation = "NONE"
    env = FloatEnv(g, len(x))
    env.values["x"] = x
    y = eval_op(env, Operator(op.type, ["x", "delta"], ["y"], attrs, op.name))
    y = y.reshape(-1, y.shape[-1]).astype(np.float64)
    return y.sum(axis=0), y.shape[0]


def correct_biases(g: Graph, x: np.ndarray, per_channel: bool = True, batch_size: int = DEFAULT_BATCH,
                   progress: bool = False, weights: str = "int8") -> int:
    """Adjust the float biases of `g` in place; returns how many layers were corrected.
    weights: the weight type asked for (int4 weights are rounded to -7..7, see quantize/int4.py)."""
    layers = [op for op in g.operators
              if weight_axis(op) is not None and g.tensors[op.inputs[1]].is_const
              and not g.tensors[op.inputs[0]].is_const]
    deltas = {}
    for op in layers:
        w = g.tensors[op.inputs[1]].values
        dtype, layer_per_channel = weight_format(op.type, weights, per_channel)
        axis = weight_axis(op) if layer_per_channel else None
        deltas[op.name] = fake_quantize_weights(w, axis, INT4_MAX if dtype == "int4" else 127) - w
    by_input: dict[str, list] = {}
    for op in layers:
        by_input.setdefault(op.inputs[0], []).append(op)
    sums: dict[str, np.ndarray | float] = {op.name: 0.0 for op in layers}
    counts = {op.name: 0 for op in layers}

    def visit(name: str, value: np.ndarray) -> None:
        for op in by_input.get(name, []):
            total, n = _shift(op, value, deltas[op.name])
            sums[op.name] = sums[op.name] + total
            counts[op.name] += n

    steps = (len(x) + batch_size - 1) // batch_size
    with progress_bar(steps, "bias correction", progress) as bar:
        for chunk in batches(x, batch_size):
            run_float(g, [chunk], visit=visit)
            bar.update(1)
    for op in layers:
        if not counts[op.name]:
            continue
        channels = g.tensors[op.inputs[1]].shape[weight_axis(op) or 0]
        mean_shift = np.asarray(sums[op.name]) / counts[op.name]
        own_const(g, op, 2, bias_of(g, op, channels) - mean_shift.astype(np.float32))
    return len(layers)
