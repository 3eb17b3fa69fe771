"""SOFTMAX, LOGISTIC, TANH and HARD_SWISH (int8), with TFLite-Micro's Prepare math
(softmax_common.cc, logistic_common.cc, tanh.cc, hard_swish_common.cc).

- SOFTMAX -> arm_softmax_s8 (CMSIS-NN's name and arguments; bit-exact with TFLM's reference).
  The output must be exactly (1/256, -128): TFLM refuses anything else.
- LOGISTIC, TANH, HARD_SWISH -> mcu_lut_s8 with a 256-entry table computed here by the numpy
  twin of TFLM's integer kernel (lower/lut.py). What TFLM checks, and what it ignores:
  - LOGISTIC needs output zero point -128 but never reads the output scale: the result is
    always on scale 1/256, whatever the tensor says.
  - TANH reads neither output scale nor zero point: the result is always (1/128, 0).
  - HARD_SWISH requantizes to the output's scale and zero point, but refuses an output scale
    below input_scale / 128.
"""
from __future__ import annotations

import numpy as np

from mcutool.fixedpoint_math import calculate_input_radius, preprocess_softmax_scaling
from mcutool.ir import Graph, Operator, Tensor
from mcutool.lower import lut
from mcutool.lower.calls import ConstArray, KernelCall, Lowered, TensorArg, Unsupported
from mcutool.lower.quantize import per_tensor_quant, single_io
from mcutool.lower.registry import lowering

SOFTMAX_OUTPUT_SCALE = np.float32(1.0 / 256.0)
SOFTMAX_OUTPUT_ZERO_POINT = -128
SCALED_DIFF_INTEGER_BITS = 5   # kScaledDiffIntegerBits: softmax's exp() input is Q5.26


@lowering("SOFTMAX")
def lower_softmax(graph: Graph, op: Operator) -> Lowered:
    src, dst = single_io(graph, op)
    in_scale, _ = per_tensor_quant(src)
    out_scale, out_zp = per_tensor_quant(dst)
    if out_zp != SOFTMAX_OUTPUT_ZERO_POINT or np.float32(out_scale) != SOFTMAX_OUTPUT_SCALE:
        raise Unsupported(f"int8 SOFTMAX output must be quantized (1/256, -128), got "
                          f"({out_scale:g}, {out_zp}); TFLite-Micro rejects other values")
    if len(src.shape) < 1 or src.shape != dst.shape:
        raise Unsupported(f"SOFTMAX input shape {list(src.shape)} and output shape "
                          f"{list(dst.shape)} must be equal and of rank >= 1")
    # beta is a float32 in the model file; TFLM widens it and the scale to double.
    beta = float(np.float32(op.attrs.beta))
    real, mult, shift = preprocess_softmax_scaling(beta, in_scale, SCALED_DIFF_INTEGER_BITS)
    if not real > 1.0 or shift < 0:
        # QuantizeMultiplierGreaterThanOne's TFLITE_CHECK would stop TFLM here.
        raise Unsupported(f"beta * input_scale = {beta * in_scale:g} is too small "
                          "(TFLite-Micro needs it above 2^-26)")
    diff_min = -calculate_input_radius(SCALED_DIFF_INTEGER_BITS, shift, 31)
    row_size = src.shape[-1]
    num_rows = src.size // row_size if row_size else 0
    call = KernelCall("arm_softmax_s8",
                      [TensorArg(src.name), num_rows, row_size, mult, shift, diff_min,
                       TensorArg(dst.name)])
    return Lowered([call])


def lut_call(src: Tensor, dst: Tensor, table: np.ndarray) -> KernelCall:
    return KernelCall("mcu_lut_s8",
                      [TensorArg(src.name), src.size, ConstArray(lut.table(table), "int8_t"),
                       TensorArg(dst.name)])


@lowering("LOGISTIC")
def lower_logistic(graph: Graph, op: Operator) -> Lowered:
    src, dst = single_io(graph, op)
    in_scale, in_zp = per_tensor_quant(src)
    _, out_zp = per_tensor_quant(dst)
    if out_zp != -128:
        raise Unsupported(f"int8 LOGISTIC output zero point must be -128, got {out_zp}; "
                          "TFLite-Micro rejects other values")
    params = lut.sigmoid_params(in_scale, in_zp)
    return Lowered([lut_call(src, dst, lut.logistic_int8(lut.ALL_INT8, params))])


@lowering("TANH")
def lower_tanh(graph: Graph, op: Operator) -> Lowered:
    src, dst = single_io(graph, op)
    in_scale, in_zp = per_tensor_quant(src)
    params = lut.sigmoid_params(in_scale, in_zp)
    return Lowered([lut_call(src, dst, lut.tanh_int8(lut.ALL_INT8, params))])


@lowering("HARD_SWISH")
def lower_hard_swish(graph: Graph, op: Operator) -> Lowered:
    src, dst = single_io(graph, op)
    in_scale, in_zp = per_tensor_quant(src)
    out_scale, out_zp = per_tensor_quant(dst)
    params = lut.hard_swish_params(in_scale, in_zp, out_scale, out_zp)
    return Lowered([lut_call(src, dst, lut.hard_swish_int8(lut.ALL_INT8, params))])
