"""What the `quantize` command and the `--calib` option of `generate` and `validate` share
besides the quantization itself: writing the int8 model, the float accuracy, the summary line.
(The command-line options are cli.py's; quantizing a data file is mcutool.api's.)"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from mcutool.fileio import write_atomic
from mcutool.ir import Graph
from mcutool.reference.float_exec import run_float_batches


def write_model(graph: Graph, path: str | Path) -> Path:
    """Write the .tflite next to its final name first, then move it into place."""
    from mcutool.frontends.tflite import write_tflite
    return write_atomic(path, write_tflite(graph, description=graph.description or "mcutool"))


def float_accuracy(graph: Graph, x: np.ndarray, y: np.ndarray) -> float:
    """Top-1 accuracy of the float model (numpy float32, TFLite's float semantics)."""
    out = run_float_batches(graph, x.astype(np.float32))[0]
    predictions = out.reshape(len(x), -1).argmax(axis=1)
    return float(np.mean(predictions == np.asarray(y).reshape(-1)))


def summary_line(summary: dict) -> str:
    o = summary["options"]
    extras = [name for name, on in (("bias correction", o["bias_correction"]), ("equalization", o["equalize"]))
              if on]
    weights = f"{'per-channel' if o['per_channel'] else 'per-tensor'} weights"
    if o.get("weights", "int8") == "int4":   # TFLite-Micro takes int4 FC weights per tensor only
        weights = (f"int4 {weights} (fully connected per tensor), {o.get('rounding', 'nearest')} rounding")
    elif o.get("weights", "int8").startswith("codebook:"):
        weights = f"{o['weights']} shared int8 values per layer, {weights}"
    if o.get("activations", "int8") == "int16":   # 16x8: the FC takes one weight scale
        weights = f"int16 activations, {weights} (fully connected per tensor), int64 bias"
    if summary.get("layer_formats"):   # --layer-bits or --flash-budget: count the layers per format
        formats = list(summary["layer_formats"].values())
        counted = ", ".join(f"{formats.count(f)} {f}{' activations' if f == 'int16' else ''}"
                            for f in dict.fromkeys(formats))
        weights = f"mixed {weights} ({counted})"
    acts = o.get("activations", "int8")
    if "int16" in (summary.get("layer_formats") or {}).values():
        acts = "int8/int16"   # int16 layers in an int8 model (quantize/mixed_activations.py)
    return (f"quantized with {o['method']} ranges, {weights}"
            f"{', ' + ', '.join(extras) if extras else ''}, on {summary['samples']} calibration samples "
            f"({summary['ops_before']} float ops -> {summary['ops_after_prepare']} {acts} ops)")
