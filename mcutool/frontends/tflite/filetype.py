"""Load model bytes and recognise what a file is when it is not a .tflite model.

Users hand mcutool the wrong file often enough (a Keras .h5, an ONNX export, a text file
saved by a browser) that naming the likely culprit is worth a few byte comparisons.
"""
from __future__ import annotations

from pathlib import Path

from mcutool.frontends.tflite.errors import ModelFormatError

TFLITE_IDENTIFIER = b"TFL3"  # flatbuffer file identifier, bytes 4..8 of every .tflite file
_ONNX_HINTS = (b"onnx", b"pytorch", b"tf2onnx", b"skl2onnx", b"keras2onnx")


def load_model_bytes(source: bytes | bytearray | memoryview | str | Path) -> tuple[bytes, str]:
    """Return (data, how to call it in messages) for a path or an in-memory model."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data, where = bytes(source), "the model data"
    else:
        path = Path(source)
        where = str(path)
        if not path.exists():
            raise ModelFormatError(f"model file {where} not found")
        if path.is_dir():
            raise ModelFormatError(
                f"{where} is a directory (a TensorFlow SavedModel?), not a .tflite file"
            )
        data = path.read_bytes()
    if not data:
        raise ModelFormatError(f"{where} is empty (0 bytes), not a .tflite model")
    return data, where


def check_tflite_identifier(data: bytes, where: str) -> None:
    """Raise ModelFormatError unless `data` carries the TFL3 identifier."""
    if data[4:8] == TFLITE_IDENTIFIER:
        return
    what = describe_foreign_file(data)
    if what:
        raise ModelFormatError(f"{where} is not a .tflite model: it looks like {what}")
    if len(data) < 8:
        if TFLITE_IDENTIFIER.startswith(data[4:]):
            raise ModelFormatError(f"{where} is a truncated .tflite file (only {len(data)} bytes)")
        raise ModelFormatError(f"{where} is too short ({len(data)} bytes) to be a .tflite model")
    ident = data[4:8]
    if all(0x20 < c < 0x7F for c in ident):
        raise ModelFormatError(
            f"{where} is not a .tflite model: it has file identifier {ident.decode()!r} "
            f"instead of 'TFL3'"
        )
    raise ModelFormatError(
        f"{where} is not a .tflite model (no 'TFL3' file identifier at bytes 4-8)"
    )


def describe_foreign_file(data: bytes) -> str | None:
    """A short description of a recognisable non-tflite file, or None."""
    head = data[:4096]
    if head.startswith(b"PK\x03\x04"):
        return "a zip archive (a Keras .keras or PyTorch .pt file?)"
    if head.startswith(b"\x89HDF\r\n\x1a\n"):
        return "an HDF5 file (a Keras .h5 model?)"
    if head.startswith(b"\x1f\x8b"):
        return "a gzip archive"
    if head.startswith(b"\x80") and len(head) > 1 and head[1] <= 5:
        return "a Python pickle (a PyTorch checkpoint?)"
    if head[:1] == b"\x08" and any(h in head.lower() for h in _ONNX_HINTS):
        return "an ONNX model (protobuf)"
    if _looks_like_text(head):
        return "a text file" if not head.lstrip().startswith((b"{", b"[")) else "a JSON/text file"
    return None


def _looks_like_text(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        # A multi-byte character may be cut at the 4096-byte boundary.
        try:
            text = head[:-3].decode("utf-8")
        except UnicodeDecodeError:
            return False
    return bool(text) and all(ch.isprintable() or ch in "\r\n\t\f" for ch in text)
