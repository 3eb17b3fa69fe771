"""MEAN (int8) -> mcu_mean_s8. MEAN has no CMSIS-NN kernel; mcu_mean_s8 mirrors TFLM's int8
MEAN (reduce_common.cc EvalIntegerMean -> reference_ops::QuantizedMeanOrSum): the sum, corrected
by the input zero point, is requantized with a multiplier that folds in 1/count. Current TFLM
takes this path even when input and output share scale and zero point (older releases divided
the raw sum by the count instead, which rounds differently; the tflite_micro package we test
against does not).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from mcutool.abi.types import Dims
from mcutool.fixedpoint import quantize_multiplier
from mcutool.ir import Graph, Operator, Tensor
from mcutool.ir import op_rules as rules
from mcutool.ir.attrs import ReducerAttrs
from mcutool.lower.calls import KernelCall, Lowered, TensorArg, Unsupported
from mcutool.lower.checks import require_int8
from mcutool.lower.s16 import s16_scale
from mcutool.ops.opdef import Field, OpDef, OptionsTable, register
from mcutool.reference.float_exec import FloatEnv, model_axis

# TFLM's reduce kernels keep the resolved axes in a fixed array of two entries.
if TYPE_CHECKING:
    from mcutool.qat.env import TorchEnv


MAX_REDUCED_AXES = 2


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


def lower_mean(graph: Graph, op: Operator, dtype: str = "int8") -> Lowered:
    """dtype "int16": mcu_mean_s16 (zero points 0)."""
    if len(op.inputs) < 2 or not op.inputs[1]:
        raise Unsupported("MEAN needs an axis tensor")
    x = graph.tensor(op.inputs[0])
    y = graph.tensor(op.outputs[0])
    if dtype == "int16":
        s16_scale(x, "input")
        s16_scale(y, "output")
    else:
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
    call = KernelCall("mcu_mean_s16" if dtype == "int16" else "mcu_mean_s8",
                      [in_dims, TensorArg(x.name), out_dims, TensorArg(y.name),
                       -x.zero_point, y.zero_point, multiplier, shift])
    return Lowered([call])  # adds only, no multiply-accumulates


def lower_mean_s16(graph: Graph, op: Operator) -> Lowered:
    return lower_mean(graph, op, "int16")


def float_mean(env: FloatEnv, op: Operator):
    x = env.input(op)
    axes = sorted({model_axis(int(v), x.ndim - 1) for v in np.atleast_1d(env.const(op.inputs[1]))})
    return x.mean(axis=tuple(axes), dtype=np.float64).astype(np.float32)


def macs(graph: Graph, op: Operator) -> int:
    """One add per input element."""
    return graph.tensors[op.inputs[0]].size


def torch_mean(env: TorchEnv, op: Operator):
    x = env.nhwc(op)
    # Axis 0 is the IR's batch of 1, which the training batch replaces: nothing to average.
    axes = sorted({int(v) % x.dim() for v in np.atleast_1d(env.const(op.inputs[1]))} - {0})
    return env.finish(x.mean(dim=axes, keepdim=True) if axes else x, op)


MEAN = register(OpDef(
    "MEAN", "ReductionFunctions", ReducerAttrs,
    OptionsTable("ReducerOptions", (Field("keep_dims", "KeepDims", "bool"),)),
    inputs=(2, 2),
    float_eval=float_mean,
    torch_forward=torch_mean,
    macs=macs,
    lower={"int8": lower_mean, "int16": lower_mean_s16},
    channelwise=True,
    checks=(rules.mean_shapes, rules.rescale_scales, rules.mean_sums),
))
