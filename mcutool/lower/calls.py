"""What lowering produces: kernel calls with typed operands, shared by the numpy reference
executor (which runs each call's numpy twin) and the C code generator (which prints it).

Operand kinds, in the order the C function takes them:
- TensorArg(name): the data pointer of a graph tensor (activation in the arena, or constant
  weights in flash). The twin receives a flat numpy view; outputs are written in place.
- ConstArray(data, ctype): a constant array made by the lowering (multipliers, shifts, a LUT).
  The twin receives the numpy array; C gets a `static const` array.
- CONTEXT (mcutool.abi): where the C function takes its `cmsis_nn_context`. lower_graph
  replaces it for the target's instruction set with Scratch(size) (`size` bytes planned in the
  arena; the twin receives a zeroed int8 buffer of that size) or KernelSums(data) (`static
  const` int32 data; the twin receives the array): see mcutool/abi/context.py.
- a struct from mcutool.abi.types (or any frozen dataclass with C_TYPE): C gets a pointer to a
  `static const` initialised struct; the twin receives the dataclass.
- int / float (np.float32 for C `float`): passed by value.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mcutool.abi.context import Scratch
from mcutool.abi.isa import DEFAULT_ISA, Isa
from mcutool.ir import Graph


@dataclass(frozen=True)
class TensorArg:
    name: str


@dataclass(frozen=True, eq=False)
class ConstArray:
    data: np.ndarray
    ctype: str  # "int32_t", "int16_t", "int8_t", "uint8_t", "float"


@dataclass
class KernelCall:
    kernel: str              # C function name, and the key of its numpy twin
    args: list[Any]

    @property
    def scratch_bytes(self) -> int:
        return sum(a.size for a in self.args if isinstance(a, Scratch))


@dataclass
class Lowered:
    """An operator lowered to zero or more kernel calls.

    `alias` = (output, input) when the output is the input's bytes reinterpreted (RESHAPE,
    SQUEEZE): the planner gives both the same memory and no call is made.
    """

    calls: list[KernelCall] = field(default_factory=list)
    alias: tuple[str, str] | None = None


class Unsupported(Exception):
    """Raised by a lowering when this particular operator cannot be compiled; says why."""


@dataclass
class LoweredGraph:
    graph: Graph
    ops: list[Lowered]   # one per graph operator, in graph order
    isa: Isa = DEFAULT_ISA   # the instruction set the calls' contexts are laid out for

    @property
    def calls(self) -> list[KernelCall]:
        return [c for low in self.ops for c in low.calls]
