"""Python mirrors of CMSIS-NN's argument structs (Include/arm_nn_types.h), field for field.

The lowering fills them in; the code generator prints them as C initialisers (fields in this
order) and the numpy twins of the kernels read them. Keep the field order identical to C.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np


@dataclass(frozen=True)
class Dims:
    C_TYPE: ClassVar[str] = "cmsis_nn_dims"
    n: int
    h: int
    w: int
    c: int

    @classmethod
    def of(cls, shape) -> Dims:
        """NHWC dims from a shape of rank <= 4, padding the front with ones."""
        shape = tuple(int(d) for d in shape)
        shape = (1,) * (4 - len(shape)) + shape
        return cls(*shape)

    @property
    def size(self) -> int:
        return self.n * self.h * self.w * self.c


@dataclass(frozen=True)
class Tile:
    C_TYPE: ClassVar[str] = "cmsis_nn_tile"
    w: int
    h: int


@dataclass(frozen=True)
class Activation:
    C_TYPE: ClassVar[str] = "cmsis_nn_activation"
    min: int
    max: int


@dataclass(frozen=True)
class ConvParams:
    C_TYPE: ClassVar[str] = "cmsis_nn_conv_params"
    input_offset: int
    output_offset: int
    stride: Tile
    padding: Tile
    dilation: Tile
    activation: Activation


@dataclass(frozen=True)
class DwConvParams:
    C_TYPE: ClassVar[str] = "cmsis_nn_dw_conv_params"
    input_offset: int
    output_offset: int
    ch_mult: int
    stride: Tile
    padding: Tile
    dilation: Tile
    activation: Activation


@dataclass(frozen=True)
class PoolParams:
    C_TYPE: ClassVar[str] = "cmsis_nn_pool_params"
    stride: Tile
    padding: Tile
    activation: Activation


@dataclass(frozen=True)
class FcParams:
    C_TYPE: ClassVar[str] = "cmsis_nn_fc_params"
    input_offset: int
    filter_offset: int
    output_offset: int
    activation: Activation


@dataclass(frozen=True, eq=False)
class PerChannelQuantParams:
    """Pointers to per-channel multipliers and shifts (int32 arrays)."""

    C_TYPE: ClassVar[str] = "cmsis_nn_per_channel_quant_params"
    multiplier: np.ndarray
    shift: np.ndarray


@dataclass(frozen=True)
class PerTensorQuantParams:
    C_TYPE: ClassVar[str] = "cmsis_nn_per_tensor_quant_params"
    multiplier: int
    shift: int


@dataclass(frozen=True, eq=False)
class BiasData:
    """arm_convolve_wrapper_s16's bias: int64 values, or int32 ones (is_int32_bias)."""

    C_TYPE: ClassVar[str] = "cmsis_nn_bias_data"
    data: np.ndarray
    is_int32_bias: bool


@dataclass(frozen=True, eq=False)
class SoftmaxLutS16:
    """arm_softmax_s16's tables (513 int16 entries each)."""

    C_TYPE: ClassVar[str] = "cmsis_nn_softmax_lut_s16"
    exp_lut: np.ndarray
    one_by_one_lut: np.ndarray
