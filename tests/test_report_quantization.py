"""The quantization report names the integer type the model really has (int8, int16)."""
from __future__ import annotations

import numpy as np
import pytest

from mcutool.ir import FullyConnectedAttrs
from mcutool.ir.builder import GraphBuilder
from mcutool.quantize.pipeline import PtqOptions, run_ptq
from mcutool.report.quantization import format_report, quantization_report


def small_fc():
    rng = np.random.default_rng(0)
    b = GraphBuilder("fc")
    b.input("x", (1, 8), dtype="float32")
    b.const("w", rng.normal(0, 0.3, (4, 8)).astype(np.float32))
    b.const("b", rng.normal(0, 0.1, 4).astype(np.float32))
    b.tensor("y", (1, 4), dtype="float32")
    b.op("FULLY_CONNECTED", ["x", "w", "b"], ["y"], FullyConnectedAttrs())
    b.output("y")
    return b.build()


@pytest.mark.parametrize("activations", ["int8", "int16"])
def test_report_names_activation_type(activations):
    x = np.random.default_rng(1).normal(size=(16, 1, 8)).astype(np.float32)
    result = run_ptq(small_fc(), x, PtqOptions(activations=activations))
    y = np.zeros(len(x), np.int64)
    report = quantization_report(result.reference, result.int8, x, y)
    assert report["activations"] == activations
    text = format_report(report)
    assert f"SQNR of each {activations} output" in text
    assert f", {activations} {report['int8_accuracy']:.4f}" in text
    other = "int8" if activations == "int16" else "int16"
    assert other not in text
