"""AVERAGE_POOL_2D and MAX_POOL_2D -> CMSIS-NN's arm_avgpool_s8 / arm_max_pool_s8, with
TFLite-Micro's Prepare (pooling_common.cc). The two ops share attributes, options table,
lowering and quantization, so they share this module.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from mcutool.abi import CONTEXT
from mcutool.abi.types import Activation, Dims, PoolParams, Tile
from mcutool.fixedpoint import activation_range
from mcutool.ir import Graph, Operator
from mcutool.ir import op_rules as rules
from mcutool.ir.attrs import Pool2DAttrs
from mcutool.lower.calls import KernelCall, Lowered, TensorArg, Unsupported
from mcutool.lower.checks import require_int8
from mcutool.lower.pooling import window_output_and_padding
from mcutool.lower.s16 import s16_activation, s16_scale
from mcutool.ops.opdef import (
    ACTIVATION_FIELD,
    PADDING_FIELD,
    STRIDE_FIELDS,
    Field,
    OpDef,
    OptionsTable,
    QuantRule,
    register,
)
from mcutool.reference import float_kernels as fk
from mcutool.reference.float_exec import FloatEnv, nhwc

if TYPE_CHECKING:
    from mcutool.qat.env import TorchEnv


def lower_pool(graph: Graph, op: Operator, dtype: str = "int8") -> Lowered:
    """dtype "int16": the 16x8 kernels arm_avgpool_s16 / arm_max_pool_s16."""
    x = graph.tensor(op.inputs[0])
    y = graph.tensor(op.outputs[0])
    if dtype == "int16":
        s16_scale(x, "input")
        s16_scale(y, "output")
    else:
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
    if dtype == "int16":
        clamp = s16_activation(a.activation, y.scale)
        act_min, act_max = clamp.min, clamp.max
    else:
        act_min, act_max = activation_range(a.activation, y.scale, y.zero_point)
    params = PoolParams(stride=Tile(w=a.stride_w, h=a.stride_h),
                        padding=Tile(w=pad_w, h=pad_h),
                        activation=Activation(min=act_min, max=act_max))
    suffix = "s16" if dtype == "int16" else "s8"
    kernel = f"arm_avgpool_{suffix}" if op.type == "AVERAGE_POOL_2D" else f"arm_max_pool_{suffix}"
    call = KernelCall(kernel,
                      [CONTEXT, params, Dims.of(x.shape), TensorArg(x.name),
                       Dims(1, a.filter_h, a.filter_w, 1), Dims.of(y.shape), TensorArg(y.name)])
    return Lowered([call])  # no multiply-accumulates: adds or compares only


def lower_pool_s16(graph: Graph, op: Operator) -> Lowered:
    return lower_pool(graph, op, "int16")


def float_pool(env: FloatEnv, op: Operator):
    return fk.pool2d(nhwc(env.input(op)), op.attrs, "MAX" if op.type == "MAX_POOL_2D" else "AVERAGE")


def macs(graph: Graph, op: Operator) -> int:
    """One add or compare per window tap and output."""
    return graph.tensors[op.outputs[0]].size * op.attrs.filter_h * op.attrs.filter_w


POOL_OPTIONS = OptionsTable("Pool2DOptions", (
    Field("filter_h", "FilterHeight", "int"), Field("filter_w", "FilterWidth", "int"),
    *STRIDE_FIELDS, PADDING_FIELD, ACTIVATION_FIELD))

def torch_pool(env: TorchEnv, op: Operator):
    a = op.attrs
    x, k, s = env.input(op), (a.filter_h, a.filter_w), (a.stride_h, a.stride_w)
    if op.type == "MAX_POOL_2D":
        y = env.F.max_pool2d(env.pad_for_window(x, a, *k, value=float("-inf")), k, s)
    else:  # TFLite divides by the taps inside the input, not by the window size
        total = env.F.avg_pool2d(env.pad_for_window(x, a, *k), k, s, divisor_override=1)
        ones = env.torch.ones_like(x[:1, :1])
        y = total / env.F.avg_pool2d(env.pad_for_window(ones, a, *k), k, s, divisor_override=1)
    return env.fused(y, a.activation)


AVERAGE_POOL_2D = register(OpDef(
    "AVERAGE_POOL_2D", "PoolingFunctions", Pool2DAttrs, POOL_OPTIONS,
    float_eval=float_pool,
    torch_forward=torch_pool,
    quant=QuantRule(shared_scale="input"),
    macs=macs,
    lower={"int8": lower_pool, "int16": lower_pool_s16},
    channelwise=True,
    checks=(rules.pool_shapes, rules.rescale_scales, rules.pool_sums),
))

MAX_POOL_2D = register(OpDef(
    "MAX_POOL_2D", "PoolingFunctions", Pool2DAttrs, POOL_OPTIONS,
    float_eval=float_pool,
    torch_forward=torch_pool,
    quant=QuantRule(shared_scale="input"),
    macs=macs,
    lower={"int8": lower_pool, "int16": lower_pool_s16},
    channelwise=True,
    checks=(rules.pool_shapes, rules.rescale_scales),
))
