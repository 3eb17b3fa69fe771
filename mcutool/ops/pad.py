"""PAD and PADV2 (int8) -> arm_pad_s8. TFLite-Micro pads with the output zero point, or with
PADV2's constant (a scalar quantized like the output); paddings come from a constant int32
tensor. The two ops differ only in that third operand, so they share this module.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from mcutool.abi.types import Dims
from mcutool.ir import Graph, Operator
from mcutool.ir import op_rules as rules
from mcutool.lower.calls import KernelCall, Lowered, TensorArg, Unsupported
from mcutool.lower.checks import per_tensor_quant, require_int8
from mcutool.ops.opdef import OpDef, OptionsTable, QuantRule, register
from mcutool.reference.float_exec import FloatEnv

if TYPE_CHECKING:
    from mcutool.qat.env import TorchEnv


def lower_pad(graph: Graph, op: Operator, dtype: str = "int8") -> Lowered:
    """dtype "int16": mcu_pad_s16 (int16 codes, a PADV2 constant of int16)."""
    x = graph.tensor(op.inputs[0])
    y = graph.tensor(op.outputs[0])
    if dtype == "int16":
        per_tensor_quant(x, "input", "int16")
        per_tensor_quant(y, "output", "int16")
    else:
        require_int8(x, y)
    paddings = graph.tensor(op.inputs[1])
    if not paddings.is_const:
        raise Unsupported("paddings must be a constant tensor")
    if paddings.dtype != "int32":
        # TFLM reads the paddings as int32 whatever their type, so int64 ones fail its Prepare.
        raise Unsupported(f"paddings of type {paddings.dtype} (TFLM takes int32 only)")
    rank = len(x.shape)
    flat = np.asarray(paddings.data, dtype=np.int64).reshape(-1)
    if flat.size != 2 * rank:
        raise Unsupported(f"{flat.size} padding values for a {rank}-D input")
    pads = flat.reshape(rank, 2)
    if (pads < 0).any():
        raise Unsupported("negative padding")
    expected = tuple(int(d + b + a) for d, b, a in zip(x.shape, pads[:, 0], pads[:, 1]))
    if tuple(y.shape) != expected:
        raise Unsupported(f"output shape {list(y.shape)} should be {list(expected)}")
    # TFLM pads int8 with the output zero point, or PADV2's scalar constant.
    if len(op.inputs) > 2 and op.inputs[2]:
        constant = graph.tensor(op.inputs[2])
        if not constant.is_const or constant.size != 1 or constant.dtype != dtype:
            raise Unsupported(f"the pad value must be a constant {dtype} scalar")
        pad_value = int(np.asarray(constant.data).reshape(-1)[0])
    else:
        if y.quant is None:
            raise Unsupported(f"{dtype} PAD needs a quantized output")
        pad_value = y.zero_point
    front = (0,) * (4 - rank)
    pre = Dims(*(front + tuple(int(b) for b in pads[:, 0])))
    post = Dims(*(front + tuple(int(a) for a in pads[:, 1])))
    call = KernelCall("mcu_pad_s16" if dtype == "int16" else "arm_pad_s8",
                      [TensorArg(x.name), TensorArg(y.name), pad_value, Dims.of(x.shape), pre, post])
    return Lowered([call])




def lower_pad_s16(graph: Graph, op: Operator) -> Lowered:
    return lower_pad(graph, op, "int16")


def float_pad(env: FloatEnv, op: Operator):
    x = env.input(op)
    pads = np.asarray(env.const(op.inputs[1]), np.int64).reshape(-1, 2)
    value = 0.0
    if len(op.inputs) > 2 and op.inputs[2]:
        value = float(np.asarray(env.const(op.inputs[2])).reshape(-1)[0])
    return np.pad(x, [(0, 0)] + [tuple(p) for p in pads], constant_values=np.float32(value))


def is_identity(graph: Graph, op: Operator) -> bool:
    """Padding by zero everywhere."""
    pads = graph.tensors[op.inputs[1]] if len(op.inputs) > 1 and op.inputs[1] else None
    return pads is not None and pads.is_const and not np.any(pads.data)


def torch_pad(env: TorchEnv, op: Operator):
    x = env.nhwc(op)
    pads = np.asarray(env.const(op.inputs[1]), np.int64).reshape(-1, 2)
    value = 0.0
    if len(op.inputs) > 2 and op.inputs[2]:
        value = float(env.nhwc(op, 2).reshape(-1)[0])  # the constant on its int8 grid
    flat = [int(v) for p in pads[:0:-1] for v in p]  # last axis first; never the batch axis
    return env.finish(env.F.pad(x, flat, value=value), op)


PAD = register(OpDef(
    "PAD", "PadFunctions", options=OptionsTable("PadOptions"),
    inputs=(2, 2),
    float_eval=float_pad,
    torch_forward=torch_pad,
    quant=QuantRule(shared_scale="input"),
    lower={"int8": lower_pad, "int16": lower_pad_s16},
    identity=is_identity,
    channelwise=True,  # pads with zero
    checks=(rules.pad_shapes,),
))

# The constant is quantized with the output's parameters, as TFLM requires.
PADV2 = register(OpDef(
    "PADV2", "PadFunctions", options=OptionsTable("PadV2Options"),
    inputs=(2, 3), optional_inputs=(2,),
    float_eval=float_pad,
    torch_forward=torch_pad,
    quant=QuantRule(shared_scale="input", float_constants="output"),
    lower={"int8": lower_pad, "int16": lower_pad_s16},
    identity=is_identity,
    checks=(rules.pad_shapes,),
))
