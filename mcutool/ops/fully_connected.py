"""FULLY_CONNECTED -> arm_fully_connected_s8 (per-tensor weights) or
arm_fully_connected_per_channel_s8 (per-channel weights, what TensorFlow's converter emits), or
arm_fully_connected_s4 (int4 weights, per tensor).

As TFLite-Micro (fully_connected_common.cc, reference integer_ops/fully_connected.h):
- weights [units, depth]; the input, of any rank, is read as [batches, depth] with batches taken
  from the output (all its dims but the last); keep_num_dims only shapes the output tensor.
- multiplier: QuantizeMultiplier(double(in_scale) * double(w_scale) / double(out_scale)) for the
  per-tensor path as well as per channel (see lower/fully_connected.py).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from mcutool.abi import CONTEXT
from mcutool.abi.types import Dims, FcParams, PerChannelQuantParams, PerTensorQuantParams
from mcutool.ir import Graph, Operator
from mcutool.ir import op_rules as rules
from mcutool.ir.attrs import FullyConnectedAttrs
from mcutool.lower.calls import KernelCall, Lowered, TensorArg, Unsupported
from mcutool.lower.codebook import CODEBOOK, codebook_operands
from mcutool.lower.conv_quant import (
    activation_quant,
    bias_operand,
    fused_activation,
    operands,
    per_channel_params,
    weight_scales,
)
from mcutool.lower.conv_s16 import lower_fully_connected_s16
from mcutool.lower.fully_connected import per_tensor_params
from mcutool.ops.opdef import ACTIVATION_FIELD, Field, OpDef, OptionsTable, QuantRule, register
from mcutool.reference import float_kernels as fk
from mcutool.reference.float_exec import FloatEnv

if TYPE_CHECKING:
    from mcutool.qat.env import TorchEnv


def lower_fully_connected(graph: Graph, op: Operator, weights: str = "int8") -> Lowered:
    """weights: "int8", "int4" (packed, per tensor only: arm_fully_connected_s4) or "int8cb"
    (packed indices and a table, mcu_fully_connected_codebook_s8; per-channel parameters, a
    per-tensor scale repeated: the same requantization)."""
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
    scales = weight_scales(w_t, axis=0, channels=units, dtype="int8" if weights == CODEBOOK else weights)
    bias = bias_operand(graph, op, units)

    params = FcParams(-in_zp, 0, out_zp, fused_activation(op.attrs.activation, out_scale, out_zp))
    assert w_t.quant is not None  # weight_scales checked it
    quant: PerChannelQuantParams | PerTensorQuantParams
    filter_args: list = [TensorArg(w_t.name)]
    if weights == CODEBOOK:
        filter_args = codebook_operands(w_t)
        if w_t.quant.scale.size > 1:
            quant = per_channel_params(in_scale, scales, out_scale)
        else:
            one = per_tensor_params(in_scale, float(scales[0]), out_scale)
            quant = PerChannelQuantParams(np.full(units, one.multiplier, np.int32),
                                          np.full(units, one.shift, np.int32))
        kernel = "mcu_fully_connected_codebook_s8"
    elif weights == "int4":
        if w_t.quant.scale.size > 1:
            # fully_connected_common.cc:98: TFLite-Micro refuses per-channel INT4 weights
            raise Unsupported("int4 FULLY_CONNECTED weights must be per tensor (TFLite-Micro refuses "
                              "per-channel INT4)")
        kernel, quant = "arm_fully_connected_s4", per_tensor_params(in_scale, float(scales[0]), out_scale)
    elif w_t.quant.scale.size > 1:
        kernel, quant = "arm_fully_connected_per_channel_s8", per_channel_params(in_scale, scales, out_scale)
    else:
        kernel, quant = "arm_fully_connected_s8", per_tensor_params(in_scale, float(scales[0]), out_scale)
    call = KernelCall(
        kernel,
        [CONTEXT, params, quant,
         Dims(batches, 1, 1, depth), TensorArg(x_t.name),
         Dims(depth, 1, 1, units), *filter_args, Dims(1, 1, 1, units), bias,
         Dims(batches, 1, 1, units), TensorArg(y_t.name)])
    return Lowered([call])


def lower_fully_connected_w4(graph: Graph, op: Operator) -> Lowered:
    return lower_fully_connected(graph, op, "int4")


def lower_fully_connected_codebook(graph: Graph, op: Operator) -> Lowered:
    return lower_fully_connected(graph, op, CODEBOOK)


def float_fully_connected(env: FloatEnv, op: Operator):
    return fk.fully_connected(env.input(op), env.const(op.inputs[1]), env.bias(op), op.attrs.activation)


def macs(graph: Graph, op: Operator) -> int:
    return graph.tensors[op.outputs[0]].size * graph.tensors[op.inputs[1]].shape[-1]


def torch_fully_connected(env: TorchEnv, op: Operator):
    w = env.weight(op)
    rows = env.nhwc(op).reshape(-1, w.shape[1])
    return env.finish(env.fused(env.F.linear(rows, w, env.bias(op)), op.attrs.activation), op)


FULLY_CONNECTED = register(OpDef(
    "FULLY_CONNECTED", "FullyConnectedFunctions", FullyConnectedAttrs,
    OptionsTable("FullyConnectedOptions", (ACTIVATION_FIELD, Field("keep_num_dims", "KeepNumDims", "bool"))),
    inputs=(2, 3), optional_inputs=(2,),
    float_eval=float_fully_connected,
    torch_forward=torch_fully_connected,
    quant=QuantRule(weight_axis=0, weight_input_axis=1),
    macs=macs,
    lower={"int8": lower_fully_connected, "int8w4": lower_fully_connected_w4,
           CODEBOOK: lower_fully_connected_codebook, "int16": lower_fully_connected_s16},
    fuses_activation=True,
    checks=(rules.fully_connected_shapes, rules.weighted_scales, rules.weighted_sums(lambda w: w[-1])),
))
