"""What CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED share in their Prepare step: operand
checks, TFLite's padding arithmetic, per-channel multipliers, the fused activation clamp and
the bias operand.

Facts this follows (TFLite-Micro kernels/kernel_util.cc, padding.h):
- per-channel multiplier: QuantizeMultiplier(double(in_scale) * double(w_scale[c]) /
  double(out_scale)), all scales float32 widened to double (PopulateConvolutionQuantizationParams);
  a per-tensor filter scale is broadcast to every channel.
- padding: out = ceil(in / stride) for SAME, (in - eff + stride) / stride for VALID, with
  eff = (k - 1) * dilation + 1; the top/left pad is max(0, (out - 1) * stride + eff - in) // 2.
"""
from __future__ import annotations

import numpy as np

from mcutool.abi.types import Activation, PerChannelQuantParams
from mcutool.fixedpoint import activation_range, quantize_multiplier
from mcutool.ir import Graph, Operator, Tensor
from mcutool.lower.calls import ConstArray, TensorArg, Unsupported
from mcutool.lower.checks import per_tensor_quant


def activation_quant(t: Tensor, role: str) -> tuple[float, int]:
    """(scale, zero point) of an int8 per-tensor activation, or Unsupported naming the reason."""
    return per_tensor_quant(t, role)


def weight_scales(w: Tensor, axis: int, channels: int, dtype: str = "int8") -> np.ndarray:
    """float32 scale per output channel of `dtype` (int8 or int4) symmetric weights
    (per-tensor broadcast)."""
    if w.dtype != dtype:
        raise Unsupported(f"weights {w.name!r} are {w.dtype}; this lowering takes {dtype} weights")
    q = w.quant
    if q is None:
        raise Unsupported(f"weights {w.name!r} have no quantization parameters")
    if np.any(q.zero_point != 0):
        raise Unsupported(f"weights {w.name!r} have a nonzero zero point; weights must be symmetric")
    scales = np.asarray(q.scale, np.float32)
    if scales.size > 1:
        quant_axis = q.axis % len(w.shape) if q.axis is not None else None
        if quant_axis != axis:
            raise Unsupported(f"weights {w.name!r} are quantized along axis {q.axis}; expected {axis}")
        if scales.size != channels:
            raise Unsupported(f"weights {w.name!r} have {scales.size} scales for {channels} channels")
    elif scales.size == 1:
        scales = np.full(channels, scales[0], np.float32)
    else:
        raise Unsupported(f"weights {w.name!r} have no scale")
    if not np.all(np.isfinite(scales)) or np.any(scales < 0):
        raise Unsupported(f"weights {w.name!r} have a negative or non-finite scale")
    return scales


def per_channel_params(in_scale: float, w_scales: np.ndarray, out_scale: float) -> PerChannelQuantParams:
    """Multiplier and shift per channel, exactly as TFLM's PopulateConvolutionQuantizationParams."""
    pairs = [quantize_multiplier(float(np.float64(in_scale) * np.float64(s) / np.float64(out_scale)))
             for s in w_scales]
    mult = np.array([m for m, _ in pairs], np.int32)
    shift = np.array([s for _, s in pairs], np.int32)
    return PerChannelQuantParams(mult, shift)


def fused_activation(activation: str, out_scale: float, out_zp: int) -> Activation:
    lo, hi = activation_range(activation, out_scale, out_zp)
    return Activation(lo, hi)


def bias_operand(graph: Graph, op: Operator, channels: int) -> TensorArg | ConstArray:
    """The bias argument.

    An absent bias becomes a zero int32 array: the C kernels accept NULL as CMSIS-NN does, but
    a constant array keeps the call printable without a special NULL operand.
    """
    name = op.inputs[2] if len(op.inputs) > 2 else ""
    if not name:
        return ConstArray(np.zeros(channels, np.int32), "int32_t")
    b = graph.tensor(name)
    if b.dtype != "int32":
        raise Unsupported(f"bias {name!r} is {b.dtype}; only int32 bias is supported")
    if b.size != channels:
        raise Unsupported(f"bias {name!r} has {b.size} elements for {channels} output channels")
    return TensorArg(name)


def out_size_and_padding(padding: str, in_size: int, k: int, stride: int, dilation: int) -> tuple[int, int]:
    """TFLite's ComputeOutSize and ComputePaddingWithOffset (the top/left pad only)."""
    if stride < 1 or dilation < 1:
        raise Unsupported(f"stride {stride} and dilation {dilation} must be >= 1")
    eff = (k - 1) * dilation + 1
    if padding == "SAME":
        out = (in_size + stride - 1) // stride
    elif padding == "VALID":
        out = (in_size + stride - eff) // stride
    else:
        raise Unsupported(f"padding {padding!r} is not supported (SAME or VALID)")
    total = max(0, (out - 1) * stride + eff - in_size)
    return out, total // 2


def operands(graph: Graph, op: Operator, kind: str) -> tuple[Tensor, Tensor, Tensor]:
    """input, weights, output of a conv-like operator, with the generic checks."""
    names = [n for n in op.inputs[:2]]
    if len(names) < 2 or not all(names) or len(op.outputs) != 1:
        raise Unsupported(f"{kind} needs an input, weights and one output")
    if len(op.inputs) > 3 and any(op.inputs[3:]):
        raise Unsupported(f"{kind} has more than 3 inputs")
    x, w, y = graph.tensor(names[0]), graph.tensor(names[1]), graph.tensor(op.outputs[0])
    if x.dtype == "float32" and w.dtype == "float32":
        raise Unsupported(f"float {kind} is not supported (int8 only)")
    if x.dtype == "float32" and w.dtype in ("int8", "int4"):
        raise Unsupported(f"hybrid {kind} (float input, int8 weights) is not supported")
    return x, w, y
