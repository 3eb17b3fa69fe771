"""Post-training quantization: float .tflite graph + calibration samples -> int8 graph.

    from mcutool.quantize import PtqOptions, quantize_float_graph
    int8_graph, summary = quantize_float_graph(float_graph, x, PtqOptions(method="mse"))

Modules, in pipeline order: prepare (graph clean-up), equalize (cross-layer equalization),
bias_correction, calibrate (reference.float_exec + observers), quantizer. The per-layer report
is mcutool.report.quantization; mcutool.api strings them together.
"""
from mcutool.quantize.observers import METHODS
from mcutool.quantize.pipeline import (
                                       DEFAULT_METHOD,
                                       PtqOptions,
                                       calibration_samples,
                                       check_float_model,
                                       quantize_float_graph,
)
from mcutool.reference.float_exec import run_float, run_float_batches

__all__ = ["DEFAULT_METHOD", "METHODS", "PtqOptions", "calibration_samples", "check_float_model",
           "quantize_float_graph", "run_float", "run_float_batches"]
