"""Name maps shared by the .tflite reader and writer.

The flatbuffer schema uses integer enums; the IR uses strings (op types are TFLite's builtin
operator names, activations and paddings are their enum names). The options table of each
op type is described once, in OPTIONS, so that reading and writing stay symmetric.
"""
from __future__ import annotations

from dataclasses import dataclass

import tflite


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

# TensorType -> numpy dtype name. Types numpy cannot hold (INT4 packed nibbles, STRING,
# RESOURCE, VARIANT, BFLOAT16, ...) are missing on purpose: the reader rejects them by name.
DTYPE_BY_TYPE = {
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


@dataclass(frozen=True)
class Field:
    attr: str       # field of the IR attrs dataclass
    fb: str         # field name in the flatbuffer table (getter `X()`, adder `<Table>AddX`)
    kind: str       # "int", "bool", "float", "activation", "padding", "ints" (int32 vector)


@dataclass(frozen=True)
class OptionsTable:
    table: str              # e.g. "Conv2DOptions"; also the BuiltinOptions union member name
    fields: tuple[Field, ...] = ()

    @property
    def union_type(self) -> int:
        return getattr(tflite.BuiltinOptions, self.table)


_ACT = Field("activation", "FusedActivationFunction", "activation")
_PAD = Field("padding", "Padding", "padding")
_STRIDES = (Field("stride_h", "StrideH", "int"), Field("stride_w", "StrideW", "int"))
_DILATIONS = (Field("dilation_h", "DilationHFactor", "int"), Field("dilation_w", "DilationWFactor", "int"))

# Op type -> its options table. Every op of ATTRS_BY_OP is here; tables without fields are
# written empty, as TensorFlow's converter does.
OPTIONS: dict[str, OptionsTable] = {
    "CONV_2D": OptionsTable("Conv2DOptions", (*_STRIDES, *_DILATIONS, _PAD, _ACT)),
    "DEPTHWISE_CONV_2D": OptionsTable(
        "DepthwiseConv2DOptions",
        (*_STRIDES, *_DILATIONS, _PAD, _ACT, Field("depth_multiplier", "DepthMultiplier", "int")),
    ),
    "FULLY_CONNECTED": OptionsTable(
        "FullyConnectedOptions", (_ACT, Field("keep_num_dims", "KeepNumDims", "bool"))
    ),
    **{
        pool: OptionsTable(
            "Pool2DOptions",
            (Field("filter_h", "FilterHeight", "int"), Field("filter_w", "FilterWidth", "int"),
             *_STRIDES, _PAD, _ACT),
        )
        for pool in ("AVERAGE_POOL_2D", "MAX_POOL_2D")
    },
    "MEAN": OptionsTable("ReducerOptions", (Field("keep_dims", "KeepDims", "bool"),)),
    "ADD": OptionsTable("AddOptions", (_ACT,)),
    "SUB": OptionsTable("SubOptions", (_ACT,)),
    "MUL": OptionsTable("MulOptions", (_ACT,)),
    "RESHAPE": OptionsTable("ReshapeOptions", (Field("new_shape", "NewShape", "ints"),)),
    "SQUEEZE": OptionsTable("SqueezeOptions", (Field("squeeze_dims", "SqueezeDims", "ints"),)),
    "PAD": OptionsTable("PadOptions"),
    "CONCATENATION": OptionsTable(
        "ConcatenationOptions", (Field("axis", "Axis", "int"), _ACT)
    ),
    "SOFTMAX": OptionsTable("SoftmaxOptions", (Field("beta", "Beta", "float"),)),
    "LEAKY_RELU": OptionsTable("LeakyReluOptions", (Field("alpha", "Alpha", "float"),)),
    "HARD_SWISH": OptionsTable("HardSwishOptions"),
    "QUANTIZE": OptionsTable("QuantizeOptions"),
    "DEQUANTIZE": OptionsTable("DequantizeOptions"),
}
