"""What an operator's `torch_forward` (its OpDef field) sees: the values of one forward pass.

Layout: 4-D activations are NCHW inside the module (torch's convolution layout) and NHWC in the
IR; the model's input is converted once on the way in and its outputs once on the way out.
Operators whose meaning depends on the layout (reshape, axes, paddings, broadcasting with a
constant) take their operands with `nhwc()` and hand the result back with `finish()`; convolution
and pooling work on NCHW directly. The batch replaces the IR's leading dimension of 1.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import torch
import torch.nn.functional as F

from mcutool.reference.float_kernels import same_or_valid

if TYPE_CHECKING:
    from mcutool.ir import Operator
    from mcutool.qat.model import QatModel


def to_internal(t: torch.Tensor) -> torch.Tensor:
    return t.permute(0, 3, 1, 2) if t.dim() == 4 else t


def to_nhwc(t: torch.Tensor) -> torch.Tensor:
    return t.permute(0, 2, 3, 1) if t.dim() == 4 else t


class TorchEnv:
    torch = torch
    F = F

    def __init__(self, model: QatModel, n: int):
        self.model = model
        self.graph = model.graph
        self.n = n
        self.values: dict[str, torch.Tensor] = {}

    # -- operands ----------------------------------------------------------------------------
    def input(self, op: Operator, slot: int = 0) -> torch.Tensor:
        """An activation operand in the module's layout."""
        return self.values[op.inputs[slot]]

    def nhwc(self, op: Operator, slot: int = 0) -> torch.Tensor:
        """An operand in the IR's layout: activations with the batch first, constants as stored
        (already on their int8 grid)."""
        name = op.inputs[slot]
        if name in self.values:
            return to_nhwc(self.values[name])
        return self.model.constant(name)

    def const(self, name: str) -> np.ndarray:
        data = self.graph.tensors[name].data
        assert data is not None, f"{name} is not a constant"
        return data

    def weight(self, op: Operator) -> torch.Tensor:
        """Input 1 fake-quantized, in the IR's layout (OHWI, 1HWC or [units, depth])."""
        return self.model.fake_weight(op)

    def bias(self, op: Operator) -> torch.Tensor | None:
        return self.model.fake_bias(op)

    # -- results -----------------------------------------------------------------------------
    def finish(self, t: torch.Tensor, op: Operator) -> torch.Tensor:
        """An NHWC result reshaped to the output's IR shape and put in the module's layout."""
        shape = self.graph.tensors[op.outputs[0]].shape
        return to_internal(t.reshape(self.n, *shape[1:]))

    @staticmethod
    def fused(t: torch.Tensor, activation: str) -> torch.Tensor:
        if activation == "NONE":
            return t
        if activation == "RELU":
            return F.relu(t)
        if activation == "RELU6":
            return torch.clamp(t, 0.0, 6.0)
        if activation == "RELU_N1_TO_1":
            return torch.clamp(t, -1.0, 1.0)
        raise ValueError(f"unknown fused activation {activation!r}")

    @staticmethod
    def pad_for_window(x: torch.Tensor, attrs: Any, kh: int, kw: int, value: float = 0.0) -> torch.Tensor:
        """NCHW x padded as TFLite pads it for a window (SAME may pad one more after)."""
        dh, dw = getattr(attrs, "dilation_h", 1), getattr(attrs, "dilation_w", 1)
        _, top, bottom = same_or_valid(attrs.padding, x.shape[2], kh, attrs.stride_h, dh)
        _, left, right = same_or_valid(attrs.padding, x.shape[3], kw, attrs.stride_w, dw)
        if top or bottom or left or right:
            x = F.pad(x, (left, right, top, bottom), value=value)
        return x

    def binary(self, op: Operator, fn: Any) -> torch.Tensor:
        """ADD, SUB, MUL: TFLite's right-aligned broadcasting in the IR's layout, then the
        fused activation."""
        return self.finish(self.fused(fn(self.nhwc(op, 0), self.nhwc(op, 1)), op.attrs.activation), op)
