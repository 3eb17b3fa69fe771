"""Lowering of the data-movement ops: RESHAPE and SQUEEZE (aliases), PAD, CONCATENATION.

TFLite-Micro semantics mirrored here:
- RESHAPE/SQUEEZE copy bytes unchanged, so the output simply aliases the input's memory.
- PAD fills with the output zero point (or PADV2's constant), paddings from a constant tensor.
- CONCATENATION copies the raw int8 bytes of each input. TFLM never requantizes: its Prepare
  refuses int8 inputs whose scale or zero point differ from the output's, a fused activation,
  and more than 10 inputs, so we refuse the same.
"""
from __future__ import annotations

import numpy as np

from mcutool.abi.types import Dims
from mcutool.ir import Graph, Operator
from mcutool.lower.calls import KernelCall, Lowered, TensorArg, Unsupported
from mcutool.lower.checks import require_int8
from mcutool.lower.registry import lowering

UINT16_MAX = 0xFFFF
CONCAT_MAX_INPUTS = 10  # TFLM's kMaxInputNum


@lowering("RESHAPE", "SQUEEZE")
def lower_alias(graph: Graph, op: Operator) -> Lowered:
    x = graph.tensor(op.inputs[0])
    y = graph.tensor(op.outputs[0])
    if x.dtype != y.dtype or x.size != y.size:
        raise Unsupported(f"{x.dtype}{list(x.shape)} -> {y.dtype}{list(y.shape)} is not a reshape")
    return Lowered(alias=(y.name, x.name))


def _four_d(shape) -> tuple[int, ...]:
    """Shape padded at the front to 4-D (the layout every kernel here takes)."""
    if len(shape) > 4:
        raise Unsupported(f"{len(shape)}-D tensor")
    return (1,) * (4 - len(shape)) + tuple(shape)


@lowering("PAD", "PADV2")
def lower_pad(graph: Graph, op: Operator) -> Lowered:
    x = graph.tensor(op.inputs[0])
    y = graph.tensor(op.outputs[0])
    require_int8(x, y)
    paddings = graph.tensor(op.inputs[1])
    if not paddings.is_const:
        raise Unsupported("paddings must be a constant tensor")
    if paddings.dtype != "int32":
        # TFLM reads the paddings as int32 whatever their type, so int64 ones fail its Prepare.
        raise Unsupported(f"paddings of type {paddings.dtype} (TFLM takes int32 only)")
    rank = len(x.shape)
    pads = np.asarray(paddings.data, dtype=np.int64).reshape(-1)
    if pads.size != 2 * rank:
        raise Unsupported(f"{pads.size} padding values for a {rank}-D input")
    pads = pads.reshape(rank, 2)
    if (pads < 0).any():
        raise Unsupported("negative padding")
    expected = tuple(int(d + b + a) for d, (b, a) in zip(x.shape, pads))
    if tuple(y.shape) != expected:
        raise Unsupported(f"output shape {list(y.shape)} should be {list(expected)}")
    # TFLM pads int8 with the output zero point, or PADV2's scalar constant.
    if len(op.inputs) > 2 and op.inputs[2]:
        constant = graph.tensor(op.inputs[2])
        if not constant.is_const or constant.size != 1 or constant.dtype != "int8":
            raise Unsupported("the pad value must be a constant int8 scalar")
        pad_value = int(np.asarray(constant.data).reshape(-1)[0])
    else:
        if y.quant is None:
            raise Unsupported("int8 PAD needs a quantized output")
        pad_value = y.zero_point
    front = (0,) * (4 - rank)
    pre = Dims(*(front + tuple(int(b) for b in pads[:, 0])))
    post = Dims(*(front + tuple(int(a) for a in pads[:, 1])))
    call = KernelCall("arm_pad_s8",
                      [TensorArg(x.name), TensorArg(y.name), pad_value, Dims.of(x.shape), pre, post])
    return Lowered([call])


# CMSIS-NN's concatenation kernel per axis of a 4-D tensor (x is the innermost axis).
CONCAT_KERNELS = {3: "arm_concatenation_s8_x", 2: "arm_concatenation_s8_y",
                  1: "arm_concatenation_s8_z", 0: "arm_concatenation_s8_w"}


@lowering("CONCATENATION")
def lower_concatenation(graph: Graph, op: Operator) -> Lowered:
    y = graph.tensor(op.outputs[0])
    inputs = [graph.tensor(name) for name in op.inputs]
    require_int8(y, *inputs)
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
    out4 = _four_d(y.shape)
    axis4 = axis + 4 - rank
    total = 0
    for t in inputs:
        if len(t.shape) != rank or any(d != o for i, (d, o) in enumerate(zip(t.shape, y.shape)) if i != axis):
            raise Unsupported(f"input {t.name}{list(t.shape)} does not fit output {list(y.shape)} on axis {axis}")
        total += t.shape[axis]
    if total != y.shape[axis]:
        raise Unsupported(f"inputs add up to {total} on axis {axis}, the output has {y.shape[axis]}")
    if max(out4) > UINT16_MAX:
        raise Unsupported("a dimension is larger than CMSIS-NN's uint16 concatenation arguments")

    kernel = CONCAT_KERNELS[axis4]
    calls: list[KernelCall] = []
    offset = 0
    for t in inputs:
        w, z, yy, x = _four_d(t.shape)
        args: list = [TensorArg(t.name), x, yy, z, w, TensorArg(y.name)]
        if axis4 != 0:
            args.append(out4[axis4])  # the output's length on the concatenated axis
        args.append(offset)
        calls.append(KernelCall(kernel, args))
        offset += t.shape[axis]
    return Lowered(calls)
