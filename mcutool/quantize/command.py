"""What the `quantize` command and the `--calib` option of `generate` and `validate` share:
click options, loading a float model and its calibration file, writing the int8 model."""
from __future__ import annotations

from pathlib import Path

import click
import numpy as np

from mcutool.data import load_data
from mcutool.fileio import write_atomic
from mcutool.ir import Graph
from mcutool.quantize.float_exec import run_float_batches
from mcutool.quantize.observers import METHODS
from mcutool.quantize.pipeline import (
    DEFAULT_METHOD,
    PtqOptions,
    calibration_samples,
    check_float_model,
    quantize_float_graph,
)

_PTQ_OPTIONS = [
    click.option("--method", type=click.Choice(METHODS), default=DEFAULT_METHOD, show_default=True,
                 help="Range estimator for activations (with --calib)."),
    click.option("--per-tensor", is_flag=True, help="One weight scale per tensor instead of per channel."),
    click.option("--samples", type=click.IntRange(min=1), help="Calibrate on the first N samples only."),
    click.option("--bias-correction", is_flag=True, help="Correct the bias shift that weight rounding causes."),
    click.option("--equalize", is_flag=True, help="Cross-layer equalization of weight ranges first."),
]


def ptq_options(fn):
    """Decorator adding the post-training quantization options to a command."""
    for option in reversed(_PTQ_OPTIONS):
        fn = option(fn)
    return fn


def calib_option(fn):
    return click.option("--calib", "calib_path", type=click.Path(dir_okay=False),
                        help="Quantize a float MODEL first, calibrating on this .npz/.npy.")(fn)


def options_from(kwargs: dict) -> PtqOptions:
    """Pop the PTQ options out of a command's keyword arguments."""
    return PtqOptions(method=kwargs.pop("method"), per_channel=not kwargs.pop("per_tensor"),
                      samples=kwargs.pop("samples"), bias_correction=kwargs.pop("bias_correction"),
                      equalize=kwargs.pop("equalize"))


def quantize_file(graph: Graph, calib_path: str | Path, options: PtqOptions, report: bool = False,
                  progress: bool = True, what: str = "the model") -> tuple[Graph, dict]:
    check_float_model(graph, what)  # an int8 model gets that message before any complaint about data
    data = load_data(calib_path)
    x = calibration_samples(graph, data, options.samples)
    labels = data.y if data.y is not None and len(data.y) == len(data.x) else None
    return quantize_float_graph(graph, x, options, progress=progress, report=report,
                                labels=None if labels is None else labels[:len(x)])


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
    return (f"quantized with {o['method']} ranges, {'per-channel' if o['per_channel'] else 'per-tensor'} weights"
            f"{', ' + ', '.join(extras) if extras else ''}, on {summary['samples']} calibration samples "
            f"({summary['ops_before']} float ops -> {summary['ops_after_prepare']} int8 ops)")
