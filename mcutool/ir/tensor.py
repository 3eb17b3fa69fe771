"""Tensors of the graph IR: shape, dtype, quantization and optional constant data."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mcutool.ir.dtypes import DTYPES_BY_NAME, dtype_of

DTYPES = tuple(DTYPES_BY_NAME)


@dataclass
class QuantParams:
    """Affine quantization: real = (q - zero_point) * scale.

    One scale/zero point per tensor (axis None) or one per slice along `axis`.
    """

    scale: np.ndarray
    zero_point: np.ndarray
    axis: int | None = None

    def __post_init__(self) -> None:
        self.scale = np.atleast_1d(np.asarray(self.scale, dtype=np.float32))
        self.zero_point = np.atleast_1d(np.asarray(self.zero_point, dtype=np.int64))
        if self.zero_point.size == 1 and self.scale.size > 1:
            self.zero_point = np.full(self.scale.shape, int(self.zero_point[0]), np.int64)

    @property
    def per_channel(self) -> bool:
        return self.axis is not None and self.scale.size > 1

    @classmethod
    def per_tensor(cls, scale: float, zero_point: int) -> QuantParams:
        return cls(np.float32(scale), np.int64(zero_point))

    def equals(self, other: QuantParams | None) -> bool:
        return (
            other is not None
            and np.array_equal(self.scale, other.scale)
            and np.array_equal(self.zero_point, other.zero_point)
        )


@dataclass
class Tensor:
    name: str
    shape: tuple[int, ...]
    dtype: str
    quant: QuantParams | None = None
    data: np.ndarray | None = field(default=None, repr=False)  # set for constants

    def __post_init__(self) -> None:
        self.shape = tuple(int(d) for d in self.shape)
        if self.data is not None:
            # sub-byte types are held unpacked, one element per numpy item (see ir/dtypes.py)
            self.data = np.asarray(self.data, dtype=dtype_of(self.dtype).storage).reshape(self.shape)

    @property
    def is_const(self) -> bool:
        return self.data is not None

    @property
    def values(self) -> np.ndarray:
        """A constant's data, typed as present: for code that has already checked is_const."""
        if self.data is None:
            raise ValueError(f"tensor {self.name!r} is computed at run time, not a constant")
        return self.data

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def bits(self) -> int:
        """Bits per element (4 for int4)."""
        return dtype_of(self.dtype).bits

    @property
    def itemsize(self) -> int:
        """Bytes per element of a whole-byte type; a sub-byte type (int4) has none: use bits."""
        if self.bits % 8:
            raise ValueError(f"tensor {self.name!r} is {self.dtype}: {self.bits} bits per element")
        return self.bits // 8

    @property
    def nbytes(self) -> int:
        """Bytes the tensor takes stored (packed for sub-byte types)."""
        return dtype_of(self.dtype).nbytes(self.size)

    @property
    def scale(self) -> float:
        """Per-tensor scale (first one for per-channel tensors)."""
        assert self.quant is not None, f"tensor {self.name} is not quantized"
        return float(self.quant.scale[0])

    @property
    def zero_point(self) -> int:
        assert self.quant is not None, f"tensor {self.name} is not quantized"
        return int(self.quant.zero_point[0])
