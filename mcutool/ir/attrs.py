"""Typed operator attributes. Op types use TFLite's builtin operator names.

Operands that TFLite stores as tensors (MEAN's axis, PAD's paddings, RESHAPE's shape) stay
tensor inputs so that a model round-trips through the writer unchanged.
"""
from __future__ import annotations

from dataclasses import dataclass

ACTIVATIONS = ("NONE", "RELU", "RELU_N1_TO_1", "RELU6")
PADDINGS = ("SAME", "VALID")


@dataclass
class Conv2DAttrs:
    stride_h: int = 1
    stride_w: int = 1
    dilation_h: int = 1
    dilation_w: int = 1
    padding: str = "SAME"
    activation: str = "NONE"


@dataclass
class DepthwiseConv2DAttrs(Conv2DAttrs):
    depth_multiplier: int = 1


@dataclass
class FullyConnectedAttrs:
    activation: str = "NONE"
    keep_num_dims: bool = False


@dataclass
class Pool2DAttrs:
    filter_h: int = 2
    filter_w: int = 2
    stride_h: int = 2
    stride_w: int = 2
    padding: str = "VALID"
    activation: str = "NONE"


@dataclass
class ActivationAttrs:
    """ADD, SUB, MUL: only a fused activation."""

    activation: str = "NONE"


@dataclass
class ConcatenationAttrs:
    axis: int = -1
    activation: str = "NONE"


@dataclass
class ReducerAttrs:
    keep_dims: bool = False


@dataclass
class SoftmaxAttrs:
    beta: float = 1.0


@dataclass
class LeakyReluAttrs:
    alpha: float = 0.2


@dataclass
class SqueezeAttrs:
    squeeze_dims: tuple[int, ...] = ()


@dataclass
class ReshapeAttrs:
    new_shape: tuple[int, ...] | None = None


@dataclass
class NoAttrs:
    pass


# Every op type the IR knows, with its attribute class. Which of them can be compiled to C is
# decided by mcutool.lower, not here.
ATTRS_BY_OP: dict[str, type] = {
    "CONV_2D": Conv2DAttrs,
    "DEPTHWISE_CONV_2D": DepthwiseConv2DAttrs,
    "FULLY_CONNECTED": FullyConnectedAttrs,
    "AVERAGE_POOL_2D": Pool2DAttrs,
    "MAX_POOL_2D": Pool2DAttrs,
    "MEAN": ReducerAttrs,
    "ADD": ActivationAttrs,
    "SUB": ActivationAttrs,
    "MUL": ActivationAttrs,
    "RESHAPE": ReshapeAttrs,
    "SQUEEZE": SqueezeAttrs,
    "PAD": NoAttrs,
    "CONCATENATION": ConcatenationAttrs,
    "SOFTMAX": SoftmaxAttrs,
    "LOGISTIC": NoAttrs,
    "TANH": NoAttrs,
    "RELU": NoAttrs,
    "RELU6": NoAttrs,
    "LEAKY_RELU": LeakyReluAttrs,
    "HARD_SWISH": NoAttrs,
    "QUANTIZE": NoAttrs,
    "DEQUANTIZE": NoAttrs,
}


def default_attrs(op_type: str):
    return ATTRS_BY_OP.get(op_type, NoAttrs)()
