"""Cross-layer equalization (Nagel et al., "Data-Free Quantization Through Weight Equalization
and Bias Correction", 2019).

For two layers joined by a ReLU (or nothing), relu(x / s) = relu(x) / s for s > 0, so output
channel i of the first layer can be divided by s_i and input channel i of the second multiplied
by s_i without changing the float function. Choosing s_i = sqrt(r1_i / r2_i), with r1_i and
r2_i the channel's weight ranges in each layer, gives both the same range sqrt(r1_i * r2_i);
per-tensor quantization then wastes less of the int8 grid on channels with small weights
(depthwise layers after batch-norm folding are the classic case).

Between the two layers there may be operators that commute with a positive per-channel scale:
max/average pooling, ReLU, zero padding, spatial MEAN and a flattening RESHAPE into a fully
connected layer (whose input column j then belongs to channel j % C).
"""
from __future__ import annotations

import numpy as np

from mcutool.ir import Graph, Operator
from mcutool.ops import find, get
from mcutool.quantize.graph_edit import bias_of, own_const, single_reader, weight_axis

HOMOGENEOUS = ("NONE", "RELU")


def _is_layer(g: Graph, op: Operator) -> bool:
    axis = weight_axis(op)
    if axis is None or not g.tensors[op.inputs[1]].is_const:
        return False
    in_axis = get(op.type).quant.weight_input_axis
    w_shape, depth = g.tensors[op.inputs[1]].shape, g.tensors[op.inputs[0]].shape[-1]
    if axis == in_axis:  # depthwise: channel i in must be channel i out
        return w_shape[axis] == depth
    # a grouped convolution reads each input channel in one group only: not the layout
    # equalization rescales along
    return not (len(w_shape) == 4 and in_axis is not None and w_shape[in_axis] != depth)


def find_pairs(g: Graph) -> list[tuple[Operator, Operator]]:
    """(first, second) layer pairs whose joint channel scaling leaves the graph's output unchanged."""
    pairs = []
    for first in g.operators:
        if not _is_layer(g, first) or first.attrs.activation not in HOMOGENEOUS:
            continue
        channels = g.tensors[first.outputs[0]].shape[-1]
        name = first.outputs[0]
        while True:
            nxt = single_reader(g, name)
            if nxt is None or nxt.inputs[0] != name:
                break
            out_shape = g.tensors[nxt.outputs[0]].shape
            if _is_layer(g, nxt):
                depth_ok = g.tensors[name].shape[-1] == channels or (
                    nxt.type == "FULLY_CONNECTED" and g.tensors[nxt.inputs[1]].shape[1] % channels == 0)
                if depth_ok:
                    pairs.append((first, nxt))
                break
            opdef = find(nxt.type)
            if opdef is None or not opdef.channelwise or getattr(nxt.attrs, "activation", "NONE") not in HOMOGENEOUS:
                break
            if nxt.type == "MEAN" and not _spatial_mean(g, nxt):
                break
            if out_shape[-1] != channels and not _flattens_into_fc(g, nxt, channels):
                break
            name = nxt.outputs[0]
    return pairs


def _spatial_mean(g: Graph, op: Operator) -> bool:
    axes = np.atleast_1d(g.tensors[op.inputs[1]].values) if g.tensors[op.inputs[1]].is_const else None
    rank = len(g.tensors[op.inputs[0]].shape)
    return axes is not None and all((int(a) % rank) != rank - 1 for a in axes)


def _flattens_into_fc(g: Graph, op: Operator, channels: int) -> bool:
    """A RESHAPE/SQUEEZE whose output goes straight into a fully connected layer."""
    if op.type not in ("RESHAPE", "SQUEEZE"):
        return False
    reader = single_reader(g, op.outputs[0])
    return reader is not None and reader.type == "FULLY_CONNECTED" and reader.inputs[0] == op.outputs[0] \
        and g.tensors[op.outputs[0]].shape[-1] % channels == 0


def _output_ranges(w: np.ndarray, axis: int) -> np.ndarray:
    others = tuple(i for i in range(w.ndim) if i != axis)
    return np.abs(w).max(axis=others)


def _input_channel_of(second: Operator, w2: np.ndarray, channels: int) -> tuple[np.ndarray, int]:
    """For each element along the second layer's input axis: which channel it belongs to (a
    fully connected layer after a flatten reads channel i % channels in column i)."""
    axis = get(second.type).quant.weight_input_axis
    assert axis is not None  # find_pairs pairs weighted layers only
    return np.arange(w2.shape[axis]) % channels, axis


def equalize_pair(g: Graph, first: Operator, second: Operator) -> float:
    """Rescale one pair in place; returns the largest relative change of a scale factor."""
    w1 = g.tensors[first.inputs[1]].values.astype(np.float64)
    w2 = g.tensors[second.inputs[1]].values.astype(np.float64)
    axis1 = weight_axis(first)
    assert axis1 is not None  # find_pairs pairs weighted layers only
    channels = w1.shape[axis1]
    r1 = _output_ranges(w1, axis1)
    channel_of, axis2 = _input_channel_of(second, w2, channels)
    moved = np.moveaxis(np.abs(w2), axis2, 0).reshape(w2.shape[axis2], -1).max(axis=1)
    r2 = np.zeros(channels)
    np.maximum.at(r2, channel_of, moved)
    ok = (r1 > 0) & (r2 > 0)
    s = np.ones(channels)
    s[ok] = np.sqrt(r1[ok] / r2[ok])
    shape1 = [1] * w1.ndim
    shape1[axis1] = channels
    own_const(g, first, 1, w1 / s.reshape(shape1))
    bias = bias_of(g, first, channels).astype(np.float64)
    own_const(g, first, 2, bias / s)
    shape2 = [1] * w2.ndim
    shape2[axis2] = -1
    own_const(g, second, 1, w2 * s[channel_of].reshape(shape2))
    return float(np.max(np.abs(s - 1.0))) if channels else 0.0


def equalize(g: Graph, iterations: int = 20, tolerance: float = 1e-4) -> int:
    """Equalize every pair in place, repeating until the scales settle. Returns the pair count."""
    pairs = find_pairs(g)
    for _ in range(iterations):
        change = max((equalize_pair(g, a, b) for a, b in pairs), default=0.0)
        if change < tolerance:
            break
    return len(pairs)
