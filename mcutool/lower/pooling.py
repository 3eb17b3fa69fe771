"""Lowering of AVERAGE_POOL_2D, MAX_POOL_2D and MEAN (TFLite-Micro's Prepare for these ops).

Pooling maps onto CMSIS-NN's arm_avgpool_s8 / arm_max_pool_s8. MEAN has no CMSIS-NN kernel, so
it becomes mcu_mean_s8, which mirrors TFLM's int8 MEAN (reduce_common.cc EvalIntegerMean ->
reference_ops::QuantizedMeanOrSum): the sum, corrected by the input zero point, is requantized
with a multiplier that folds in 1/count. Current TFLM takes this path even when input and
output share scale and zero point (older releases divided the raw sum by the count instead,
which rounds differently; the tflite_micro package we test against does not).
"""
from __future__ import annotations

import numpy as np

from mcutool.abi import CONTEXT
from mcutool.abi.types import Activation, Dims, PoolParams, Tile
from mcutool.fixedpoint import activation_range, quantize_multiplier
from mcutool.ir import Graph, Operator, Tensor
from mcutool.lower.calls import KernelCall, Lowered, TensorArg, Unsupported
from mcutool.lower.checks import require_int8
from mcutool.lower.conv_quant import out_size_and_padding
from mcutool.lower.registry import lowering

# TFLM's reduce kernels keep the resolved axes in a fixed array of two entries.
MAX_REDUCED_AXES = 2


def window_output_and_padding(in_size: int, filter_size: int, stride: int,
                              padding: str) -> tuple[int, int]:
    """Output size and leading padding of a pooling window: a convolution's, without dilation."""
    if filter_size < 1:
        raise Unsupported(f"filter {filter_size} must be at least 1")
    out, pad = out_size_and_padding(padding, in_size, filter_size, stride, 1)
    if out < 1:
        raise Unsupported(f"a {filter_size}-wide window does not fit an input of {in_size}")
    return out, pad


@lowering("AVERAGE_POOL_2D", "MAX_POOL_2D")
def lower_pool(graph: Graph, op: Operator) -> Lowered:
    x = graph.tensor(op.inputs[0])
    y = graph.tensor(op.outputs[0])
    require_int8(x, y)
    if len(x.shape) != 4 or len(y.shape) != 4:
        raise Unsupported("pooling needs 4-D NHWC tensors")
    # TFLM's PoolingPrepare refuses a rescale: same zero point, scales within 1e-6.
    if abs(float(x.scale) - float(y.scale)) > 1e-6 or x.zero_point != y.zero_point:
        raise Unsupported("input and output quantization differ (TFLM requires them equal)")
    a = op.attrs
    n, in_h, in_w, c = x.shape
    out_h, pad_h = window_output_and_padding(in_h, a.filter_h, a.stride_h, a.padding)
    out_w, pad_w = window_output_and_padding(in_w, a.filter_w, a.stride_w, a.padding)
    if tuple(y.shape) != (n, out_h, out_w, c):
        raise Unsupported(f"output shape {list(y.shape)} should be {[n, out_h, out_w, c]}")
    act_min, act_max = activation_range(a.activation, y.scale, y.zero_point)
    params = PoolParams(stride=Tile(w=a.stride_w, h=a.stride_h),
                        padding=Tile(w=pad_w, h=pad_h),
                        activation=Activation(min=act_min, max=act_max))
    kernel = "arm_avgpool_s8" if op.type == "AVERAGE_POOL_2D" else "arm_max_pool_s8"
    call = KernelCall(kernel,
                      [CONTEXT, params, Dims.of(x.shape), TensorArg(x.name),
                       Dims(1, a.filter_h, a.filter_w, 1), Dims.of(y.shape), TensorArg(y.name)])
    return Lowered([call])  # no multiply-accumulates: adds or compares only


def resolve_axes(axis_tensor: Tensor, rank: int) -> list[int]:
    """Constant axis list -> distinct non-negative axes, in first-seen order (TFLM ResolveAxis)."""
    if not axis_tensor.is_const:
        raise Unsupported("the axis tensor must be constant")
    if axis_tensor.dtype != "int32":
        raise Unsupported(f"axis tensor of type {axis_tensor.dtype} (TFLM takes int32 only)")
    axes: list[int] = []
    for value in np.asarray(axis_tensor.data).reshape(-1).tolist():
        axis = value + rank if value < 0 else value
        if not 0 <= axis < rank:
            raise Unsupported(f"axis {value} is out of range for a {rank}-D input")
        if axis not in axes:
            axes.append(axis)
    return axes


def mean_multiplier(input_scale: float, output_scale: float, count: int) -> tuple[int, int]:
    """QuantizedMeanOrSum's rescale: QuantizeMultiplier(in/out), then 1/count folded into the
    multiplier by shifting it left by floor(log2(count)) (capped) and dividing by count."""
    multiplier, shift = quantize_multiplier(float(np.float64(input_scale) / np.float64(output_scale)))
    extra = min(count.bit_length() - 1, 32, 31 + shift)
    if extra < 0:
        raise Unsupported("the input/output scale ratio of MEAN is too small to represent")
    multiplier = (multiplier << extra) // count   # positive operands: C's division, truncated
    return multiplier, shift - extra


@lowering("MEAN")
def lower_mean(graph: Graph, op: Operator) -> Lowered:
    if len(op.inputs) < 2 or not op.inputs[1]:
        raise Unsupported("MEAN needs an axis tensor")
    x = graph.tensor(op.inputs[0])
    y = graph.tensor(op.outputs[0])
    require_int8(x, y)
    rank = len(x.shape)
    if rank > 4:
        raise Unsupported(f"{rank}-D input")
    axes = resolve_axes(graph.tensor(op.inputs[1]), rank)
    if len(axes) > MAX_REDUCED_AXES:
        raise Unsupported(f"MEAN over {len(axes)} axes (TFLM reduces at most {MAX_REDUCED_AXES})")
    kept = tuple(1 if i in axes else d for i, d in enumerate(x.shape))
    in_dims, out_dims = Dims.of(x.shape), Dims.of(kept)
    if y.size != out_dims.size:
        raise Unsupported(f"output shape {list(y.shape)} does not match the reduced shape {list(kept)}")
    count = in_dims.size // out_dims.size if out_dims.size else 0
    if count == 0:
        raise Unsupported("MEAN of an empty tensor")
    multiplier, shift = mean_multiplier(x.scale, y.scale, count)
    call = KernelCall("mcu_mean_s8",
                      [in_dims, TensorArg(x.name), out_dims, TensorArg(y.name),
                       -x.zero_point, y.zero_point, multiplier, shift])
    return Lowered([call])  # adds only, no multiply-accumulates
