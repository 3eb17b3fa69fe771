"""What a kernel's `cmsis_nn_context` argument holds, decided per instruction set.

A lowering puts CONTEXT where the C function takes its context; `resolve_calls` (context_for)
replaces it, for the target's instruction set, with either
- Scratch(size): a buffer of `size` bytes planned in the arena (NULL when 0); the numpy twin
  receives a zeroed int8 buffer of that size, or
- KernelSums(data): a pointer to `static const` int32 data in flash, what CMSIS-NN's Helium
  fully connected kernels read instead of adding the bias and input offset themselves
  (TFLite-Micro computes them at start-up; here they are made once, offline). The numpy twin
  receives that int32 array.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Scratch:
    size: int


@dataclass(frozen=True, eq=False)
class KernelSums:
    data: np.ndarray   # int32, one per output channel

    @property
    def size(self) -> int:
        return int(self.data.nbytes)


class _Context:
    """Placeholder for the context operand until the instruction set is known."""

    def __repr__(self) -> str:
        return "CONTEXT"


CONTEXT = _Context()
