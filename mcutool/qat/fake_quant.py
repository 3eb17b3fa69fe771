"""Fake quantization in torch: quantize then dequantize in the forward pass, the
straight-through estimator (STE) for the rounding in the backward pass, and LSQ step sizes.

- Rounding is half away from zero, TFLite's (not torch.round's half to even), so that the
  weights the module trains with are exactly the codes the export writes.
- STE: `clamp(round_ste(x / s) + z, qmin, qmax)` has gradient 1 where the rounded code lies in
  [qmin, qmax] and 0 outside (clamp's own gradient), as in Bengio et al. 2013.
- LSQ (Esser et al. 2020): the step s is a parameter; autograd through `clamp(round_ste(v/s))*s`
  gives their gradient (round(v/s) - v/s inside the range, qmin or qmax outside), scaled by
  g = 1/sqrt(N * Qp) with `grad_scale`.
"""
from __future__ import annotations

import math

import torch
from torch import nn


def round_half_away(x: torch.Tensor) -> torch.Tensor:
    # Not floor(|x| + 0.5): in float32 0.49999997 + 0.5 rounds up to 1. x - trunc(x) is exact.
    t = torch.trunc(x)
    return torch.where((x - t).abs() >= 0.5, t + torch.sign(x), t)


def round_ste(x: torch.Tensor) -> torch.Tensor:
    """round in the forward pass, identity in the backward pass."""
    return x + (round_half_away(x) - x).detach()


def grad_scale(s: torch.Tensor, g: float) -> torch.Tensor:
    """s in the forward pass; its gradient multiplied by g in the backward pass."""
    return (s - s * g).detach() + s * g


def fake_quantize(x: torch.Tensor, scale: torch.Tensor, zero_point: torch.Tensor | float,
                  qmin: float, qmax: float) -> torch.Tensor:
    q = torch.clamp(round_ste(x / scale) + zero_point, qmin, qmax)
    return (q - zero_point) * scale


def codes(x: torch.Tensor, scale: torch.Tensor, zero_point: float, qmin: int, qmax: int) -> torch.Tensor:
    """The integer codes fake_quantize stands for (no gradient)."""
    with torch.no_grad():
        return torch.clamp(round_half_away(x / scale) + zero_point, qmin, qmax)


# The activation grids: int8 asymmetric (a zero point), int16 symmetric (zero point 0,
# scale max|x| / 32767 as mcutool/quantize/int16.py, TFLite's 16x8 scheme).
ACT_GRIDS = {8: (-128, 127), 16: (-32768, 32767)}


class ActQuant(nn.Module):
    """Per-tensor fake quantizer of one activation (or a group sharing one), on the int8 or
    the int16 grid (`bits`).

    The zero point stays where PTQ calibration put it (0 for int16); the scale is a buffer, or
    an LSQ parameter with `learn`. `fixed` pins it (softmax, logistic, tanh outputs)."""

    QMIN, QMAX = ACT_GRIDS[8]

    def __init__(self, scale: float, zero_point: int, features: int, learn: bool = False, fixed: bool = False,
                 bits: int = 8):
        super().__init__()
        if bits not in ACT_GRIDS:
            raise ValueError(f"activations are 8 or 16 bits, not {bits}")
        value = torch.tensor(float(scale), dtype=torch.float32)
        self.learn = learn and not fixed
        if self.learn:
            self.scale = nn.Parameter(value)
        else:
            self.register_buffer("scale", value)
        self.bits = bits
        self.qmin, self.qmax = ACT_GRIDS[bits]
        self.zero_point = int(zero_point)
        self.fixed = fixed
        self.g = 1.0 / math.sqrt(max(1, features) * (self.qmax - self.qmin))
        self.enabled = True

    def step(self) -> torch.Tensor:
        s = self.scale.abs().clamp_min(1e-8)
        return grad_scale(s, self.g) if self.learn else s

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.enabled:
            return x
        return fake_quantize(x, self.step(), float(self.zero_point), self.qmin, self.qmax)

    def params(self) -> tuple[float, int]:
        """(scale, zero point) as the quantized graph will hold them (float32 scale)."""
        return float(self.scale.detach().abs().clamp_min(1e-8)), self.zero_point

    def real_range(self) -> tuple[float, float]:
        """The real range whose quantization parameters (quantize.params for int8,
        quantize.int16 for int16: symmetric over qmax) are this quantizer's."""
        scale, zp = self.params()
        if self.bits == 16:
            return -self.qmax * scale, self.qmax * scale
        return (self.qmin - zp) * scale, (self.qmax - zp) * scale


class WeightQuant(nn.Module):
    """Symmetric weight fake quantizer: per channel along the IR axis (or per tensor), on the
    int8 grid [-127, 127] or the int4 grid [-7, 7].

    Without `learn` the scale follows the weights (max|w| / qmax per channel, recomputed each
    step and not differentiated, as PTQ computes it); with `learn` it is an LSQ parameter
    initialised the same way."""

    def __init__(self, w: torch.Tensor, axis: int | None, qmax: int, learn: bool = False):
        super().__init__()
        self.axis, self.qmax = axis, qmax
        self.learn = learn
        self.enabled = True
        self.g = 1.0 / math.sqrt(w.numel() / (w.shape[axis] if axis is not None else 1) * self.qmax)
        if learn:
            self.scale = nn.Parameter(self.minmax_scale(w).detach().clone())

    def _shape(self, w: torch.Tensor) -> list[int]:
        shape = [1] * w.dim()
        if self.axis is not None:
            shape[self.axis] = -1
        return shape

    def minmax_scale(self, w: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            if self.axis is None:
                peak = w.abs().max().reshape(1)
            else:
                dims = [d for d in range(w.dim()) if d != self.axis]
                peak = w.abs().amax(dim=dims)
            return torch.where(peak > 0, peak / self.qmax, torch.full_like(peak, 1e-9))

    def step(self, w: torch.Tensor) -> torch.Tensor:
        if self.learn:
            s = grad_scale(self.scale.abs().clamp_min(1e-9), self.g)
        else:
            s = self.minmax_scale(w)
        return s.reshape(self._shape(w))

    def forward(self, w: torch.Tensor) -> torch.Tensor:
        if not self.enabled:
            return w
        return fake_quantize(w, self.step(w), 0.0, -self.qmax, self.qmax)

    def export(self, w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(integer codes in IR layout, float32 scale per channel or a single one)."""
        with torch.no_grad():
            s = self.step(w)
            return codes(w, s, 0.0, -self.qmax, self.qmax), s.reshape(-1)
