"""Numpy twins of arm_fully_connected_s8 (one multiplier) and arm_fully_connected_per_channel_s8.

acc[b, u] = sum_k (x[b, k] + input_offset) * w[u, k], wrapped to int32 like the C accumulator,
plus bias, then double-rounding requantization, output offset and clamp.

The context is the C's: a zeroed scratch buffer, or (Helium layout) the int32 kernel sums that
ARM's CMSIS-NN starts its accumulators from. runtime_c ignores them, and so does the result
here, but they are checked against the weights, bias and input offset they were made from.
"""
from __future__ import annotations

import numpy as np

from mcutool.abi.kernel_sums import vector_sum_s8
from mcutool.abi.types import Dims
from mcutool.fixedpoint import multiply_by_quantized_multiplier, multiply_by_quantized_multiplier_s64, wrap_int32
from mcutool.ir.dtypes import unpack_int4
from mcutool.reference.kernels import twin


def _check_kernel_sums(ctx, fc_params, filter_dims: Dims, filter_data, bias_data) -> None:
    if ctx is None or np.asarray(ctx).dtype != np.int32:
        return  # scratch (int8) or none
    want = vector_sum_s8(filter_data.reshape(filter_dims.c, filter_dims.n), fc_params.input_offset,
                         fc_params.filter_offset, bias_data)
    if not np.array_equal(np.asarray(ctx), want):
        raise ValueError("fully connected: the kernel sums in the context do not match the weights")


def fully_connected_rows(fc_params, multiplier, shift, input_dims: Dims, input_data, filter_dims: Dims,
                         filter_data, bias_data, output_dims: Dims, output_data) -> int:
    """The rows of one fully connected layer; filter_offset is minus a weight zero point."""
    depth, units, batches = filter_dims.n, output_dims.c, input_dims.n
    x = input_data[:batches * depth].reshape(batches, depth).astype(np.float64) + fc_params.input_offset
    w = filter_data.reshape(units, depth).astype(np.float64) + fc_params.filter_offset
    acc = wrap_int32((x @ w.T).astype(np.int64))  # exact: |sum| <= depth * 256 * 256 < 2^53
    if bias_data is not None:
        acc = wrap_int32(acc + np.asarray(bias_data, np.int64))
    out = multiply_by_quantized_multiplier(acc, multiplier, shift) + fc_params.output_offset
    out = np.clip(out, fc_params.activation.min, fc_params.activation.max)
    output_data[:batches * units] = out.reshape(-1).astype(np.int8)
    return 0


@twin("arm_fully_connected_s8")
def arm_fully_connected_s8(ctx, fc_params, quant_params, input_dims, input_data, filter_dims, filter_data,
                           bias_dims, bias_data, output_dims, output_data) -> int:
    _check_kernel_sums(ctx, fc_params, filter_dims, filter_data, bias_data)
    return fully_connected_rows(fc_params, np.int64(quant_params.multiplier), np.int64(quant_params.shift),
                            input_dims, input_data, filter_dims, filter_data, bias_data, output_dims,
                            output_data)


@twin("arm_fully_connected_per_channel_s8")
def arm_fully_connected_per_channel_s8(ctx, fc_params, quant_params, input_dims, input_data, filter_dims,
                                       filter_data, bias_dims, bias_data, output_dims, output_data) -> int:
    _check_kernel_sums(ctx, fc_params, filter_dims, filter_data, bias_data)
    return fully_connected_rows(fc_params, np.asarray(quant_params.multiplier, np.int64),
                            np.asarray(quant_params.shift, np.int64), input_dims, input_data, filter_dims,
                            filter_data, bias_data, output_dims, output_data)


@twin("arm_fully_connected_s4")
def arm_fully_connected_s4(ctx, fc_params, quant_params, input_dims, input_data, filter_dims, filter_data,
                           bias_dims, bias_data, output_dims, output_data) -> int:
    """int4 weights packed two per byte (element 0 in the low nibble); CMSIS-NN's s4 kernel
    takes no context (no kernel sums, even on Helium)."""
    weights = unpack_int4(filter_data, filter_dims.n * filter_dims.c)
    return fully_connected_rows(fc_params, np.int64(quant_params.multiplier), np.int64(quant_params.shift),
                            input_dims, input_data, filter_dims, weights, bias_data, output_dims,
                            output_data)


@twin("arm_fully_connected_s16", "mcu_fully_connected_per_channel_s16")
def arm_fully_connected_s16(ctx, fc_params, quant_params, input_dims, input_data, filter_dims, filter_data,
                            bias_dims, bias_data, output_dims, output_data) -> int:
    """16x8: int16 input and output (zero points 0), int8 weights, int64 bias; an exact int64
    sum requantized by TFLite's int64 MultiplyByQuantizedMultiplier."""
    depth, units, batches = filter_dims.n, output_dims.c, input_dims.n
    x = input_data[:batches * depth].reshape(batches, depth).astype(np.int64)
    w = filter_data.reshape(units, depth).astype(np.int64)
    acc = x @ w.T   # exact: |sum| < depth * 2^22
    if bias_data is not None:
        acc = acc + np.asarray(bias_data, np.int64)
    # one multiplier, or one per unit (the per-channel kernel): either broadcasts over the units
    out = multiply_by_quantized_multiplier_s64(acc, np.asarray(quant_params.multiplier, np.int64),
                                               np.asarray(quant_params.shift, np.int64))
    out = np.clip(out, fc_params.activation.min, fc_params.activation.max)
    output_data[:batches * units] = out.reshape(-1).astype(np.int16)
    return 0
