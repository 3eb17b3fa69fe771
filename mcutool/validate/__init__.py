"""Proving generated code: outputs against TFLite-Micro, accuracy, layer-by-layer diffs."""
from mcutool.validate.compare import Comparison, compare_outputs, top1_accuracy
from mcutool.validate.run import validate_model

__all__ = ["Comparison", "compare_outputs", "top1_accuracy", "validate_model"]
