"""The .tflite frontend: read a model into the graph IR and write the IR back as .tflite."""
from mcutool.frontends.tflite.errors import ModelFormatError, ModelWriteError, UnsupportedModelError
from mcutool.frontends.tflite.reader import read_tflite
from mcutool.frontends.tflite.writer import write_tflite

__all__ = ["ModelFormatError", "ModelWriteError", "UnsupportedModelError", "read_tflite", "write_tflite"]
