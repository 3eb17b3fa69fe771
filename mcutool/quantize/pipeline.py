"""Post-training quantization end to end: checks, graph preparation, optional equalization and
bias correction, calibration and int8 conversion. It ends at the int8 IR: checking that every
op lowers, and the optional report, are mcutool.api's (quantize_samples)."""
from __future__ import annotations

import copy
import time
from dataclasses import asdict, dataclass

import numpy as np

from mcutool.data import Dataset, check_samples
from mcutool.errors import McutoolError
from mcutool.ir import Graph
from mcutool.quantize.adaround import adaround_graph
from mcutool.quantize.bias_correction import correct_biases
from mcutool.quantize.calibrate import DEFAULT_BATCH, calibrate
from mcutool.quantize.codebook import apply_codebook, parse_weights
from mcutool.quantize.equalize import equalize
from mcutool.quantize.int4 import check_weight_options
from mcutool.quantize.int16 import check_activation_options
from mcutool.quantize.layer_bits import check_format, resolve, weight_layers
from mcutool.quantize.observers import METHODS
from mcutool.quantize.prepare import prepare
from mcutool.quantize.quantizer import check_quantizable, quantize_graph

# Measured by benchmarks/ptq_estimators.py on the digits example: mse gives the best mean
# per-layer SQNR (38.6 dB vs 38.4 minmax, 37.1 percentile, 28.9 kl) and ties for the best
# int8 accuracy. See that script's docstring for the full table.
DEFAULT_METHOD = "mse"


class CalibrationError(McutoolError):
    pass


@dataclass
class PtqOptions:
    method: str = DEFAULT_METHOD
    per_channel: bool = True
    samples: int | None = None       # use the first N calibration samples
    bias_correction: bool = False
    equalize: bool = False
    percentile: float = 99.99
    batch_size: int = DEFAULT_BATCH
    weights: str = "int8"            # "int4": 4-bit conv, depthwise and FC weights (quantize/int4.py);
                                     # "codebook:K": K shared int8 values per layer (quantize/codebook.py)
    rounding: str = "nearest"        # "adaround": learned rounding of the int4 weights
    # layer name -> weight format for that layer instead of `weights` (quantize/layer_bits.py)
    layer_bits: dict[str, str] | None = None
    flash_budget: int | None = None  # bytes: choose the formats per layer (quantize/budget.py)
    ram_budget: int | None = None    # arena bytes the budget search may use (default: int8's arena)
    activations: str = "int8"        # "int16": TFLite's 16x8 scheme (quantize/int16.py)

    def check(self) -> None:
        check_weight_options(self.weights, self.rounding)
        check_activation_options(self.activations, self.weights)
        if self.bias_correction and self.rounding == "adaround":
            # the correction is measured for nearest rounding, which AdaRound then changes
            raise CalibrationError("--bias-correction and --rounding adaround do not combine: AdaRound "
                                   "re-rounds the weights the correction was measured for; use one of them")
        if self.method not in METHODS:
            raise CalibrationError(f"unknown calibration method {self.method!r}; choose from {', '.join(METHODS)}")
        if self.samples is not None and self.samples < 1:
            raise CalibrationError(f"--samples must be at least 1, got {self.samples}")
        if self.layer_bits is not None:
            self.layer_bits = {n: check_format(f) for n, f in self.layer_bits.items()}
            for fmt in self.layer_bits.values():   # 16x8 takes int8 weights only
                if fmt == "int16" and self.activations != "int8":
                    raise CalibrationError("--layer-bits NAME=int16 gives one layer int16 activations in an "
                                           "int8 model; with --activations int16 every layer has them already")
                check_activation_options(self.activations, fmt.split(":")[0])
        if self.flash_budget is not None and self.activations != "int8":
            # the candidates are weight formats, which 16x8 does not take (see quantize/budget.py)
            raise CalibrationError(f"--flash-budget chooses weight formats for int8 activations; "
                                   f"it does not combine with --activations {self.activations}")
        from mcutool.quantize.budget import check_ram_budget
        check_ram_budget(self.ram_budget, self.flash_budget)
        if self.flash_budget is not None and self.flash_budget < 1:
            raise CalibrationError(f"--flash-budget must be at least 1 byte, got {self.flash_budget}")
        if not 50.0 < self.percentile <= 100.0:
            raise CalibrationError(f"percentile {self.percentile} must be in (50, 100]")


def check_float_model(graph: Graph, what: str = "the model") -> None:
    """Raise a clear McutoolError unless the graph is a float model that can be quantized."""
    quantized = sorted({graph.tensors[n].dtype for op in graph.operators for n in op.outputs
                        if graph.tensors[n].dtype in ("int8", "uint8", "int16")})
    if quantized or any(graph.tensors[n].dtype != "float32" for n in graph.inputs):
        kinds = ", ".join(quantized) or graph.tensors[graph.inputs[0]].dtype
        raise McutoolError(f"{what} is already quantized ({kinds}); it needs no calibration. Use it "
                           "with `mcutool generate` or `mcutool validate` directly (without --calib).")
    if not graph.operators:
        raise McutoolError(f"{what} has no operators")
    if len(graph.inputs) != 1:
        raise McutoolError(f"calibration supports single-input models; {what} has {len(graph.inputs)} inputs")
    check_quantizable(graph)


def calibration_samples(graph: Graph, data: Dataset, samples: int | None = None) -> np.ndarray:
    """The calibration inputs as float32 (N, *input shape), checked."""
    shape = graph.tensors[graph.inputs[0]].shape
    if data.x.dtype.kind in "iub":
        raise CalibrationError(f"calibration data must be float values in the float model's input domain, "
                               f"got dtype {data.x.dtype} (convert it with x.astype(np.float32))")
    x = check_samples(Dataset(data.x), shape, what="calibration")
    if samples is not None:
        x = x[:samples]
    return x.astype(np.float32)


@dataclass
class PtqResult:
    int8: Graph
    reference: Graph   # the float graph the int8 one approximates, tensor for tensor
    summary: dict


@dataclass
class Calibrated:
    """What every weight format shares: the prepared float graph and its activation ranges."""
    prepared: Graph
    reference: Graph
    ranges: dict
    x: np.ndarray
    options: PtqOptions
    summary: dict


def calibrate_graph(graph: Graph, x: np.ndarray, options: PtqOptions | None = None,
                    progress: bool = False) -> Calibrated:
    """Checks, preparation, optional equalization and bias correction, and the activation ranges."""
    options = options or PtqOptions()
    options.check()
    check_float_model(graph)
    if options.samples is not None:
        x = x[:options.samples]
    prepared = prepare(graph)
    summary: dict = {"options": asdict(options), "samples": len(x),
                     "ops_before": len(graph.operators), "ops_after_prepare": len(prepared.operators)}
    if options.layer_bits:   # unknown names fail before the calibration runs
        resolve(prepared, options.layer_bits)
    if options.equalize:
        # Equalization keeps the float function but rescales inner tensors channel by channel,
        # so the per-layer comparison must be against the equalized float graph.
        summary["equalized_pairs"] = equalize(prepared)
    reference = copy.deepcopy(prepared)
    if options.bias_correction:
        summary["bias_corrected_layers"] = correct_biases(prepared, x, options.per_channel,
                                                          options.batch_size, progress, options.weights)
    ranges = calibrate(prepared, x, options.method, options.batch_size, options.percentile, progress)
    return Calibrated(prepared, reference, ranges, x, options, summary)


def layer_formats(cal: Calibrated) -> dict[str, str]:
    """Operator name -> weight format of every conv, depthwise and FC layer: `--weights` (with
    `--rounding`) unless `--layer-bits` names the layer."""
    o = cal.options
    default = "int4:adaround" if o.weights == "int4" and o.rounding == "adaround" else o.weights
    formats = {name: default for name in weight_layers(cal.prepared)}
    formats.update(resolve(cal.prepared, o.layer_bits or {}))
    return formats


def build_quantized(cal: Calibrated, formats: dict[str, str], progress: bool = False) -> tuple[Graph, dict]:
    """The quantized graph with these per-layer weight formats (int4 rounding and codebook
    clustering included), and what those steps report."""
    o = cal.options
    qgraph = quantize_graph(cal.prepared, cal.ranges, o.per_channel, o.weights, o.activations, formats)
    extras: dict = {}
    adaround = {n for n, f in formats.items() if f == "int4:adaround"}
    if adaround:
        extras["adaround"] = adaround_graph(qgraph, cal.prepared, cal.x, progress=progress, only=adaround)
    qgraph.description = f"mcutool post-training quantization ({o.method})"
    ks = {n: k for n, k in ((n, parse_weights(f)) for n, f in formats.items()) if k is not None}
    if ks:   # clusters the int8 codes and marks the graph (the .tflite keeps the mark)
        extras["codebook_sizes"] = apply_codebook(qgraph, max(ks.values()), ks)
    return qgraph, extras


def run_ptq(graph: Graph, x: np.ndarray, options: PtqOptions | None = None,
            progress: bool = False) -> PtqResult:
    """Quantize a float graph with calibration inputs x (N, *input shape)."""
    start = time.perf_counter()
    cal = calibrate_graph(graph, x, options, progress)
    summary = cal.summary
    if cal.options.flash_budget is not None:
        from mcutool.quantize.budget import search_budget
        formats, summary["budget"] = search_budget(cal, cal.options.flash_budget, progress)
    else:
        formats = layer_formats(cal)
    if cal.options.layer_bits or cal.options.flash_budget is not None:
        summary["layer_formats"] = formats
    qgraph, extras = build_quantized(cal, formats, progress)
    summary.update(extras)
    summary["seconds"] = round(time.perf_counter() - start, 3)
    return PtqResult(qgraph, cal.reference, summary)


def quantize_float_graph(graph: Graph, x: np.ndarray, options: PtqOptions | None = None,
                         progress: bool = False) -> tuple[Graph, dict]:
    """The int8 graph and a summary dict (options, timings)."""
    result = run_ptq(graph, x, options, progress)
    return result.int8, result.summary
