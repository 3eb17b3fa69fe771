"""Write a graph IR as a .tflite flatbuffer (schema version 3, file identifier TFL3).

The layout follows TensorFlow's converter where it matters to runtimes: buffer 0 is empty and
shared by every non-constant tensor, each constant tensor has its own buffer (data aligned to
16 bytes), operator codes carry both deprecated_builtin_code and builtin_code.
Output is deterministic: the same graph always gives the same bytes (tensors, operators and
operator codes are written in graph order).

Not written: operator versions (always 1; TFLite-Micro ignores them), custom options of CUSTOM
ops, signature defs and metadata. RESHAPE is written with the inputs it has in the IR; its
new_shape attr, if set, also goes into ReshapeOptions (TFLite-Micro takes the output shape from
the output tensor and runs single-input RESHAPE fine).
"""
from __future__ import annotations

import flatbuffers
import numpy as np
import tflite

from mcutool.frontends.tflite.errors import ModelWriteError
from mcutool.frontends.tflite.filetype import TFLITE_IDENTIFIER
from mcutool.frontends.tflite.schema_maps import (
    ACTIVATION_CODE,
    PADDING_CODE,
    TYPE_BY_DTYPE,
    op_code,
    union_type,
)
from mcutool.ir import Graph, Operator, Tensor
from mcutool.ir.dtypes import pack_int4
from mcutool.ops import find
from mcutool.ops.opdef import OptionsTable

_DATA_ALIGNMENT = 16  # lets runtimes read int32/float constants in place on any target


def write_tflite(graph: Graph, description: str = "mcutool") -> bytes:
    b = flatbuffers.Builder(1024)
    # Buffers first: the builder fills the file from the back, so bulk data ends up last.
    buffers = [_empty_buffer(b)]
    buffer_of: dict[str, int] = {}
    for name, tensor in graph.tensors.items():
        if tensor.is_const:
            buffer_of[name] = len(buffers)
            buffers.append(_data_buffer(b, tensor))

    index = {name: i for i, name in enumerate(graph.tensors)}
    tensors = [_tensor(b, t, buffer_of.get(t.name, 0)) for t in graph.tensors.values()]

    op_types = list(dict.fromkeys(op.type for op in graph.operators))
    opcode_index = {t: i for i, t in enumerate(op_types)}
    operators = [_operator(b, op, opcode_index[op.type], index) for op in graph.operators]
    operator_codes = [_operator_code(b, t) for t in op_types]

    sg_name = b.CreateString("main")
    sg_tensors = _table_vector(b, tflite.SubGraphStartTensorsVector, tensors)
    sg_inputs = _int32_vector(b, [index[n] for n in graph.inputs])
    sg_outputs = _int32_vector(b, [index[n] for n in graph.outputs])
    sg_ops = _table_vector(b, tflite.SubGraphStartOperatorsVector, operators)
    tflite.SubGraphStart(b)
    tflite.SubGraphAddTensors(b, sg_tensors)
    tflite.SubGraphAddInputs(b, sg_inputs)
    tflite.SubGraphAddOutputs(b, sg_outputs)
    tflite.SubGraphAddOperators(b, sg_ops)
    tflite.SubGraphAddName(b, sg_name)
    subgraph = tflite.SubGraphEnd(b)

    codes_vec = _table_vector(b, tflite.ModelStartOperatorCodesVector, operator_codes)
    subgraphs_vec = _table_vector(b, tflite.ModelStartSubgraphsVector, [subgraph])
    buffers_vec = _table_vector(b, tflite.ModelStartBuffersVector, buffers)
    desc = b.CreateString(description)
    tflite.ModelStart(b)
    tflite.ModelAddVersion(b, 3)
    tflite.ModelAddOperatorCodes(b, codes_vec)
    tflite.ModelAddSubgraphs(b, subgraphs_vec)
    tflite.ModelAddDescription(b, desc)
    tflite.ModelAddBuffers(b, buffers_vec)
    b.Finish(tflite.ModelEnd(b), file_identifier=TFLITE_IDENTIFIER)
    return bytes(b.Output())


# -- helpers --------------------------------------------------------------------------------------
def _table_vector(b, start_vector, offsets: list[int]) -> int:
    start_vector(b, len(offsets))
    for off in reversed(offsets):
        b.PrependUOffsetTRelative(off)
    return b.EndVector()


def _int32_vector(b, values) -> int:
    return b.CreateNumpyVector(np.asarray(values, dtype="<i4").reshape(-1))


def _empty_buffer(b) -> int:
    tflite.BufferStart(b)
    return tflite.BufferEnd(b)


def _data_buffer(b, tensor: Tensor) -> int:
    if tensor.dtype == "int4":
        payload = pack_int4(np.asarray(tensor.data)).tobytes()   # TFLite's INT4: two per byte, low nibble first
    else:
        payload = np.ascontiguousarray(tensor.data, np.dtype(tensor.dtype).newbyteorder("<")).tobytes()
    b.StartVector(1, len(payload), _DATA_ALIGNMENT)
    b.head -= len(payload)
    b.Bytes[b.head:b.head + len(payload)] = payload
    data = b.EndVector()
    tflite.BufferStart(b)
    tflite.BufferAddData(b, data)
    return tflite.BufferEnd(b)


def _quantization(b, tensor: Tensor) -> int:
    q = tensor.quant
    assert q is not None  # called for quantized tensors only
    scale = b.CreateNumpyVector(np.asarray(q.scale, "<f4"))
    zero_point = b.CreateNumpyVector(np.asarray(q.zero_point, "<i8"))
    tflite.QuantizationParametersStart(b)
    tflite.QuantizationParametersAddScale(b, scale)
    tflite.QuantizationParametersAddZeroPoint(b, zero_point)
    tflite.QuantizationParametersAddQuantizedDimension(b, q.axis or 0)
    return tflite.QuantizationParametersEnd(b)


def _tensor(b, tensor: Tensor, buffer: int) -> int:
    if tensor.dtype not in TYPE_BY_DTYPE:
        raise ModelWriteError(f"tensor {tensor.name!r} has dtype {tensor.dtype}, which .tflite cannot hold")
    quant = _quantization(b, tensor) if tensor.quant is not None else None
    name = b.CreateString(tensor.name)
    shape = _int32_vector(b, tensor.shape)
    tflite.TensorStart(b)
    tflite.TensorAddShape(b, shape)
    tflite.TensorAddType(b, TYPE_BY_DTYPE[tensor.dtype])
    tflite.TensorAddBuffer(b, buffer)
    tflite.TensorAddName(b, name)
    if quant is not None:
        tflite.TensorAddQuantization(b, quant)
    return tflite.TensorEnd(b)


def _operator_code(b, op_type: str) -> int:
    try:
        code, custom_code = op_code(op_type)
    except ValueError as err:
        raise ModelWriteError(str(err)) from None
    custom = b.CreateString(custom_code) if custom_code is not None else None
    tflite.OperatorCodeStart(b)
    tflite.OperatorCodeAddDeprecatedBuiltinCode(b, min(code, 127))
    tflite.OperatorCodeAddBuiltinCode(b, code)
    tflite.OperatorCodeAddVersion(b, 1)
    if custom is not None:
        tflite.OperatorCodeAddCustomCode(b, custom)
    return tflite.OperatorCodeEnd(b)


def _operator(b, op: Operator, opcode_index: int, index: dict[str, int]) -> int:
    spec = _options_table(op)
    options = _options(b, op, spec) if spec is not None else None
    inputs = _int32_vector(b, [index[n] if n else -1 for n in op.inputs])
    outputs = _int32_vector(b, [index[n] for n in op.outputs])
    tflite.OperatorStart(b)
    tflite.OperatorAddOpcodeIndex(b, opcode_index)
    tflite.OperatorAddInputs(b, inputs)
    tflite.OperatorAddOutputs(b, outputs)
    if spec is not None and options is not None:
        tflite.OperatorAddBuiltinOptionsType(b, union_type(spec))
        tflite.OperatorAddBuiltinOptions(b, options)
    return tflite.OperatorEnd(b)


def _options_table(op: Operator) -> OptionsTable | None:
    opdef = find(op.type)
    return opdef.options if opdef else None


def _options(b, op: Operator, spec: OptionsTable) -> int:
    # Vectors must be built before the table that refers to them.
    vectors = {}
    for field in spec.fields:
        value = getattr(op.attrs, field.attr)
        if field.kind == "ints" and value is not None:
            vectors[field.fb] = _int32_vector(b, list(value))
    getattr(tflite, spec.table + "Start")(b)
    for field in spec.fields:
        value = getattr(op.attrs, field.attr)
        add = getattr(tflite, f"{spec.table}Add{field.fb}")
        if field.kind == "ints":
            if field.fb in vectors:
                add(b, vectors[field.fb])
        elif field.kind == "activation":
            add(b, _lookup(ACTIVATION_CODE, value, op, "activation"))
        elif field.kind == "padding":
            add(b, _lookup(PADDING_CODE, value, op, "padding"))
        elif field.kind == "bool":
            add(b, bool(value))
        elif field.kind == "float":
            add(b, float(value))
        else:
            add(b, int(value))
    return getattr(tflite, spec.table + "End")(b)


def _lookup(table: dict, value, op: Operator, what: str) -> int:
    if value not in table:
        raise ModelWriteError(f"operator {op.name!r} {op.type} has unknown {what} {value!r}")
    return table[value]
