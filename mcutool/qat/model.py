"""The float IR as a torch module with fake quantization exactly where the int8 graph
quantizes (mcutool.quantize.quantizer writes that graph; this mirrors it):

- every activation tensor (the input and each operator's output) per tensor with the
  (scale, zero point) PTQ calibration gives it, on its own grid (`bits`: int8 asymmetric, or
  int16 symmetric with zero point 0): fixed outputs (softmax, logistic, tanh) pinned, and one
  quantizer for the tensors that share parameters in the quantized graph (pooling, reshape,
  pad, concatenation: the OpDefs' QuantRule.shared_scale);
- weights symmetric, per layer in its format (`formats`: int8 or int4 grid, per channel where
  TFLite allows, or int8 codes sharing K values per layer: mcutool/qat/codebook.py), biases
  on their int32 grid (int64 where the layer's input is int16);
- other float constants (a MUL or ADD operand) on their output's grid (int8 or int16), frozen.

Fused activations clip in the float forward (env.fused) and again in the output's range.
The graph it is built from is prepared (mcutool.quantize.prepare): batch norm is already folded
into the weights with its frozen statistics, which is what QAT trains by default; or batch
norm comes back around every layer with batch statistics (batch_statistics(), see train.py
for the measurement that chose between them).
"""
from __future__ import annotations

import dataclasses
from typing import cast

import numpy as np
import torch
from torch import nn

from mcutool.ir import Graph, Operator, QuantParams
from mcutool.ops import get
from mcutool.qat.batchnorm import BatchStatFold, channel_stats
from mcutool.qat.codebook import CodebookQuant
from mcutool.qat.env import TorchEnv, to_internal, to_nhwc
from mcutool.qat.fake_quant import ActQuant, WeightQuant, fake_quantize
from mcutool.qat.grid import weight_layout
from mcutool.qat.weight_formats import weight_quantizer
from mcutool.quantize import int16 as q16
from mcutool.quantize import params as qp
from mcutool.quantize.mixed_activations import computes_int16

INT32_MAX = (1 << 31) - 1
INT64_LIMIT = float(1 << 62)   # quantize/int16.py's bias clip


def activation_names(graph: Graph) -> list[str]:
    names = list(graph.inputs)
    for op in graph.operators:
        names.extend(n for n in op.outputs if n not in names)
    return names


def shared_groups(graph: Graph, act: dict[str, QuantParams]) -> dict[str, str]:
    """tensor -> the first tensor of its group: tensors joined by a shared-scale operator and
    given equal parameters by the quantizer (a concatenated input it requantizes is not)."""
    root = {n: n for n in act}

    def find(n: str) -> str:
        while root[n] != n:
            n = root[n]
        return n

    for op in graph.operators:
        if get(op.type).quant.shared_scale is None:
            continue
        out = op.outputs[0]
        for n in op.inputs:
            if n in act and act[n].equals(act[out]) and find(n) != find(out):
                root[find(out)] = find(n)
    return {n: find(n) for n in act}


class QatModel(nn.Module):
    def __init__(self, graph: Graph, act: dict[str, QuantParams], formats: dict[str, str] | str = "int8",
                 learn_scales: bool = False, bits: dict[str, int] | None = None):
        """act: each activation's starting parameters, on its grid; formats: operator name ->
        weight format (qat/formats.py; a string: every layer); bits: activation -> 8 or 16
        (all 8 when None)."""
        super().__init__()
        self.graph = graph
        if isinstance(formats, str):
            formats = {op.name: formats for op in graph.operators if get(op.type).quant.weight_axis is not None}
        self.formats = dict(formats)
        self.bits = bits or {n: 8 for n in activation_names(graph)}
        fixed = {op.outputs[0] for op in graph.operators if get(op.type).quant.fixed_output is not None}
        names = activation_names(graph)
        groups = shared_groups(graph, {n: act[n] for n in names})
        roots = list(dict.fromkeys(groups[n] for n in names))
        members = {r: [n for n in names if groups[n] == r] for r in roots}
        self.act = nn.ModuleList()
        self.act_index: dict[str, int] = {}
        for k, r in enumerate(roots):
            q = act[r]
            features = int(np.prod(graph.tensors[r].shape))
            pinned = any(n in fixed for n in members[r])
            self.act.append(ActQuant(float(q.scale[0]), int(q.zero_point[0]), features, learn_scales, pinned,
                                     self.bits[r]))
            for n in members[r]:
                self.act_index[n] = k

        self.w = nn.ParameterList()
        self.b = nn.ParameterList()
        self.wq = nn.ModuleList()
        self.bn = nn.ModuleList()                # BatchStatFold per layer, with batch_statistics()
        self.layer_index: dict[str, int] = {}   # output tensor -> index into w, b, wq (and bn)
        self.ir_axes: list[int] = []
        self._raw: int | None = None             # layer computing its float pre-activation
        self._eff: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}
        self.constants: dict[str, torch.Tensor] = {}       # on their int8 grid
        self.raw_constants: dict[str, torch.Tensor] = {}   # as the float model has them
        self.quantizing = True
        for op in graph.operators:
            rule = get(op.type).quant
            if rule.weight_axis is not None:
                self._add_layer(op, rule.weight_axis, learn_scales)
            else:
                self._add_constants(op, act)
        self.logits_name = self._logits_name()

    def _add_layer(self, op: Operator, ir_axis: int, learn: bool) -> None:
        w = torch.from_numpy(np.array(self.graph.tensors[op.inputs[1]].data, np.float32))
        channels = w.shape[ir_axis]
        has_bias = len(op.inputs) > 2 and bool(op.inputs[2])
        data = self.graph.tensors[op.inputs[2]].data if has_bias else None
        b = data.reshape(-1) if data is not None else np.zeros(channels)
        self.layer_index[op.outputs[0]] = len(self.w)
        self.ir_axes.append(ir_axis)
        self.w.append(nn.Parameter(w))
        self.b.append(nn.Parameter(torch.from_numpy(np.array(b, np.float32))))
        fmt = self.formats.get(op.name, "int8")
        wide = {n for n, b in self.bits.items() if b == 16}
        qmax, axis = weight_layout(op.type, ir_axis, fmt, computes_int16(self.graph, op, wide, fmt))
        self.wq.append(weight_quantizer(fmt, w, axis, qmax, learn))

    def _add_constants(self, op: Operator, act: dict[str, QuantParams]) -> None:
        """Non-weight constants as the quantized graph will hold them (quantizer._operands:
        int8 per tensor, or int16 symmetric where the output is int16)."""
        rule = get(op.type).quant
        int16 = self.bits[op.outputs[0]] == 16
        for n in op.inputs:
            t = self.graph.tensors[n] if n else None
            if t is None or not t.is_const or n in self.constants:
                continue
            data = np.asarray(t.data)
            self.raw_constants[n] = torch.from_numpy(np.array(data, np.float32))
            if t.dtype == "float32" and rule.float_constants in ("own", "output") and int16:
                q = q16.constant_quant(data) if rule.float_constants == "own" else act[op.outputs[0]]
                scale = float(q.scale[0])
                data = q16.quantize_values(data, scale).astype(np.float32) * np.float32(scale)
            elif t.dtype == "float32" and rule.float_constants in ("own", "output"):
                q = (qp.activation_quant(float(data.min()), float(data.max()))
                     if rule.float_constants == "own" else act[op.outputs[0]])
                data = qp.fake_quantize(data, float(q.scale[0]), int(q.zero_point[0]))
            self.constants[n] = torch.from_numpy(np.array(data, np.float32))

    def _logits_name(self) -> str:
        """What the loss reads: a final SOFTMAX's input (its logits), else the output."""
        out = self.graph.outputs[0]
        for op in self.graph.operators:
            if op.outputs[0] == out and op.type == "SOFTMAX":
                return op.inputs[0]
        return out

    # -- what TorchEnv asks for -------------------------------------------------------------
    def constant(self, name: str) -> torch.Tensor:
        return (self.constants if self.quantizing else self.raw_constants)[name]

    def act_quant(self, name: str) -> ActQuant:
        return cast(ActQuant, self.act[self.act_index[name]])

    def weight_quant(self, k: int) -> WeightQuant | CodebookQuant:
        return cast("WeightQuant | CodebookQuant", self.wq[k])

    def effective(self, k: int, y_pre: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """The layer's float weights and bias: as trained, or with batch norm folded in."""
        if not len(self.bn):
            return self.w[k], self.b[k]
        factor, bias = cast(BatchStatFold, self.bn[k]).fold(y_pre)
        shape = [1] * self.w[k].dim()
        shape[self.ir_axes[k]] = -1
        return self.w[k] * factor.reshape(shape), bias

    def fake_weight(self, op: Operator) -> torch.Tensor:
        k = self.layer_index[op.outputs[0]]
        if self._raw == k:
            return self.w[k]
        w = self._eff[k][0] if k in self._eff else self.effective(k)[0]
        return self.weight_quant(k)(w)

    @property
    def activations(self) -> str:
        """"int16" when every activation is int16 (the 16x8 graph), else "int8"."""
        return "int16" if all(b == 16 for b in self.bits.values()) else "int8"

    def fake_bias(self, op: Operator) -> torch.Tensor | None:
        """The bias on its int32 grid (int64 for an int16 input), scale input_scale *
        weight_scale per channel."""
        k = self.layer_index[op.outputs[0]]
        if self._raw == k:
            return None
        w, b = self._eff[k] if k in self._eff else self.effective(k)
        wq, aq = self.weight_quant(k), self.act_quant(op.inputs[0])
        if not (wq.enabled and aq.enabled):
            return b
        s = (aq.step() * wq.step(w).reshape(-1)).detach()
        limit = INT64_LIMIT if aq.bits == 16 else INT32_MAX
        return fake_quantize(b, s, 0.0, -limit, limit)

    # -- batch norm with batch statistics (QatOptions.batch_norm == "batch") ------------------
    def _pre_activation(self, env: TorchEnv, op: Operator, k: int) -> torch.Tensor:
        """The layer's float output before bias and activation, from its fake-quantized input."""
        self._raw = k
        try:
            bare = Operator(op.type, op.inputs, op.outputs, dataclasses.replace(op.attrs, activation="NONE"), op.name)
            return get(op.type).torch_forward(env, bare)  # type: ignore[misc]
        finally:
            self._raw = None

    def batch_statistics(self, x: torch.Tensor) -> None:
        """Re-introduce batch norm around every layer, its statistics measured on x."""
        stats: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}
        with torch.no_grad():
            self._run(x, collect=stats)
        for k in range(len(self.w)):
            self.bn.append(BatchStatFold(*stats[k], self.b[k].detach().clone()))
            self.b[k].requires_grad_(False)  # beta takes over the bias

    def freeze_batch_statistics(self) -> None:
        for m in self.bn:
            cast(BatchStatFold, m).frozen = True

    def set_quantize(self, on: bool) -> None:
        """Fake quantization on (training, agreement) or off (the float model)."""
        self.quantizing = on
        for m in [*self.act, *self.wq]:   # every weight quantizer, whatever its format
            m.enabled = on

    def reassign_codebooks(self) -> int:
        """Every codebook layer's weights to their nearest centroids (QatOptions.codebook_reassign,
        once per epoch); how many indices changed."""
        changed = 0
        for k, wq in enumerate(self.wq):
            if isinstance(wq, CodebookQuant):
                changed += wq.reassign(self.effective(k)[0].detach())
        return changed

    # -- forward ------------------------------------------------------------------------------
    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x: NHWC samples (N, *input shape without its leading 1) -> (logits, output), both
        in the IR's layout."""
        return self._run(x)

    def _run(self, x: torch.Tensor, collect: dict | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        n = x.shape[0]
        env = TorchEnv(self, n)
        inp = self.graph.inputs[0]
        x = x.reshape(n, *self.graph.tensors[inp].shape[1:])
        env.values[inp] = self.act_quant(inp)(to_internal(x))
        self._eff = {}
        for op in self.graph.operators:
            k = self.layer_index.get(op.outputs[0])
            if k is not None and collect is not None:
                collect[k] = channel_stats(self._pre_activation(env, op, k))
            elif k is not None and len(self.bn):
                batch = self.training and not cast(BatchStatFold, self.bn[k]).frozen
                self._eff[k] = self.effective(k, self._pre_activation(env, op, k) if batch else None)
            out = get(op.type).torch_forward(env, op)  # type: ignore[misc]
            env.values[op.outputs[0]] = self.act_quant(op.outputs[0])(out)
        self._eff = {}
        return to_nhwc(env.values[self.logits_name]), to_nhwc(env.values[self.graph.outputs[0]])

    # -- what export reads ----------------------------------------------------------------------
    def act_range(self, name: str) -> tuple[float, float]:
        """The real range whose quantization parameters are this tensor's."""
        return self.act_quant(name).real_range()
