"""RELU, RELU6 and LEAKY_RELU (int8), with TFLite-Micro's Prepare math (activations_common.cc,
leaky_relu_common.cc). What TFLM does, which is not always what one would guess:

- RELU requantizes: out = clamp(out_zp + MBQM(q - in_zp, M, shift), max(-128, out_zp), 127) with
  M from double(in_scale) / double(out_scale). That is mcu_requantize_s8 with a lower clamp; when
  the scales and zero points match it is a plain clamp.
- RELU6 does not requantize at all: it clamps the input codes to [in_zp, six] with
  six = clamp(round(6.0f / in_scale) + in_zp) and ignores the output's scale and zero point.
- LEAKY_RELU uses two multipliers computed in float32 before widening to double:
  identity = in_scale / out_scale and alpha = in_scale * alpha / out_scale.
"""
from __future__ import annotations

import numpy as np

from mcutool.fixedpoint import tflite_round
from mcutool.ir import Graph, Operator
from mcutool.lower.calls import KernelCall, Lowered, TensorArg, Unsupported
from mcutool.lower.quantize import INT8_MAX, INT8_MIN, checked_multiplier, per_tensor_quant, requantize_call, single_io
from mcutool.lower.registry import lowering

IDENTITY_MULTIPLIER = (1 << 30, 1)  # QuantizeMultiplier(1.0): MBQM with it returns x unchanged


def clamp_call(src_name: str, dst_name: str, size: int, low: int, high: int) -> KernelCall:
    return KernelCall("mcu_clamp_s8", [TensorArg(src_name), TensorArg(dst_name), size, low, high])


@lowering("RELU")
def lower_relu(graph: Graph, op: Operator) -> Lowered:
    src, dst = single_io(graph, op)
    in_scale, in_zp = per_tensor_quant(src)
    out_scale, out_zp = per_tensor_quant(dst)
    # quantized_activation_min = max(-128, out_zp + roundf(0.0f / out_scale)), and 0/scale is 0.
    act_min = max(INT8_MIN, out_zp)
    if checked_multiplier(in_scale / out_scale) == IDENTITY_MULTIPLIER and in_zp == out_zp:
        call = clamp_call(src.name, dst.name, src.size, act_min, INT8_MAX)
    else:
        call = requantize_call(src, dst, in_scale, in_zp, out_scale, out_zp, act_min, INT8_MAX)
    return Lowered([call])


@lowering("RELU6")
def lower_relu6(graph: Graph, op: Operator) -> Lowered:
    src, dst = single_io(graph, op)
    in_scale, in_zp = per_tensor_quant(src)
    per_tensor_quant(dst)  # must be int8; TFLM never reads its scale or zero point
    # FloatToQuantizedType<int8_t>(6.0f, scale, zp): float32 division, round, add zp, clamp.
    ratio = np.float32(6.0) / np.float32(in_scale)
    if not abs(float(ratio)) < 2.0 ** 31:
        raise Unsupported(f"input scale {in_scale} is too small: 6/scale overflows int32 in TFLM")
    six = min(INT8_MAX, max(INT8_MIN, int(tflite_round(ratio)) + in_zp))
    return Lowered([clamp_call(src.name, dst.name, src.size, in_zp, six)])


@lowering("LEAKY_RELU")
def lower_leaky_relu(graph: Graph, op: Operator) -> Lowered:
    src, dst = single_io(graph, op)
    in_scale, in_zp = per_tensor_quant(src)
    out_scale, out_zp = per_tensor_quant(dst)
    alpha = np.float32(op.attrs.alpha)  # TfLiteLeakyReluParams.alpha is a float
    if not np.isfinite(alpha):
        raise Unsupported(f"alpha {op.attrs.alpha} is not finite")
    f_in, f_out = np.float32(in_scale), np.float32(out_scale)
    identity_mult, identity_shift = checked_multiplier(float(f_in / f_out))
    alpha_mult, alpha_shift = checked_multiplier(float(f_in * alpha / f_out))
    call = KernelCall(
        "mcu_leaky_relu_s8",
        [TensorArg(src.name), TensorArg(dst.name), src.size, -in_zp, out_zp,
         identity_mult, identity_shift, alpha_mult, alpha_shift])
    return Lowered([call])
