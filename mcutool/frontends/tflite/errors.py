"""Errors of the .tflite frontend; each carries one sentence the CLI prints as is."""
from mcutool.errors import McutoolError


class ModelFormatError(McutoolError):
    """The input is not a readable .tflite file (missing, empty, wrong type, truncated, corrupt)."""


class UnsupportedModelError(McutoolError):
    """A valid .tflite file that mcutool cannot represent (dynamic shapes, >4-D activations, ...)."""


class ModelWriteError(McutoolError):
    """The graph cannot be written as a .tflite file (e.g. a dtype TFLite has no type for)."""
