"""The trained module back to the IR: its weights and ranges into the prepared float graph,
the quantized graph from mcutool.quantize's quantizer (the module's per-layer weight formats,
int4 weight tensors where it trained int4; the 16x8 graph where every activation is int16),
then every weight tensor replaced by the module's own codes and scales (and the bias
re-quantized on its int32 or int64 grid), so that the graph computes with exactly the weights
the module trained with. Codebook weights are int8 codes with at most K values per layer, and
the graph carries the marker (the largest K) that makes `generate` store them as packed indices
and a table.
"""
from __future__ import annotations

import copy

import numpy as np
import torch

from mcutool.ir import Graph, QuantParams, Tensor
from mcutool.ir.codebook import with_marker
from mcutool.ir.dtypes import dtype_of
from mcutool.qat.model import QatModel, activation_names
from mcutool.quantize import int16 as q16
from mcutool.quantize import params as qp
from mcutool.quantize.codebook import parse_weights
from mcutool.quantize.quantizer import quantize_graph


def export_graph(model: QatModel) -> Graph:
    """The int8 IR of the module as it is now."""
    g = copy.deepcopy(model.graph)
    layers = [op for op in g.operators if op.outputs[0] in model.layer_index]
    for op in layers:
        k = model.layer_index[op.outputs[0]]
        w, b = (t.detach() for t in model.effective(k))
        g.tensors[op.inputs[1]].data = w.numpy().copy()
        bias = b.numpy().copy()
        if len(op.inputs) > 2 and op.inputs[2]:
            g.tensors[op.inputs[2]].data = bias.reshape(g.tensors[op.inputs[2]].shape)
        else:  # a trained bias where the float model had none
            name = _fresh(g, f"{op.outputs[0]}/bias")
            g.add_tensor(Tensor(name, (bias.size,), "float32", data=bias))
            op.inputs = (op.inputs + [""] * 3)[:3]
            op.inputs[2] = name
    ranges = {n: model.act_range(n) for n in activation_names(g)}
    # the per-layer formats go where pipeline.build_quantized passes them (an "int16" layer
    # format, int16 activations for some layers only, reaches the quantizer the same way)
    q = quantize_graph(g, ranges, True, "int8", model.activations, model.formats)
    # by name: a layer computing in int16 whose output is stored int8 writes a fresh tensor that a
    # QUANTIZE then converts, so its output name may have moved to that QUANTIZE
    by_name = {op.name: op for op in q.operators if op.type != "QUANTIZE"}
    for op in layers:
        _set_weights(q, by_name[op.name], model, model.layer_index[op.outputs[0]])
    what = describe(model.formats, model.activations)
    q.description = f"mcutool quantization-aware training ({what.replace('codebook:', 'codebook ')})"
    ks = [k for k in map(parse_weights, model.formats.values()) if k is not None]
    if ks:   # marked as apply_codebook marks PTQ's: generate stores the weights packed with their table
        q.description = with_marker(q.description, max(ks))
    return q


def describe(formats: dict[str, str], activations: str) -> str:
    """"int4 weights", "mixed precision (3 int8, 1 int4)" (layers per format; an "int16" layer
    has int8 weights and int16 activations), with ", int16 activations" for the 16x8 model."""
    kinds = list(formats.values())
    if len(set(kinds)) <= 1:
        text = f"{kinds[0] if kinds else 'int8'} weights"
    else:
        text = "mixed precision (" + ", ".join(f"{kinds.count(f)} {f}" for f in dict.fromkeys(kinds)) + ")"
    return text + (", int16 activations" if activations == "int16" else "")


def _set_weights(q: Graph, op, model: QatModel, k: int) -> None:
    wq = model.weight_quant(k)
    w, b = (t.detach() for t in model.effective(k))
    codes_t, scales_t = wq.export(w)
    w_t, b_t = q.tensors[op.inputs[1]], q.tensors[op.inputs[2]]
    scales = scales_t.numpy().astype(np.float32)
    lo, hi = dtype_of(w_t.dtype).range
    assert wq.qmax <= hi and -wq.qmax >= lo, f"{w_t.name}: a {w_t.dtype} tensor cannot hold codes +-{wq.qmax}"
    w_t.data = codes_t.numpy().astype(np.int8)  # int4 tensors hold their values unpacked, as int8
    w_t.quant = QuantParams(scales, np.zeros(scales.size, np.int64), wq.axis)
    channels = b_t.shape[0]
    in_scale = float(q.tensors[op.inputs[0]].scale)
    quantize_bias = q16.quantize_bias if b_t.dtype == "int64" else qp.quantize_bias   # 16x8: int64
    b_q, b_scales = quantize_bias(b.numpy(), in_scale, np.broadcast_to(scales, (channels,)))
    b_t.data = b_q
    zeros = np.zeros(b_scales.size, np.int64)
    b_t.quant = QuantParams(b_scales, zeros, 0) if wq.axis is not None else QuantParams(b_scales[:1], zeros[:1])


def _fresh(g: Graph, name: str) -> str:
    base, k = name, 1
    while name in g.tensors:
        name, k = f"{base}_{k}", k + 1
    return name


def fake_quant_outputs(model: QatModel, x: np.ndarray, batch: int = 256) -> np.ndarray:
    """The module's output (fake-quantized, IR layout) for float samples x, in eval mode."""
    model.eval()
    parts = []
    with torch.no_grad():
        for i in range(0, len(x), batch):
            parts.append(model(torch.from_numpy(np.ascontiguousarray(x[i:i + batch], np.float32)))[1].numpy())
    return np.concatenate(parts)
