"""Typed operator attributes. Op types use TFLite's builtin operator names; which attrs class
an op type has is in its OpDef (mcutool/ops/).

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


def default_attrs(op_type: str):
    """The attributes an operator of this type starts with (its OpDef's attrs class)."""
    from mcutool.ops.opdef import attrs_of  # the registry imports the IR, so import it here
    return attrs_of(op_type)
