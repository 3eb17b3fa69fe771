"""FULLY_CONNECTED -> arm_fully_connected_s8 (per-tensor weights) or
arm_fully_connected_per_channel_s8 (per-channel weights, what TensorFlow's converter emits).

As TFLite-Micro (fully_connected_common.cc, reference integer_ops/fully_connected.h):
- weights [units, depth]; the input, of any rank, is read as [batches, depth] with batches taken
  from the output (all its dims but the last); keep_num_dims only shapes the output tensor.
- multiplier: QuantizeMultiplier(double(in_scale) * double(w_scale) / double(out_scale)) for the
  per-tensor path as well as per channel. TFLM's kernel_util.cc (GetQuantizedConvolutionMultipler)
  reads as if the per-tensor product were taken in float32 first, but the `tflite_micro` oracle
  agrees with the all-double product on every case where the two differ (checked on 10 models
  whose multipliers differ by a few Q31 units), so the double formula is the one to match.
"""
from __future__ import annotations

import numpy as np

from mcutool.abi import CONTEXT
from mcutool.abi.types import Dims, FcParams, PerTensorQuantParams
from mcutool.fixedpoint import quantize_multiplier
from mcutool.ir import Graph, Operator
from mcutool.lower.calls import KernelCall, Lowered, TensorArg, Unsupported
from mcutool.lower.conv_quant import (
    activation_quant,
    bias_operand,
    fused_activation,
    operands,
    per_channel_params,
    weight_scales,
)
from mcutool.lower.registry import lowering


def per_tensor_params(in_scale: float, w_scale: float, out_scale: float) -> PerTensorQuantParams:
    real = np.float64(in_scale) * np.float64(w_scale) / np.float64(out_scale)  # float32 scales, in double
    return PerTensorQuantParams(*quantize_multiplier(float(real)))


@lowering("FULLY_CONNECTED")
def lower_fully_connected(graph: Graph, op: Operator) -> Lowered:
    x_t, w_t, y_t = operands(graph, op, "FULLY_CONNECTED")
    in_scale, in_zp = activation_quant(x_t, "input")
    out_scale, out_zp = activation_quant(y_t, "output")
    if len(w_t.shape) != 2:
        raise Unsupported(f"FULLY_CONNECTED weights must be 2-D [units, depth], got {list(w_t.shape)}")
    units, depth = w_t.shape
    if not y_t.shape or y_t.shape[-1] != units:
        raise Unsupported(f"output {list(y_t.shape)} does not end in the {units} units of the weights")
    batches = y_t.size // units
    if x_t.size != batches * depth:
        raise Unsupported(f"input {list(x_t.shape)} does not hold {batches} rows of depth {depth}")
    scales = weight_scales(w_t, axis=0, channels=units)
    bias = bias_operand(graph, op, units)

    params = FcParams(-in_zp, 0, out_zp, fused_activation(op.attrs.activation, out_scale, out_zp))
    per_channel = w_t.quant.scale.size > 1
    if per_channel:
        kernel, quant = "arm_fully_connected_per_channel_s8", per_channel_params(in_scale, scales, out_scale)
    else:
        kernel, quant = "arm_fully_connected_s8", per_tensor_params(in_scale, float(scales[0]), out_scale)
    call = KernelCall(
        kernel,
        [CONTEXT, params, quant,
         Dims(batches, 1, 1, depth), TensorArg(x_t.name),
         Dims(depth, 1, 1, units), TensorArg(w_t.name), Dims(1, 1, 1, units), bias,
         Dims(batches, 1, 1, units), TensorArg(y_t.name)])
    return Lowered([call])
