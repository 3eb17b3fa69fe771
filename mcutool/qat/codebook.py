"""Clustering-aware fine-tuning of codebook weights (`qat --weights codebook:K`): trained
quantization as in Deep Compression (Han et al., ICLR 2016).

A layer's weights are int8 codes per channel (scale max|w| / 127, as PTQ quantizes them) that
take at most K shared values: one table per layer, shared by all channels, each weight an index
into it. The initial table and indices are PTQ's (mcutool.quantize.codebook.cluster_weights on
the int8 codes), so the untrained module exports exactly what `quantize --weights codebook:K`
would for the same scales.

Forward: the weight at a position is round(centroid[index]) * scale[channel]. The rounding is
a straight-through estimator, so training sees the int8 table the C will store and the export
is exact. Backward:
- each centroid's gradient is the sum of its members' gradients (indexing's backward adds them
  up), in code units times the channel scale, i.e. exactly Han's rule when the channels share a
  scale;
- the float weights get the straight-through gradient too (as if they had been used directly),
  so that re-assigning them to the nearest centroid (`reassign`) has something to move.

Centroids are parameters in weight units (code * the layer's mean scale, `unit`): Adam's steps
are about lr in the units of its parameter, so a centroid then moves at the pace of the weights
it stands for. Parametrised in codes, lr 1e-4 would move a centroid by a hundredth of a code in
a whole fine-tuning and nothing would change.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from mcutool.qat.fake_quant import grad_scale, round_half_away, round_ste
from mcutool.quantize import params as qp
from mcutool.quantize.codebook import cluster_weights

QMAX = 127   # the codes stay on the symmetric int8 grid, as PTQ's


class CodebookQuant(nn.Module):
    """Codebook fake quantizer of one layer's weights (the WeightQuant interface: forward, step,
    export, enabled, axis, qmax), built from the float weights w (IR layout)."""

    def __init__(self, w: torch.Tensor, axis: int | None, k: int, learn: bool = False):
        super().__init__()
        self.axis, self.qmax, self.k = axis, QMAX, k
        self.learn = learn
        self.enabled = True
        w_np = w.detach().numpy().astype(np.float32)
        scales = qp.weight_scales(w_np, axis, qmax=QMAX)
        indices, table = cluster_weights(qp.quantize_weights(w_np, scales, axis, QMAX), k)
        self.unit = float(np.mean(scales))
        self.centroids = nn.Parameter(torch.from_numpy(table.astype(np.float32) * np.float32(self.unit)))
        self.indices: torch.Tensor
        self.register_buffer("indices", torch.from_numpy(indices.astype(np.int64)))
        scale = torch.from_numpy(scales)
        self.g = 1.0 / math.sqrt(w.numel() / (w.shape[axis] if axis is not None else 1) * QMAX)
        self.scale: torch.Tensor
        if learn:
            self.scale = nn.Parameter(scale)
        else:
            self.register_buffer("scale", scale)

    def _shape(self, w: torch.Tensor) -> list[int]:
        shape = [1] * w.dim()
        if self.axis is not None:
            shape[self.axis] = -1
        return shape

    def table(self) -> torch.Tensor:
        """The centroids as the int8 values the C stores (rounded, straight-through)."""
        return torch.clamp(round_ste(self.centroids / self.unit), -QMAX, QMAX)

    def codes(self) -> torch.Tensor:
        """table()'s values, without gradient."""
        with torch.no_grad():
            return torch.clamp(round_half_away(self.centroids / self.unit), -QMAX, QMAX)

    def step(self, w: torch.Tensor) -> torch.Tensor:
        s = grad_scale(self.scale.abs().clamp_min(1e-9), self.g) if self.learn else self.scale
        return s.reshape(self._shape(w))

    def forward(self, w: torch.Tensor) -> torch.Tensor:
        if not self.enabled:
            return w
        shared = self.table()[self.indices] * self.step(w)
        return shared + (w - w.detach())   # the value of `shared`, the weights' STE gradient too

    def export(self, w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(integer codes in IR layout, float32 scale per channel or a single one)."""
        with torch.no_grad():
            return self.codes()[self.indices], self.step(w).reshape(-1)

    def reassign(self, w: torch.Tensor) -> int:
        """Each weight to the nearest centroid (in codes at its channel's scale; ties to the
        first); returns how many indices changed."""
        with torch.no_grad():
            u = w / self.step(w)
            new = (u.unsqueeze(-1) - self.codes()).abs().argmin(dim=-1)
            changed = int((new != self.indices).sum())
            self.indices.copy_(new)
            return changed
