"""Name maps shared by the .tflite reader and writer.

The flatbuffer schema uses integer enums; the IR uses strings (op types are TFLite's builtin
operator names, activations and paddings are their enum names). The options table of each
op type is described once, in its OpDef (mcutool/ops/), so that reading and writing stay
symmetric.
"""
from __future__ import annotations

import tflite

from mcutool.ops.opdef import OptionsTable


def _enum_members(enum_class) -> dict[str, int]:
    return {k: v for k, v in vars(enum_class).items() if not k.startswith("_") and isinstance(v, int)}


OP_CODE_BY_TYPE: dict[str, int] = _enum_members(tflite.BuiltinOperator)
OP_TYPE_BY_CODE: dict[int, str] = {v: k for k, v in OP_CODE_BY_TYPE.items()}
CUSTOM_PREFIX = "CUSTOM:"
# Builtin codes newer than the schema of the installed `tflite` package.
UNKNOWN_PREFIX = "UNKNOWN_BUILTIN_"


def op_type_name(code: int, custom_code: str | None) -> str:
    if code == tflite.BuiltinOperator.CUSTOM:
        return CUSTOM_PREFIX + (custom_code or "")
    return OP_TYPE_BY_CODE.get(code, f"{UNKNOWN_PREFIX}{code}")


def op_code(op_type: str) -> tuple[int, str | None]:
    """IR op type -> (builtin code, custom code)."""
    if op_type.startswith(CUSTOM_PREFIX):
        return tflite.BuiltinOperator.CUSTOM, op_type[len(CUSTOM_PREFIX):]
    if op_type.startswith(UNKNOWN_PREFIX):
        return int(op_type[len(UNKNOWN_PREFIX):]), None
    if op_type not in OP_CODE_BY_TYPE:
        raise ValueError(f"{op_type!r} is not a TFLite builtin operator name")
    return OP_CODE_BY_TYPE[op_type], None


ACTIVATION_BY_CODE = {
    tflite.ActivationFunctionType.NONE: "NONE",
    tflite.ActivationFunctionType.RELU: "RELU",
    tflite.ActivationFunctionType.RELU_N1_TO_1: "RELU_N1_TO_1",
    tflite.ActivationFunctionType.RELU6: "RELU6",
    tflite.ActivationFunctionType.TANH: "TANH",
    tflite.ActivationFunctionType.SIGN_BIT: "SIGN_BIT",
}
ACTIVATION_CODE = {v: k for k, v in ACTIVATION_BY_CODE.items()}

PADDING_BY_CODE = {tflite.Padding.SAME: "SAME", tflite.Padding.VALID: "VALID"}
PADDING_CODE = {v: k for k, v in PADDING_BY_CODE.items()}

# TensorType -> IR dtype name (numpy's, or int4: nibbles packed two per byte, mcutool/ir/dtypes.py).
# Types mcutool cannot hold (STRING, RESOURCE, VARIANT, BFLOAT16, ...) are missing on purpose:
# the reader rejects them by name.
DTYPE_BY_TYPE = {
    tflite.TensorType.INT4: "int4",
    tflite.TensorType.FLOAT32: "float32",
    tflite.TensorType.FLOAT16: "float16",
    tflite.TensorType.FLOAT64: "float64",
    tflite.TensorType.INT8: "int8",
    tflite.TensorType.UINT8: "uint8",
    tflite.TensorType.INT16: "int16",
    tflite.TensorType.UINT16: "uint16",
    tflite.TensorType.INT32: "int32",
    tflite.TensorType.UINT32: "uint32",
    tflite.TensorType.INT64: "int64",
    tflite.TensorType.UINT64: "uint64",
    tflite.TensorType.BOOL: "bool",
    tflite.TensorType.COMPLEX64: "complex64",
    tflite.TensorType.COMPLEX128: "complex128",
}
TYPE_BY_DTYPE = {v: k for k, v in DTYPE_BY_TYPE.items()}
TYPE_NAME_BY_CODE = {v: k for k, v in _enum_members(tflite.TensorType).items()}


def union_type(table: OptionsTable) -> int:
    """The BuiltinOptions union code of an OpDef's options table."""
    return getattr(tflite.BuiltinOptions, table.table)
