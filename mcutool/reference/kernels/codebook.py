"""Numpy twins of the codebook kernels (mcu_convolve_codebook_s8, mcu_depthwise_conv_codebook_s8,
mcu_fully_connected_codebook_s8): the weights decoded from their packed indices and table, then
exactly the arithmetic of the int8 kernels (the C decodes as it goes; the sums are the same)."""
from __future__ import annotations

import numpy as np

from mcutool.abi.types import Dims
from mcutool.ir.codebook import decode
from mcutool.reference.kernels import twin
from mcutool.reference.kernels.conv import arm_convolve_wrapper_s8, arm_depthwise_conv_wrapper_s8
from mcutool.reference.kernels.fully_connected import fully_connected_rows


def _check(bits: int, table) -> None:
    if not 1 <= bits <= 4 or np.asarray(table).size > 1 << bits:
        raise ValueError(f"codebook: {bits}-bit indices with a table of {np.asarray(table).size}")


@twin("mcu_convolve_codebook_s8")
def mcu_convolve_codebook_s8(ctx, conv_params, quant_params, input_dims: Dims, input_data,
                             filter_dims: Dims, filter_indices, filter_table, index_bits: int,
                             bias_dims, bias_data, output_dims: Dims, output_data) -> int:
    _check(index_bits, filter_table)
    w = decode(filter_indices, index_bits, filter_table, filter_dims.size)
    return arm_convolve_wrapper_s8(ctx, conv_params, quant_params, input_dims, input_data, filter_dims,
                                   w, bias_dims, bias_data, output_dims, output_data)


@twin("mcu_depthwise_conv_codebook_s8")
def mcu_depthwise_conv_codebook_s8(ctx, dw_conv_params, quant_params, input_dims: Dims, input_data,
                                   filter_dims: Dims, filter_indices, filter_table, index_bits: int,
                                   bias_dims, bias_data, output_dims: Dims, output_data) -> int:
    _check(index_bits, filter_table)
    w = decode(filter_indices, index_bits, filter_table, filter_dims.h * filter_dims.w * output_dims.c)
    return arm_depthwise_conv_wrapper_s8(ctx, dw_conv_params, quant_params, input_dims, input_data,
                                         filter_dims, w, bias_dims, bias_data, output_dims, output_data)


@twin("mcu_fully_connected_codebook_s8")
def mcu_fully_connected_codebook_s8(ctx, fc_params, quant_params, input_dims: Dims, input_data,
                                    filter_dims: Dims, filter_indices, filter_table, index_bits: int,
                                    bias_dims, bias_data, output_dims: Dims, output_data) -> int:
    _check(index_bits, filter_table)
    w = decode(filter_indices, index_bits, filter_table, filter_dims.n * filter_dims.c)
    return fully_connected_rows(fc_params, np.asarray(quant_params.multiplier, np.int64),
                            np.asarray(quant_params.shift, np.int64), input_dims, input_data,
                            filter_dims, w, bias_data, output_dims, output_data)
