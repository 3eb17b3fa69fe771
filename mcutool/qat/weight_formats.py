"""The weight fake quantizer of one layer, by its format (operator name -> format lives in
QatModel.formats): "int8" and "int16" (int16 activations, int8 weights) on the int8 grid,
"int4" on the int4 grid, "codebook:K" as K trained shared int8 values (qat/codebook.py).

The grid (qmax) and axis come from grid.weight_layout; this only picks the module.
"""
from __future__ import annotations

import torch
from torch import nn

from mcutool.qat.codebook import CodebookQuant
from mcutool.qat.fake_quant import WeightQuant
from mcutool.quantize.codebook import parse_weights


def weight_quantizer(fmt: str, w: torch.Tensor, axis: int | None, qmax: int, learn: bool) -> nn.Module:
    """The module that fake-quantizes a layer's weights w (IR layout) in format fmt."""
    k = parse_weights(fmt)
    if k is not None:
        return CodebookQuant(w, axis, k, learn)
    return WeightQuant(w, axis, qmax, learn)
