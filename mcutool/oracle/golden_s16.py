"""Golden vectors for runtime_c's 16x8 kernels (int16 activations, int8 weights, int64 bias),
as mcutool.oracle.golden does for int8: one-operator models run by TFLite-Micro, written as C
headers for runtime_c/Tests/test_s16.c.

The cases reach the edges of the kernels' inner loops that the model tests do not: filter
depths that are not a multiple of 4, channel counts with a remainder past the blocks of four,
sums of more than 511 products at the int16 and int8 extremes (an int32 sum would overflow),
and scales so small that TFLite's int64 requantization has no exact 32-bit form.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mcutool.fixedpoint import quantize_multiplier
from mcutool.frontends.tflite import write_tflite
from mcutool.ir import Conv2DAttrs, DepthwiseConv2DAttrs, FullyConnectedAttrs
from mcutool.ir.builder import GraphBuilder
from mcutool.lower.conv_quant import out_size_and_padding, per_channel_params
from mcutool.lower.s16 import s16_activation
from mcutool.oracle.golden_header import golden_header
from mcutool.oracle.tflm import run_tflm


@dataclass(frozen=True)
class S16Case:
    """CONV_2D (mult 0; grouped when filter_c < input depth), DEPTHWISE_CONV_2D (mult >= 1) or,
    with kernel (0, 0), FULLY_CONNECTED on shape (batches, depth) with out_c units."""
    name: str
    shape: tuple[int, ...]
    out_c: int
    kernel: tuple[int, int] = (0, 0)
    filter_c: int = 0
    stride: tuple[int, int] = (1, 1)
    dilation: tuple[int, int] = (1, 1)
    padding: str = "SAME"
    activation: str = "NONE"
    mult: int = 0
    per_channel: bool = True     # fully connected: per-channel weights, else one scale
    extreme: bool = False        # inputs at -32768 / 32767 and weights at +-127: the largest sums
    tiny_scale: bool = False     # output scale so large that 15 - shift > 32
    seed: int = 0


CONV_S16_CASES = [
    S16Case("conv_s16_3x3_depth3", (1, 5, 6, 3), 5, (3, 3), activation="RELU", seed=41),
    S16Case("conv_s16_grouped", (1, 5, 5, 8), 6, (3, 3), filter_c=4, stride=(2, 1), seed=42),
    S16Case("conv_s16_648_taps", (1, 3, 3, 72), 3, (3, 3), extreme=True, seed=43),
    S16Case("conv_s16_1x1_batch2", (2, 3, 5, 8), 5, (1, 1), padding="VALID", seed=44),
    S16Case("conv_s16_tiny_scale", (1, 4, 4, 4), 4, (3, 3), extreme=True, tiny_scale=True, seed=45),
]
DW_S16_CASES = [
    S16Case("dw_s16_3x3_c6", (1, 6, 5, 6), 6, (3, 3), mult=1, activation="RELU6", seed=51),
    S16Case("dw_s16_5x5_mult2", (1, 7, 7, 3), 6, (5, 5), stride=(2, 2), mult=2, padding="VALID", seed=52),
    S16Case("dw_s16_dilated_batch2", (2, 8, 8, 8), 8, (3, 3), dilation=(2, 2), mult=1, seed=53),
    S16Case("dw_s16_506_taps", (1, 22, 23, 4), 4, (22, 23), mult=1, padding="VALID", extreme=True, seed=54),
    S16Case("dw_s16_529_taps", (1, 23, 23, 5), 5, (23, 23), mult=1, padding="VALID", extreme=True, seed=55),
    S16Case("dw_s16_tiny_scale", (1, 5, 5, 8), 8, (3, 3), mult=1, extreme=True, tiny_scale=True, seed=56),
]
FC_S16_CASES = [
    S16Case("fc_s16_batch3_33_to_5", (3, 33), 5, per_channel=False, activation="RELU", seed=61),
    S16Case("fc_s16_per_channel_600", (2, 600), 3, extreme=True, seed=62),
    S16Case("fc_s16_per_channel_tiny_scale", (1, 40), 7, extreme=True, tiny_scale=True, seed=63),
]


def _extreme_operands(rng: np.random.Generator, x_shape, w: np.ndarray, axis: int) -> np.ndarray:
    """Inputs at the int16 extremes; the first channel's weights all -127 and the second's all
    127, so that their sums are as large as the kernel allows, both signs."""
    x = np.where(rng.random(x_shape) < 0.9, -32768, 32767).astype(np.int16)
    for ch, value in ((0, -127), (1, 127)):
        np.moveaxis(w, axis, 0)[ch] = value
    return x


def s16_golden(case: S16Case) -> dict:
    """The arguments, inputs and TFLite-Micro output of one 16x8 case."""
    rng = np.random.default_rng(case.seed)
    fc = case.kernel == (0, 0)
    w_shape: tuple[int, ...]
    y_shape: tuple[int, ...]
    dims: dict[str, tuple[int, ...]]
    depthwise = case.mult > 0
    if fc:
        batches, depth = case.shape
        out_c, w_shape, axis, taps = case.out_c, (case.out_c, depth), 0, depth
    else:
        n, h, wd, in_c = case.shape
        out_c = in_c * case.mult if depthwise else case.out_c
        filter_c = case.filter_c or in_c
        w_shape = (1, *case.kernel, out_c) if depthwise else (out_c, *case.kernel, filter_c)
        axis = 3 if depthwise else 0
        taps = case.kernel[0] * case.kernel[1] * (1 if depthwise else filter_c)
    in_scale = float(rng.uniform(1e-4, 1e-3))
    w_scale = rng.uniform(0.002, 0.02, out_c if (case.per_channel or not fc) else 1).astype(np.float32)
    weights = rng.integers(-127, 128, w_shape).astype(np.int8)
    x_shape = case.shape
    x = (_extreme_operands(rng, x_shape, weights, axis) if case.extreme
         else rng.integers(-32768, 32768, x_shape).astype(np.int16))
    bias = rng.integers(-(1 << 20), 1 << 20, out_c).astype(np.int64)
    # the extreme sums' outputs near, not past, the int16 range
    reach = 32768 * 127 * taps / 18000 if case.extreme else 32768 * 127 * np.sqrt(taps) / 30000
    out_scale = in_scale * float(w_scale.mean()) * reach
    if case.tiny_scale:
        out_scale *= 2 ** 10
    b = GraphBuilder(case.name)
    b.input("x", x_shape, dtype="int16", scale=in_scale, zero_point=0)
    b.const("w", weights, scale=w_scale, zero_point=0, axis=axis if w_scale.size > 1 else None)
    b.const("b", bias, scale=np.float32(in_scale) * w_scale, zero_point=0,
            axis=0 if w_scale.size > 1 else None)
    if fc:
        y_shape = (batches, out_c)
        b.tensor("y", y_shape, dtype="int16", scale=out_scale, zero_point=0)
        b.op("FULLY_CONNECTED", ["x", "w", "b"], ["y"], FullyConnectedAttrs(case.activation))
        dims = dict(input_dims=(batches, 1, 1, depth), filter_dims=(depth, 1, 1, out_c),
                    output_dims=(batches, 1, 1, out_c))
        stride, padding, dilation = (1, 1), (0, 0), (1, 1)
    else:
        out_h, pad_h = out_size_and_padding(case.padding, h, case.kernel[0], case.stride[0], case.dilation[0])
        out_w, pad_w = out_size_and_padding(case.padding, wd, case.kernel[1], case.stride[1], case.dilation[1])
        y_shape = (n, out_h, out_w, out_c)
        b.tensor("y", y_shape, dtype="int16", scale=out_scale, zero_point=0)
        if depthwise:
            attrs = DepthwiseConv2DAttrs(*case.stride, *case.dilation, case.padding, case.activation, case.mult)
            b.op("DEPTHWISE_CONV_2D", ["x", "w", "b"], ["y"], attrs)
        else:
            b.op("CONV_2D", ["x", "w", "b"], ["y"],
                 Conv2DAttrs(*case.stride, *case.dilation, case.padding, case.activation))
        dims = dict(input_dims=case.shape, filter_dims=w_shape, output_dims=y_shape)
        stride, padding, dilation = case.stride, (pad_h, pad_w), case.dilation
    b.output("y")
    (y,) = run_tflm(write_tflite(b.build()), [x])
    if w_scale.size > 1:
        q = per_channel_params(in_scale, w_scale, out_scale)
        multiplier, shift = q.multiplier, q.shift
    else:
        m, s = quantize_multiplier(float(np.float64(in_scale) * np.float64(w_scale[0]) / np.float64(out_scale)))
        multiplier, shift = np.array([m], np.int32), np.array([s], np.int32)
    act = s16_activation(case.activation, out_scale)
    return dict(**dims, act_min=act.min, act_max=act.max, stride=stride, padding=padding,
                dilation=dilation, ch_mult=case.mult, input=x, filter=weights, bias=bias,
                multiplier=multiplier, shift=shift, expected=y)


def _array(ctype: str, name: str, values: np.ndarray) -> str:
    suffix = "LL" if ctype == "int64_t" else ""
    flat = [f"{int(v)}{suffix}" for v in np.asarray(values).reshape(-1)]
    rows = [", ".join(flat[i:i + 16]) for i in range(0, len(flat), 16)]
    body = ",\n    ".join(rows)
    return f"static const {ctype} {name}[{len(flat)}] = {{\n    {body}}};\n"


def _dims(d) -> str:
    return "{" + ", ".join(str(int(v)) for v in d) + "}"


def _case_source(name: str, v: dict) -> str:
    """The arrays of one case and its golden_s16_case initializer (Tests/golden/golden.h)."""
    parts = [_array("int16_t", f"{name}_input", v["input"]), _array("int8_t", f"{name}_filter", v["filter"]),
             _array("int64_t", f"{name}_bias", v["bias"]), _array("int32_t", f"{name}_multiplier", v["multiplier"]),
             _array("int32_t", f"{name}_shift", v["shift"]), _array("int16_t", f"{name}_expected", v["expected"])]
    stride, padding, dilation = v["stride"], v["padding"], v["dilation"]
    fields = [f".name = \"{name}\"", f".input_dims = {_dims(v['input_dims'])}",
              f".filter_dims = {_dims(v['filter_dims'])}", f".output_dims = {_dims(v['output_dims'])}",
              f".act_min = {v['act_min']}", f".act_max = {v['act_max']}",
              f".stride = {{{stride[1]}, {stride[0]}}}", f".padding = {{{padding[1]}, {padding[0]}}}",
              f".dilation = {{{dilation[1]}, {dilation[0]}}}", f".ch_mult = {v['ch_mult']}",
              f".per_tensor = {int(np.asarray(v['multiplier']).size == 1 and v['ch_mult'] == 0)}",
              f".input = {name}_input", f".filter = {name}_filter", f".bias = {name}_bias",
              f".multiplier = {name}_multiplier", f".shift = {name}_shift",
              f".expected = {name}_expected", f".expected_size = {np.asarray(v['expected']).size}"]
    parts.append(f"static const golden_s16_case golden_{name} = {{\n    " + ",\n    ".join(fields) + "};\n")
    return "\n".join(parts)


def header_text_s16(family: str, cases: list[tuple[str, dict]]) -> str:
    return golden_header(family, "golden_s16_case", [(name, _case_source(name, v)) for name, v in cases])


def s16_families() -> dict[str, list[tuple[str, dict]]]:
    return {"conv_s16": [(c.name, s16_golden(c)) for c in CONV_S16_CASES],
            "depthwise_s16": [(c.name, s16_golden(c)) for c in DW_S16_CASES],
            "fc_s16": [(c.name, s16_golden(c)) for c in FC_S16_CASES]}
