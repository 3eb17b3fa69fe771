"""LEAKY_RELU (int8) -> mcu_leaky_relu_s8, with TFLite-Micro's Prepare math
(leaky_relu_common.cc): two multipliers computed in float32 before widening to double,
identity = in_scale / out_scale and alpha = in_scale * alpha / out_scale.
"""
from __future__ import annotations

import numpy as np

from mcutool.ir import Graph, Operator
from mcutool.ir import op_rules as rules
from mcutool.ir.attrs import LeakyReluAttrs
from mcutool.lower.calls import KernelCall, Lowered, TensorArg, Unsupported
from mcutool.lower.checks import per_tensor_quant
from mcutool.lower.quantize import checked_multiplier, single_io
from mcutool.ops.opdef import Field, OpDef, OptionsTable, register
from mcutool.reference import float_kernels as fk


def lower_leaky_relu(graph: Graph, op: Operator, dtype: str = "int8") -> Lowered:
    """dtype "int16": mcu_leaky_relu_s16."""
    src, dst = single_io(graph, op)
    in_scale, in_zp = per_tensor_quant(src, "input", dtype)
    out_scale, out_zp = per_tensor_quant(dst, "output", dtype)
    alpha = np.float32(op.attrs.alpha)  # TfLiteLeakyReluParams.alpha is a float
    if not np.isfinite(alpha):
        raise Unsupported(f"alpha {op.attrs.alpha} is not finite")
    f_in, f_out = np.float32(in_scale), np.float32(out_scale)
    identity_mult, identity_shift = checked_multiplier(float(f_in / f_out))
    alpha_mult, alpha_shift = checked_multiplier(float(f_in * alpha / f_out))
    call = KernelCall(
        "mcu_leaky_relu_s16" if dtype == "int16" else "mcu_leaky_relu_s8",
        [TensorArg(src.name), TensorArg(dst.name), src.size, -in_zp, out_zp,
         identity_mult, identity_shift, alpha_mult, alpha_shift])
    return Lowered([call])


def lower_leaky_relu_s16(graph: Graph, op: Operator) -> Lowered:
    return lower_leaky_relu(graph, op, "int16")


LEAKY_RELU = register(OpDef(
    "LEAKY_RELU", "ActivationFunctions", LeakyReluAttrs,
    OptionsTable("LeakyReluOptions", (Field("alpha", "Alpha", "float"),)),
    float_eval=lambda env, op: fk.leaky_relu(env.input(op), op.attrs.alpha),
    torch_forward=lambda env, op: env.torch.where(env.input(op) >= 0, env.input(op), env.input(op) * op.attrs.alpha),
    lower={"int8": lower_leaky_relu, "int16": lower_leaky_relu_s16},
    checks=(rules.same_shape, rules.leaky_relu_scales),
))
