"""SOFTMAX (int8) -> arm_softmax_s8 (CMSIS-NN's name and arguments; bit-exact with TFLM's
reference), with TFLite-Micro's Prepare math (softmax_common.cc). The output must be exactly
(1/256, -128): TFLM refuses anything else.
"""
from __future__ import annotations

import numpy as np

from mcutool.fixedpoint import quantize_multiplier
from mcutool.fixedpoint_math import calculate_input_radius, preprocess_softmax_scaling
from mcutool.ir import Graph, Operator
from mcutool.ir import op_rules as rules
from mcutool.ir.attrs import SoftmaxAttrs
from mcutool.lower.calls import KernelCall, Lowered, TensorArg, Unsupported
from mcutool.lower.checks import per_tensor_quant
from mcutool.lower.lut_s16 import softmax_luts_s16
from mcutool.lower.quantize import single_io
from mcutool.lower.s16 import s16_scale
from mcutool.ops.opdef import Field, OpDef, OptionsTable, QuantRule, register
from mcutool.reference import float_kernels as fk

SOFTMAX_OUTPUT_SCALE = np.float32(1.0 / 256.0)
SOFTMAX_OUTPUT_ZERO_POINT = -128
SCALED_DIFF_INTEGER_BITS = 5   # kScaledDiffIntegerBits: softmax's exp() input is Q5.26

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


def lower_softmax_s16(graph: Graph, op: Operator) -> Lowered:
    """16x8: arm_softmax_s16 with TFLM's two 513-entry tables (softmax_common.cc)."""
    src, dst = single_io(graph, op)
    s16_scale(src, "input")
    in_scale, _ = per_tensor_quant(src, "input", "int16")
    out_scale = s16_scale(dst, "output")
    if abs(out_scale - 1.0 / 32768.0) > 0.001 / 32768.0:
        raise Unsupported(f"int16 SOFTMAX output scale must be 1/32768, got {out_scale:g}; "
                          "TFLite-Micro rejects other values")
    if len(src.shape) < 1 or src.shape != dst.shape:
        raise Unsupported(f"SOFTMAX input shape {list(src.shape)} and output shape "
                          f"{list(dst.shape)} must be equal and of rank >= 1")
    # input_scale * beta in float32, then divided in double by 10 / 65535: [-65535, 0] -> [-10, 0]
    real = float(np.float32(np.float32(in_scale) * np.float32(op.attrs.beta))) / (10.0 / 65535.0)
    mult, shift = quantize_multiplier(real)
    row_size = src.shape[-1]
    num_rows = src.size // row_size if row_size else 0
    return Lowered([KernelCall("arm_softmax_s16", [
        TensorArg(src.name), num_rows, row_size, mult, shift, softmax_luts_s16(), TensorArg(dst.name)])])


SOFTMAX = register(OpDef(
    "SOFTMAX", "SoftmaxFunctions", SoftmaxAttrs,
    OptionsTable("SoftmaxOptions", (Field("beta", "Beta", "float"),)),
    float_eval=lambda env, op: fk.softmax(env.input(op), op.attrs.beta),
    torch_forward=lambda env, op: env.finish(env.torch.softmax(env.nhwc(op) * op.attrs.beta, -1), op),
    quant=QuantRule(fixed_output=(1.0 / 256.0, SOFTMAX_OUTPUT_ZERO_POINT)),
    lower={"int8": lower_softmax, "int16": lower_softmax_s16},
    checks=(rules.same_shape,),
))
