"""What QAT trains each layer and tensor as, decided before training (no torch needed):

- the weight format per conv, depthwise and fully connected layer (operator name -> "int8",
  "int4", "codebook:K" or "int16"): `--weights`, then `--layer-bits` (quantize's parser and
  resolver, so names and errors are the same), or the PTQ budget search of `--flash-budget`
  (quantize/budget.py) on the calibration samples, offered only formats QAT can train;
- the bits of every activation tensor (activation_bits).

int4:adaround becomes int4: training learns the rounding AdaRound would.
"""
from __future__ import annotations

import numpy as np

from mcutool.ir import Graph
from mcutool.qat import QatError
from mcutool.qat.checks import QatOptions
from mcutool.quantize.layer_bits import ADAROUND, resolve, weight_layers
from mcutool.quantize.mixed_activations import int16_tensors

# The budget search's candidates that QAT can train (AdaRound's int4 is int4 here).
BUDGET_CANDIDATES: tuple[str, ...] = ("int4", "codebook:16", "codebook:8", "codebook:4", "int16")


def _trainable(fmt: str) -> str:
    return "int4" if fmt == ADAROUND else fmt


def layer_formats(prepared: Graph, options: QatOptions) -> dict[str, str]:
    """Operator name -> weight format: --weights, except the layers --layer-bits names."""
    formats = {name: options.weights for name in weight_layers(prepared)}
    formats.update(resolve(prepared, options.layer_bits or {}))
    return {n: _trainable(f) for n, f in formats.items()}


def choose_formats(graph: Graph, prepared: Graph, x_calib: np.ndarray, options: QatOptions,
                   progress: bool = False) -> tuple[dict[str, str], dict | None]:
    """(operator name -> weight format, the budget search's report or None). With
    --flash-budget the PTQ search picks the formats on the calibration samples (its table is
    the report); layers --layer-bits names keep their format."""
    if options.flash_budget is None:
        return layer_formats(prepared, options), None
    from mcutool.quantize.budget import search_budget
    from mcutool.quantize.pipeline import PtqOptions, calibrate_graph
    ptq = PtqOptions(method=options.method, weights=options.weights, layer_bits=options.layer_bits,
                     flash_budget=options.flash_budget, ram_budget=options.ram_budget)
    cal = calibrate_graph(graph, x_calib, ptq)
    formats, report = search_budget(cal, options.flash_budget, progress, BUDGET_CANDIDATES)
    return {n: _trainable(f) for n, f in formats.items()}, report


def activation_bits(graph: Graph, formats: dict[str, str], activations: str) -> dict[str, int]:
    """Activation tensor (the inputs and every operator output) -> 8 or 16 bits.
    `--activations int16`: all of them (TFLite's 16x8 scheme); else those the quantizer
    stores int16 for the layers whose format is "int16" (quantize/mixed_activations.py)."""
    names = list(dict.fromkeys([*graph.inputs, *(n for op in graph.operators for n in op.outputs)]))
    if activations == "int16":
        return {n: 16 for n in names}
    wide = int16_tensors(graph, formats)   # the tensors the quantizer stores int16 for "int16" layers
    return {n: 16 if n in wide else 8 for n in names}


def check_trained_bytes(trained: int, report: dict) -> None:
    """The trained model's weights must fit the budget the formats were chosen for (int4 is
    the same size whatever the codes; a codebook's table can grow with training)."""
    budget = report["budget_bytes"]
    if trained > budget:
        raise QatError(f"--flash-budget {budget}: the trained model's weights take {trained} bytes, "
                       f"{trained - budget} bytes over the budget (the formats chosen before training took "
                       f"{report['weight_bytes']}); nothing was written")
