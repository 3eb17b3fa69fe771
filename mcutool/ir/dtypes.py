"""Element types of the IR, each with its size in bits.

numpy has no sub-byte integers, so a type is described here by its bit width and by the numpy
type that holds one element unpacked in memory: an int4 tensor's data is an int8 array of
values in [-8, 7], and its size in flash or in a .tflite buffer is ceil(count * 4 / 8) bytes,
packed two per byte as TFLite packs INT4 (element 0 in the low nibble).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class DType:
    name: str
    bits: int
    storage: str     # numpy dtype of one unpacked element

    @property
    def packed(self) -> bool:
        """Several elements share a byte."""
        return self.bits < 8

    def nbytes(self, count: int) -> int:
        """Bytes that `count` elements take packed: whole bytes, the last one padded."""
        return (int(count) * self.bits + 7) // 8

    @property
    def range(self) -> tuple[int, int]:
        """Smallest and largest value of an integer type."""
        if self.storage.startswith("float") or self.storage == "bool":
            raise ValueError(f"{self.name} is not an integer type")
        if self.packed:
            return -(1 << (self.bits - 1)), (1 << (self.bits - 1)) - 1
        info = np.iinfo(self.storage)
        return int(info.min), int(info.max)


_TYPES = [DType("float32", 32, "float32"), DType("int4", 4, "int8"), DType("int8", 8, "int8"),
          DType("uint8", 8, "uint8"), DType("int16", 16, "int16"), DType("int32", 32, "int32"),
          DType("int64", 64, "int64"), DType("bool", 8, "bool")]
DTYPES_BY_NAME: dict[str, DType] = {t.name: t for t in _TYPES}


def dtype_of(name: str) -> DType:
    """The IR type called `name`; numpy-only names (float16, ...) get their numpy width."""
    known = DTYPES_BY_NAME.get(name)
    if known is not None:
        return known
    np_type = np.dtype(name)   # raises TypeError for a name numpy does not know either
    return DType(name, np_type.itemsize * 8, np_type.name)


def storage_of(name: str) -> str:
    """numpy dtype that holds the unpacked elements of IR type `name`."""
    return dtype_of(name).storage


def pack_int4(values: np.ndarray) -> np.ndarray:
    """int4 values (any shape, each in [-8, 7]) -> uint8 bytes, two per byte, element 0 in the
    low nibble; an odd count leaves the last high nibble 0 (TFLite's INT4 layout)."""
    v = np.asarray(values).reshape(-1).astype(np.int64)
    if v.size and (v.min() < -8 or v.max() > 7):
        raise ValueError(f"int4 values must lie in [-8, 7], got [{v.min()}, {v.max()}]")
    nibbles = (v & 0xF).astype(np.uint8)
    if nibbles.size % 2:
        nibbles = np.append(nibbles, np.uint8(0))
    return (nibbles[0::2] | (nibbles[1::2] << 4)).astype(np.uint8)


def unpack_int4(raw: np.ndarray | bytes, count: int) -> np.ndarray:
    """The first `count` int4 values (int8 array) of packed bytes (see pack_int4)."""
    b = np.frombuffer(bytes(raw), np.uint8) if isinstance(raw, (bytes, bytearray)) else \
        np.asarray(raw).reshape(-1).view(np.uint8)
    if b.size * 2 < count:
        raise ValueError(f"{b.size} packed bytes hold fewer than {count} int4 values")
    nibbles = np.empty(b.size * 2, np.int16)
    nibbles[0::2] = b & 0xF
    nibbles[1::2] = b >> 4
    nibbles = np.where(nibbles >= 8, nibbles - 16, nibbles)
    return nibbles[:count].astype(np.int8)
