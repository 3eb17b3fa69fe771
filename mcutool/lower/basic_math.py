"""BasicMathFunctions: what ADD, SUB and MUL (mcutool/ops/) share on int8 tensors, with
TFLite-Micro's Prepare math (add_common.cc, sub_common.cc, mul_common.cc) and TFLite's broadcasting of shapes up to 4-D.

ADD/SUB rescale both inputs to a common scale (twice the larger input scale) after a left shift
of 20 bits, add or subtract, and requantize the sum:
    real_in_i = in_scale_i / (2 * max_in_scale)           (each < 1, QuantizeMultiplierSmallerThanOneExp)
    real_out  = 2 * max_in_scale / (2^20 * out_scale)
both in double arithmetic on the float32 scales. (TFLM's newest sub_common.cc computes SUB's in
float32, which changes a multiplier's last bit for some scales; the tflite_micro interpreter we
test against still uses double for both, checked on outputs where the two disagree.)
MUL: real = double(in1_scale) * double(in2_scale) / double(out_scale), QuantizeMultiplier.

Same-shape operands use CMSIS-NN's arm_elementwise_add_s8 / arm_elementwise_mul_s8 (and
mcu_elementwise_sub_s8, the same loop with a minus); broadcasting uses mcu_broadcast_<op>_s8,
which take each tensor's NHWC dims (a broadcast input has 1 in that dim). ADD and SUB differ
only in the kernel name, so their lowering is here, shared.
"""
from __future__ import annotations

from mcutool.abi.types import Dims
from mcutool.fixedpoint import activation_range, quantize_multiplier
from mcutool.ir import Graph, Operator, Tensor
from mcutool.lower.calls import KernelCall, Lowered, TensorArg, Unsupported
from mcutool.lower.checks import per_tensor_quant
from mcutool.lower.s16 import INT16_MAX, INT16_MIN, s16_scale

ADD_SUB_LEFT_SHIFT = 20  # int8
ADD_SUB_LEFT_SHIFT_S16 = 15  # TFLM's general int16 path (add_common.cc, sub_common.cc)


def binary_operands(graph: Graph, op: Operator) -> tuple[Tensor, Tensor, Tensor]:
    if len(op.inputs) != 2 or not all(op.inputs) or len(op.outputs) != 1:
        raise Unsupported(f"{op.type} needs exactly two inputs and one output")
    a, b = graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1])
    return a, b, graph.tensor(op.outputs[0])


def broadcast_dims(a: Tensor, b: Tensor, out: Tensor) -> tuple[Dims, Dims, Dims] | None:
    """NHWC dims of both inputs and the output, or None when no broadcasting is needed.

    Shapes are aligned at the right (TFLite/numpy rules); each dim pair must be equal or 1.
    """
    for t in (a, b, out):
        if len(t.shape) > 4:
            raise Unsupported(f"tensor {t.name!r} has {len(t.shape)} dims; broadcasting handles at most 4")
    da, db, do = Dims.of(a.shape), Dims.of(b.shape), Dims.of(out.shape)
    for x, y, z in zip((da.n, da.h, da.w, da.c), (db.n, db.h, db.w, db.c), (do.n, do.h, do.w, do.c)):
        if not (x == y or x == 1 or y == 1) or max(x, y) != z:
            raise Unsupported(f"shapes {list(a.shape)} and {list(b.shape)} do not broadcast to "
                              f"the output shape {list(out.shape)}")
    return None if da == db else (da, db, do)


def _smaller_than_one(real: float, what: str) -> tuple[int, int]:
    """QuantizeMultiplierSmallerThanOneExp: TFLM aborts when real is not in (0, 1)."""
    if not 0.0 < real < 1.0:
        raise Unsupported(f"{what} multiplier {real:g} is not in (0, 1): the output scale is too "
                          f"small for the input scales")
    multiplier, shift = quantize_multiplier(real)
    if shift > 0:
        raise Unsupported(f"{what} multiplier {real:g} rounds up to 1")
    return multiplier, shift


def _add_sub_multipliers(s1: float, s2: float, so: float, left_shift: int = ADD_SUB_LEFT_SHIFT) -> list[int]:
    twice_max = 2.0 * max(s1, s2)  # double arithmetic on the float32 scales
    reals = (s1 / twice_max, s2 / twice_max, twice_max / ((1 << left_shift) * so))
    params: list[int] = []
    for real, what in zip(reals, ("input 1", "input 2", "output")):
        params.extend(_smaller_than_one(real, what))
    return params


def fused_activation_range(op: Operator, scale: float, zero_point: int,
                           qmin: int = -128, qmax: int = 127) -> tuple[int, int]:
    try:
        return activation_range(op.attrs.activation, scale, zero_point, qmin, qmax)
    except ValueError as exc:
        raise Unsupported(f"fused activation {op.attrs.activation!r} is not supported") from exc


def lower_add_sub(graph: Graph, op: Operator, same_shape_kernel: str, broadcast_kernel: str,
                  dtype: str = "int8") -> Lowered:
    """ADD or SUB: the two ops take the same parameters; only their kernels differ. dtype
    "int16": the 16x8 kernels (zero points 0, left shift 15, int16 clamp)."""
    a, b, out = binary_operands(graph, op)
    if dtype == "int16":
        (s1, z1), (s2, z2), (so, zo) = ((s16_scale(t, role), 0) for t, role in
                                        ((a, "input 1"), (b, "input 2"), (out, "output")))
        left_shift, (qmin, qmax) = ADD_SUB_LEFT_SHIFT_S16, (INT16_MIN, INT16_MAX)
    else:
        (s1, z1), (s2, z2), (so, zo) = per_tensor_quant(a), per_tensor_quant(b), per_tensor_quant(out)
        left_shift, (qmin, qmax) = ADD_SUB_LEFT_SHIFT, (-128, 127)
    m1, sh1, m2, sh2, mo, sho = _add_sub_multipliers(s1, s2, so, left_shift)
    act_min, act_max = fused_activation_range(op, so, zo, qmin, qmax)
    dims = broadcast_dims(a, b, out)
    in1, in2, dst = TensorArg(a.name), TensorArg(b.name), TensorArg(out.name)
    in1_params = [-z1, m1, sh1]
    in2_params = [-z2, m2, sh2]
    out_params = [zo, mo, sho, act_min, act_max]
    if dims is None:
        kernel = same_shape_kernel
        args = [in1, in2, *in1_params, *in2_params, left_shift, dst, *out_params, out.size]
    else:
        kernel = broadcast_kernel
        da, db, do = dims
        args = [da, in1, db, in2, *in1_params, *in2_params, left_shift, do, dst, *out_params]
    call = KernelCall(kernel, args)
    return Lowered([call])
