"""Read subgraph 0 of a .tflite model into the graph IR.

Parsing uses the generated flatbuffer bindings of the `tflite` package. Those bindings do not
verify the buffer, so every table is bounds-checked before use (`_checked`) and any low-level
failure while parsing becomes one "truncated or corrupt" ModelFormatError.

Decisions:
- Only subgraph 0 is read. Other subgraphs matter only to control-flow ops (WHILE, IF,
  CALL_ONCE), which are read like any op and rejected later by lowering.
- A dynamic batch dimension (shape_signature[0] == -1) is read as 1; any other dynamic
  dimension is an UnsupportedModelError naming the tensor.
- Per-channel quantization (more than one scale) keeps quantized_dimension as QuantParams.axis;
  a single scale is per-tensor (axis None) whatever quantized_dimension says.
- Variable tensors (state of e.g. LSTM) are never treated as constants.
- Duplicate or empty tensor names get a suffix with the tensor index ("x" -> "x_7").
- Ops with no options table in their OpDef (mcutool/ops/), or no OpDef, get their IR
  default attrs; CUSTOM ops become "CUSTOM:<custom_code>" (custom options are not kept).
"""
from __future__ import annotations

import math
import struct
from pathlib import Path

import flatbuffers
import numpy as np
import tflite

from mcutool.errors import McutoolError
from mcutool.frontends.tflite.errors import ModelFormatError, UnsupportedModelError
from mcutool.frontends.tflite.filetype import check_tflite_identifier, load_model_bytes
from mcutool.frontends.tflite.schema_maps import (
    ACTIVATION_BY_CODE,
    DTYPE_BY_TYPE,
    PADDING_BY_CODE,
    TYPE_NAME_BY_CODE,
    op_type_name,
    union_type,
)
from mcutool.ir import Graph, Operator, QuantParams, Tensor, default_attrs
from mcutool.ir.dtypes import dtype_of, unpack_int4
from mcutool.ir.validate import check_model
from mcutool.ops import find

_U32 = flatbuffers.number_types.UOffsetTFlags
# vtable offsets of string fields (4 + 2 * field id in schema.fbs)
_TENSOR_NAME, _OPCODE_CUSTOM_CODE, _MODEL_DESCRIPTION = 10, 6, 10


# Reading costs about 0.1 ms per tensor or operator in Python: this bounds time (seconds) and
# memory before anything is read.
MAX_ITEMS = 100_000


class _Corrupt(Exception):
    """Internal: an offset points outside the file."""


def read_tflite(source: bytes | str | Path, check: bool = True) -> Graph:
    """The model as a Graph, checked by mcutool.ir.validate unless check is False (only for
    tests of the file format itself, whose graphs need not make sense)."""
    data, where = load_model_bytes(source)
    check_tflite_identifier(data, where)
    try:
        graph = _read_model(data)
    except (ModelFormatError, UnsupportedModelError) as err:
        raise type(err)(f"{where}: {err}") from None
    except McutoolError:
        raise
    except Exception as err:
        if isinstance(err, _Corrupt):
            detail = str(err)
        elif isinstance(err, (struct.error, ValueError, IndexError)):
            detail = "an offset points past the end of the file"
        else:
            detail = f"{type(err).__name__}: {err}"
        raise ModelFormatError(f"{where} is a truncated or corrupt .tflite file ({detail})") from None
    if isinstance(source, (str, Path)):
        graph.name = Path(source).stem
    graph.validate()
    if check:
        check_model(graph)  # before anything else uses the model
    return graph


# -- bounds checks ----------------------------------------------------------------------------
def _checked(obj, what: str):
    """Make sure a table and its vtable lie inside the buffer (the bindings do not)."""
    if obj is None:
        raise _Corrupt(f"missing {what}")
    tab = obj._tab
    size = len(tab.Bytes)
    if not 0 <= tab.Pos <= size - 4:
        raise _Corrupt(f"{what} table outside the file")
    vtable = tab.Pos - tab.Get(flatbuffers.number_types.SOffsetTFlags, tab.Pos)
    if not 0 <= vtable <= size - 4:
        raise _Corrupt(f"{what} vtable outside the file")
    vt_size = tab.Get(flatbuffers.number_types.VOffsetTFlags, vtable)
    obj_size = tab.Get(flatbuffers.number_types.VOffsetTFlags, vtable + 2)
    if vt_size < 4 or vtable + vt_size > size or tab.Pos + obj_size > size:
        raise _Corrupt(f"{what} table runs past the end of the file")
    return obj


def _string(obj, vt_offset: int) -> str | None:
    """A string field, checking its length (the bindings would silently cut it short)."""
    tab = obj._tab
    o = tab.Offset(vt_offset)
    if o == 0:
        return None
    start = tab.Indirect(o + tab.Pos)
    length = tab.Get(_U32, start)
    if start + 4 + length > len(tab.Bytes):
        raise _Corrupt("string runs past the end of the file")
    return bytes(tab.Bytes[start + 4:start + 4 + length]).decode("utf-8", "replace")


def _ints(obj, field: str) -> list[int]:
    if getattr(obj, field + "IsNone")():
        return []
    return [int(v) for v in getattr(obj, field + "AsNumpy")()]


# -- model ----------------------------------------------------------------------------------
def _read_model(data: bytes) -> Graph:
    if struct.unpack_from("<I", data, 0)[0] >= len(data):
        raise _Corrupt("root offset outside the file")
    model = _checked(tflite.Model.GetRootAs(data, 0), "model")
    if model.Version() != 3:
        raise ModelFormatError(f"schema version {model.Version()} is not supported (expected 3)")
    if model.SubgraphsLength() < 1:
        raise ModelFormatError("the model has no subgraphs")
    sg = _checked(model.Subgraphs(0), "subgraph")
    for what, count in (("tensors", sg.TensorsLength()), ("operators", sg.OperatorsLength()),
                        ("buffers", model.BuffersLength())):
        if count > MAX_ITEMS:
            raise UnsupportedModelError(
                f"the model has {count:,} {what}; mcutool reads at most {MAX_ITEMS:,} "
                "(models for microcontrollers have hundreds)")
    # Buffers usually sit at the end of the file: checking them all catches truncation early.
    for j in range(model.BuffersLength()):
        buf = _checked(model.Buffers(j), "buffer")
        if buf.DataLength():
            buf.DataAsNumpy()  # raises when the data runs past the end of the file

    op_types = []
    for j in range(model.OperatorCodesLength()):
        oc = _checked(model.OperatorCodes(j), "operator code")
        code = max(oc.DeprecatedBuiltinCode(), oc.BuiltinCode())
        op_types.append(op_type_name(code, _string(oc, _OPCODE_CUSTOM_CODE)))

    graph = Graph(description=_string(model, _MODEL_DESCRIPTION) or "")
    names: list[str] = []
    for i in range(sg.TensorsLength()):
        tensor = _read_tensor(model, data, _checked(sg.Tensors(i), "tensor"), i, graph.tensors)
        graph.add_tensor(tensor)
        names.append(tensor.name)

    def name_of(index: int, optional: bool) -> str:
        if index == -1 and optional:
            return ""
        if not 0 <= index < len(names):
            raise _Corrupt(f"tensor index {index} out of range")
        return names[index]

    for j in range(sg.OperatorsLength()):
        op = _checked(sg.Operators(j), "operator")
        if not 0 <= op.OpcodeIndex() < len(op_types):
            raise _Corrupt(f"operator #{j} has opcode index {op.OpcodeIndex()} out of range")
        op_type = op_types[op.OpcodeIndex()]
        graph.add_op(Operator(
            op_type,
            [name_of(k, True) for k in _ints(op, "Inputs")],
            [name_of(k, False) for k in _ints(op, "Outputs")],
            _read_attrs(op_type, op, j),
        ))
    graph.inputs = [name_of(k, False) for k in _ints(sg, "Inputs")]
    graph.outputs = [name_of(k, False) for k in _ints(sg, "Outputs")]
    return graph


def _unique_name(raw: str | None, index: int, taken: dict) -> str:
    base = raw or f"tensor_{index}"
    name = base if base not in taken else f"{base}_{index}"
    k = 1
    while name in taken:
        name = f"{base}_{index}_{k}"
        k += 1
    return name


def _read_tensor(model, data: bytes, t, index: int, taken: dict) -> Tensor:
    name = _unique_name(_string(t, _TENSOR_NAME), index, taken)
    type_code = t.Type()
    if type_code not in DTYPE_BY_TYPE:
        type_name = TYPE_NAME_BY_CODE.get(type_code, str(type_code))
        raise UnsupportedModelError(f"tensor {name!r} has type {type_name}, which mcutool cannot read")
    dtype = DTYPE_BY_TYPE[type_code]
    shape = _ints(t, "Shape")
    signature = _ints(t, "ShapeSignature") or shape
    dynamic = [k for k, d in enumerate(signature) if d < 0] + [k for k, d in enumerate(shape) if d < 0]
    if dynamic and set(dynamic) != {0}:
        raise UnsupportedModelError(
            f"tensor {name!r} has a dynamic shape {signature}; only the batch dimension may be "
            f"dynamic (it is read as 1), so re-export the model with fixed sizes"
        )
    if dynamic:
        shape[0] = 1
    if t.Sparsity() is not None:
        raise UnsupportedModelError(f"tensor {name!r} is stored sparse, which mcutool cannot read")
    tensor_data = None if t.IsVariable() else _read_buffer(model, data, t.Buffer(), name, shape, dtype)
    if tensor_data is None and len(shape) > 4:
        raise UnsupportedModelError(
            f"tensor {name!r} has {len(shape)} dimensions {shape}; at most 4 are supported"
        )
    return Tensor(name, tuple(shape), dtype, _read_quant(t, name, len(shape)), tensor_data)


def _read_quant(t, name: str, rank: int) -> QuantParams | None:
    q = t.Quantization()
    if q is None:
        return None
    _checked(q, "quantization")
    scale = np.array(q.ScaleAsNumpy() if q.ScaleLength() else [], np.float32)
    if scale.size == 0:
        return None  # e.g. float tensors with an empty table, or min/max only
    zero_point = np.array(q.ZeroPointAsNumpy() if q.ZeroPointLength() else [0], np.int64)
    if zero_point.size not in (1, scale.size):
        raise ModelFormatError(
            f"tensor {name!r} has {scale.size} scales but {zero_point.size} zero points"
        )
    axis = None
    if scale.size > 1:
        axis = q.QuantizedDimension()
        if not 0 <= axis < rank:
            raise ModelFormatError(f"tensor {name!r} has quantized_dimension {axis} but rank {rank}")
    return QuantParams(scale, zero_point, axis)


def _read_buffer(model, data: bytes, index: int, name: str, shape, dtype: str):
    """Constant data of a tensor, or None when its buffer is empty (an activation)."""
    if index == 0:
        return None
    if index >= model.BuffersLength():
        raise _Corrupt(f"tensor {name!r} refers to buffer {index} of {model.BuffersLength()}")
    buf = _checked(model.Buffers(index), "buffer")
    if buf.Offset() > 1:
        # Models over 2 GB keep tensor data after the flatbuffer, addressed from the file start.
        start, size = buf.Offset(), buf.Size()
        if start + size > len(data):
            raise _Corrupt(f"data of tensor {name!r} lies outside the file")
        raw = data[start:start + size]
    elif buf.DataLength():
        raw = buf.DataAsNumpy().tobytes()
    else:
        return None
    # Python ints: a huge shape cannot wrap to a small size
    count = math.prod(shape)
    expected = dtype_of(dtype).nbytes(count)
    if len(raw) != expected:
        raise ModelFormatError(
            f"constant tensor {name!r} holds {len(raw)} bytes but shape {list(shape)} "
            f"of {dtype} needs {expected}"
        )
    if dtype == "int4":
        return unpack_int4(raw, count).reshape(shape)
    little_endian = np.dtype(dtype).newbyteorder("<")
    return np.frombuffer(raw, little_endian).astype(dtype).reshape(shape)


def _read_attrs(op_type: str, op, index: int):
    attrs = default_attrs(op_type)
    opdef = find(op_type)
    spec = opdef.options if opdef else None
    if spec is None or op.BuiltinOptionsType() == tflite.BuiltinOptions.NONE:
        return attrs
    if op.BuiltinOptionsType() != union_type(spec):
        raise ModelFormatError(
            f"operator #{index} {op_type} has options of type {op.BuiltinOptionsType()}, "
            f"expected {spec.table}"
        )
    table = op.BuiltinOptions()
    if table is None:
        return attrs
    opts = getattr(tflite, spec.table)()
    opts.Init(table.Bytes, table.Pos)
    _checked(opts, spec.table)
    for field in spec.fields:
        if field.kind == "ints":
            if not getattr(opts, field.fb + "IsNone")():  # absent: keep the IR default
                setattr(attrs, field.attr, tuple(_ints(opts, field.fb)))
            continue
        raw = getattr(opts, field.fb)()
        value: object
        if field.kind == "activation":
            if raw not in ACTIVATION_BY_CODE:
                raise ModelFormatError(f"operator #{index} {op_type} has unknown activation {raw}")
            value = ACTIVATION_BY_CODE[raw]
        elif field.kind == "padding":
            if raw not in PADDING_BY_CODE:
                raise ModelFormatError(f"operator #{index} {op_type} has unknown padding {raw}")
            value = PADDING_BY_CODE[raw]
        elif field.kind == "bool":
            value = bool(raw)
        elif field.kind == "float":
            value = float(raw)
        else:
            value = int(raw)
        setattr(attrs, field.attr, value)
    return attrs
