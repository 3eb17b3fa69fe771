"""Printing kernel calls as C: declarations of their constant operands and the call itself."""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mcutool.abi import KernelSums
from mcutool.codegen.prototypes import Prototype
from mcutool.lower import ConstArray, KernelCall, Scratch, TensorArg

CTYPES = {
    "int8": "int8_t", "uint8": "uint8_t", "int16": "int16_t", "int32": "int32_t",
    "int64": "int64_t", "float32": "float", "bool": "uint8_t",
}
INT32_MIN = -(1 << 31)


class CodegenError(Exception):
    """A lowering produced a call that does not match the runtime's prototype: a bug."""


def c_int(value: int) -> str:
    value = int(value)
    if value == INT32_MIN:
        return "(-2147483647 - 1)"
    if value > 0x7FFFFFFF or value < INT32_MIN:
        return f"{value}LL"
    return str(value)


def c_float(value: float, double: bool = False) -> str:
    """Exact and deterministic: hexadecimal floating literals (C99)."""
    value = float(np.float32(value)) if not double else float(value)
    if math.isnan(value) or math.isinf(value):
        raise CodegenError(f"cannot emit non-finite constant {value}")
    return value.hex() + ("" if double else "f")


_SMALL_INTS = {np.dtype(t) for t in ("int8", "uint8", "int16", "uint16")}
_CHUNK = 1 << 16  # values formatted at a time, so large weights do not need a list per value


def c_array_body(values: np.ndarray, ctype: str, per_line: int = 16) -> str:
    flat = np.asarray(values).reshape(-1)
    if flat.size == 0:
        return "    0"
    fmt: Callable[[Any], str]
    if ctype == "float":
        fmt = c_float
    elif flat.dtype in _SMALL_INTS:
        fmt = str  # exact, and no value needs a suffix or the INT32_MIN spelling
    else:
        fmt = c_int
    parts = []
    for start in range(0, flat.size, _CHUNK):
        items = [fmt(v) for v in flat[start:start + _CHUNK].tolist()]
        parts.append(",\n    ".join(", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)))
    return "    " + ",\n    ".join(parts)


@dataclass
class ArrayDecl:
    name: str
    ctype: str
    values: np.ndarray
    align: int = 4

    @property
    def body(self) -> str:
        return c_array_body(self.values, self.ctype)

    @property
    def length(self) -> int:
        return max(1, int(np.asarray(self.values).size))


@dataclass
class StructDecl:
    name: str
    ctype: str
    initializer: str


@dataclass
class RenderedCall:
    call: str
    returns_status: bool = False
    arrays: list[ArrayDecl] = field(default_factory=list)
    structs: list[StructDecl] = field(default_factory=list)


class CallRenderer:
    """Renders the calls of one model. `tensor_expr(name, ptype)` gives a tensor's pointer."""

    def __init__(self, prototypes: dict[str, Prototype], tensor_expr, arena: str):
        self.prototypes = prototypes
        self.tensor_expr = tensor_expr
        self.arena = arena
        # Identical constants (dims, params, multiplier tables) are declared once and shared.
        self._declared: dict[tuple, str] = {}

    def render(self, call: KernelCall, tag: str, scratch_offset: int | None) -> RenderedCall:
        proto = self.prototypes.get(call.kernel)
        if proto is None:
            raise CodegenError(f"kernel {call.kernel} is not declared in the runtime headers")
        if len(proto.params) != len(call.args):
            raise CodegenError(f"{call.kernel} takes {len(proto.params)} arguments, "
                               f"the lowering gave {len(call.args)}")
        out = RenderedCall("")
        counts: dict[str, int] = {}
        exprs = []
        for arg, ptype in zip(call.args, proto.params):
            exprs.append(self._arg(arg, ptype, tag, out, counts, scratch_offset))
        out.call = f"{call.kernel}({', '.join(exprs)})"
        out.returns_status = proto.returns != "void"
        return out

    def _array(self, out: RenderedCall, decl: ArrayDecl) -> str:
        values = np.ascontiguousarray(decl.values)
        key = ("array", decl.ctype, values.shape, values.tobytes())
        if key not in self._declared:
            self._declared[key] = decl.name
            out.arrays.append(decl)
        return self._declared[key]

    def _struct(self, out: RenderedCall, decl: StructDecl) -> str:
        key = ("struct", decl.ctype, decl.initializer)
        if key not in self._declared:
            self._declared[key] = decl.name
            out.structs.append(decl)
        return self._declared[key]

    def _name(self, tag: str, what: str, counts: dict[str, int]) -> str:
        n = counts.get(what, 0)
        counts[what] = n + 1
        return f"{tag}_{what}{n if n else ''}"

    def _arg(self, arg, ptype: str, tag: str, out: RenderedCall, counts, scratch_offset) -> str:
        if arg is None:
            return "NULL"
        if isinstance(arg, TensorArg):
            return self.tensor_expr(arg.name, ptype)
        if isinstance(arg, ConstArray):
            name = self._name(tag, "table", counts)
            name = self._array(out, ArrayDecl(name, arg.ctype, np.asarray(arg.data)))
            return name if ptype.startswith("const") else f"({ptype}){name}"
        if isinstance(arg, Scratch):
            name = self._name(tag, "ctx", counts)
            if arg.size and scratch_offset is None:
                raise CodegenError("scratch requested but not planned")
            buf = f"{self.arena} + {scratch_offset}" if arg.size else "NULL"
            return f"&{self._struct(out, StructDecl(name, 'cmsis_nn_context', f'{{{buf}, {arg.size}}}'))}"
        if isinstance(arg, KernelSums):
            # CMSIS-NN reads the sums through the context's (non-const) buffer pointer; they
            # stay const data in flash.
            sums = self._array(out, ArrayDecl(self._name(tag, "kernel_sums", counts), "int32_t", arg.data))
            name = self._name(tag, "ctx", counts)
            init = f"{{(void *){sums}, {arg.size}}}"
            return f"&{self._struct(out, StructDecl(name, 'cmsis_nn_context', init))}"
        if dataclasses.is_dataclass(arg) and not isinstance(arg, type):
            ctype_name: str = getattr(arg, "C_TYPE")  # noqa: B009 (every ABI struct declares it)
            what = ctype_name.replace("cmsis_nn_", "").replace("mcu_", "")
            name = self._name(tag, what, counts)
            init = self._initializer(arg, name, out)
            return f"&{self._struct(out, StructDecl(name, ctype_name, init))}"
        if isinstance(arg, (bool, np.bool_)):
            return "1" if arg else "0"
        if isinstance(arg, (float, np.floating)):
            return c_float(float(arg), double="double" in ptype)
        if isinstance(arg, (int, np.integer)):
            return c_int(int(arg))
        raise CodegenError(f"cannot render argument {arg!r} of type {type(arg).__name__}")

    def _initializer(self, value, name: str, out: RenderedCall) -> str:
        parts = []
        for f in dataclasses.fields(value):
            v = getattr(value, f.name)
            if dataclasses.is_dataclass(v):
                text = self._initializer(v, f"{name}_{f.name}", out)
            elif isinstance(v, np.ndarray):
                ctype = CTYPES[str(v.dtype)]
                array = f"{name}_{f.name}"
                array = self._array(out, ArrayDecl(array, ctype, v))
                text = f"({ctype} *){array}"  # CMSIS-NN's structs hold non-const pointers
            elif isinstance(v, (bool, np.bool_)):
                text = "1" if v else "0"
            elif isinstance(v, (float, np.floating)):
                text = c_float(float(v))
            else:
                text = c_int(v)
            parts.append(f".{f.name} = {text}")
        return "{" + ", ".join(parts) + "}"
