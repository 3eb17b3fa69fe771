"""CONCATENATION (int8) -> CMSIS-NN's arm_concatenation_s8_{x,y,z,w}, one call per input.

TFLite-Micro copies the raw int8 bytes of each input and never requantizes: its Prepare refuses
int8 inputs whose scale or zero point differ from the output's, a fused activation, and more
than 10 inputs, so we refuse the same. The quantizer gives all inputs the output's parameters
(or inserts a QUANTIZE for an input pinned elsewhere).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from mcutool.ir import Graph, Operator
from mcutool.ir import op_rules as rules
from mcutool.ir.attrs import ConcatenationAttrs
from mcutool.lower.calls import KernelCall, Lowered, TensorArg, Unsupported
from mcutool.lower.checks import per_tensor_quant
from mcutool.ops.opdef import ACTIVATION_FIELD, Field, OpDef, OptionsTable, QuantRule, register
from mcutool.reference import float_kernels as fk
from mcutool.reference.float_exec import FloatEnv, model_axis

UINT16_MAX = 0xFFFF
if TYPE_CHECKING:
    from mcutool.qat.env import TorchEnv


CONCAT_MAX_INPUTS = 10  # TFLM's kMaxInputNum


def four_d(shape) -> tuple[int, ...]:
    """Shape padded at the front to 4-D (the layout every kernel here takes)."""
    if len(shape) > 4:
        raise Unsupported(f"{len(shape)}-D tensor")
    return (1,) * (4 - len(shape)) + tuple(shape)


# CMSIS-NN's concatenation kernel per axis of a 4-D tensor (x is the innermost axis).
CONCAT_KERNELS = {3: "arm_concatenation_s8_x", 2: "arm_concatenation_s8_y",
                  1: "arm_concatenation_s8_z", 0: "arm_concatenation_s8_w"}


def lower_concatenation(graph: Graph, op: Operator, dtype: str = "int8") -> Lowered:
    """dtype "int16": the same byte-copying kernels, each int16 element taken as two bytes of
    the innermost axis (TFLite-Micro copies int16 concatenations unchanged too)."""
    y = graph.tensor(op.outputs[0])
    inputs = [graph.tensor(name) for name in op.inputs]
    for t in (y, *inputs):
        per_tensor_quant(t, "tensor", dtype)
    if op.attrs.activation != "NONE":
        raise Unsupported("fused activation on CONCATENATION (TFLM rejects it)")
    if len(inputs) > CONCAT_MAX_INPUTS:
        raise Unsupported(f"{len(inputs)} inputs (TFLM takes at most {CONCAT_MAX_INPUTS})")
    for t in inputs:
        # TFLM compares the float32 scales exactly: a copy is only right without a rescale.
        if t.quant is None or y.quant is None or not (
                np.float32(t.scale) == np.float32(y.scale) and t.zero_point == y.zero_point):
            raise Unsupported(f"input {t.name!r} is quantized differently from the output "
                              "(TFLM requires identical scale and zero point)")
    rank = len(y.shape)
    axis = op.attrs.axis + rank if op.attrs.axis < 0 else op.attrs.axis
    if not 0 <= axis < rank:
        raise Unsupported(f"axis {op.attrs.axis} for a {rank}-D output")
    out4 = four_d(y.shape)
    axis4 = axis + 4 - rank
    total = 0
    for t in inputs:
        if len(t.shape) != rank or any(d != o for i, (d, o) in enumerate(zip(t.shape, y.shape)) if i != axis):
            raise Unsupported(f"input {t.name}{list(t.shape)} does not fit output {list(y.shape)} on axis {axis}")
        total += t.shape[axis]
    if total != y.shape[axis]:
        raise Unsupported(f"inputs add up to {total} on axis {axis}, the output has {y.shape[axis]}")
    width = 2 if dtype == "int16" else 1   # bytes per element: x counts bytes
    if max(out4[:3] + (out4[3] * width,)) > UINT16_MAX:
        raise Unsupported("a dimension is larger than CMSIS-NN's uint16 concatenation arguments")

    kernel = CONCAT_KERNELS[axis4]
    calls: list[KernelCall] = []
    offset = 0
    for t in inputs:
        w, z, yy, x = four_d(t.shape)
        args: list = [TensorArg(t.name), x * width, yy, z, w, TensorArg(y.name)]
        step = width if axis4 == 3 else 1
        if axis4 != 0:
            args.append(out4[axis4] * step)  # the output's length on the concatenated axis
        args.append(offset * step)
        calls.append(KernelCall(kernel, args))
        offset += t.shape[axis]
    return Lowered(calls)


def lower_concatenation_s16(graph: Graph, op: Operator) -> Lowered:
    return lower_concatenation(graph, op, "int16")


def float_concatenation(env: FloatEnv, op: Operator):
    x = env.input(op)
    parts = [env.batched(n) for n in op.inputs]
    parts = [np.broadcast_to(p, (env.n, *p.shape[1:])) for p in parts]
    return fk.fused(np.concatenate(parts, axis=model_axis(op.attrs.axis, x.ndim - 1)), op.attrs.activation)


def is_identity(graph: Graph, op: Operator) -> bool:
    """A single input without activation."""
    del graph
    return len(op.inputs) == 1 and op.attrs.activation == "NONE"


def torch_concatenation(env: TorchEnv, op: Operator):
    parts = [env.nhwc(op, k) for k in range(len(op.inputs))]
    parts = [p if op.inputs[k] in env.values else p.expand(env.n, *p.shape[1:]) for k, p in enumerate(parts)]
    axis = op.attrs.axis % parts[0].dim()
    return env.finish(env.fused(env.torch.cat(parts, dim=axis), op.attrs.activation), op)


CONCATENATION = register(OpDef(
    "CONCATENATION", "ConcatenationFunctions", ConcatenationAttrs,
    OptionsTable("ConcatenationOptions", (Field("axis", "Axis", "int"), ACTIVATION_FIELD)),
    inputs=(1, None),
    float_eval=float_concatenation,
    torch_forward=torch_concatenation,
    quant=QuantRule(shared_scale="inputs", float_constants="output"),
    lower={"int8": lower_concatenation, "int16": lower_concatenation_s16},
    identity=is_identity,
    checks=(rules.concat_shapes,),
))
