"""Golden vectors for runtime_c's C unit tests (runtime_c/Tests/): tiny one-operator int8
models built with the project's writer, run by TFLite-Micro's interpreter, written out as C
headers (inputs, weights, the parameters TFLite-Micro's Prepare computes, expected outputs).

The headers are committed, so ctest needs no Python; rerun after changing a case:
    python -m mcutool.oracle.golden runtime_c/Tests/golden
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mcutool.frontends.tflite import write_tflite
from mcutool.ir import Conv2DAttrs, DepthwiseConv2DAttrs, FullyConnectedAttrs, Pool2DAttrs
from mcutool.ir.builder import GraphBuilder
from mcutool.lower.conv_quant import fused_activation, out_size_and_padding, per_channel_params
from mcutool.oracle.golden_header import golden_header
from mcutool.oracle.golden_s16 import header_text_s16, s16_families
from mcutool.oracle.tflm import run_tflm


@dataclass(frozen=True)
class ConvCase:
    """A CONV_2D (grouped when filter_c < input depth) or DEPTHWISE_CONV_2D (mult >= 1)."""
    name: str
    shape: tuple[int, int, int, int]   # input NHWC
    out_c: int
    kernel: tuple[int, int]
    filter_c: int = 0                  # conv: filter depth (0: the input depth); depthwise: unused
    stride: tuple[int, int] = (1, 1)
    dilation: tuple[int, int] = (1, 1)
    padding: str = "SAME"
    activation: str = "NONE"
    mult: int = 0                      # depthwise depth multiplier; 0 for CONV_2D
    seed: int = 0


@dataclass(frozen=True)
class PoolCase:
    name: str
    op: str                            # MAX_POOL_2D or AVERAGE_POOL_2D
    shape: tuple[int, int, int, int]
    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: str
    activation: str = "NONE"
    seed: int = 0
    filter_zp: int = 0  # a weight zero point: per-tensor weights, which TFLite-Micro accepts


@dataclass(frozen=True)
class FcCase:
    name: str
    batches: int
    depth: int
    units: int
    activation: str = "NONE"
    seed: int = 0
    filter_zp: int = 0  # a weight zero point: per-tensor weights, which TFLite-Micro accepts


CONV_CASES = [
    ConvCase("conv_3x3_stage", (1, 7, 6, 3), 5, (3, 3), activation="RELU", seed=1),
    ConvCase("conv_1x1", (1, 4, 5, 8), 7, (1, 1), padding="VALID", seed=2),
    ConvCase("conv_dilated_batch2", (2, 6, 7, 4), 6, (3, 2), stride=(2, 1), dilation=(2, 1), seed=3),
    ConvCase("conv_grouped_2", (1, 6, 5, 8), 6, (3, 3), filter_c=4, activation="RELU6", seed=4),
    ConvCase("conv_grouped_3_odd", (1, 5, 6, 6), 9, (3, 3), filter_c=2, stride=(1, 2), seed=5),
    ConvCase("conv_grouped_depthwise_like", (2, 5, 5, 4), 8, (2, 2), filter_c=1, padding="VALID", seed=6),
]
DW_CASES = [
    ConvCase("dw_3x3_mult1", (1, 6, 5, 6), 6, (3, 3), mult=1, activation="RELU", seed=11),
    ConvCase("dw_5x5_mult2", (1, 7, 7, 3), 6, (5, 5), stride=(2, 2), mult=2, padding="VALID", seed=12),
    ConvCase("dw_3x3_dilated_batch2", (2, 8, 8, 8), 8, (3, 3), dilation=(2, 2), mult=1, seed=13),
]
POOL_CASES = [
    PoolCase("max_3x3_s2", "MAX_POOL_2D", (1, 7, 7, 5), (3, 3), (2, 2), "SAME", seed=21),
    PoolCase("max_2x2_batch2", "MAX_POOL_2D", (2, 4, 6, 3), (2, 2), (2, 2), "VALID", "RELU", seed=22),
    PoolCase("avg_3x3_s1", "AVERAGE_POOL_2D", (1, 5, 6, 7), (3, 3), (1, 1), "SAME", seed=23),
    PoolCase("avg_2x3_batch2", "AVERAGE_POOL_2D", (2, 6, 6, 4), (2, 3), (2, 3), "VALID", seed=24),
]
FC_CASES = [
    FcCase("fc_10_to_7", 1, 10, 7, "RELU", seed=31),
    FcCase("fc_batch3_33_to_5", 3, 33, 5, seed=32),
    FcCase("fc_weight_zero_point", 2, 19, 6, "RELU", seed=33, filter_zp=-9),
]


def _quant(rng: np.random.Generator) -> tuple[float, int]:
    return float(rng.uniform(0.01, 0.1)), int(rng.integers(-128, 128))


def conv_golden(case: ConvCase) -> dict:
    """The arguments, inputs and TFLite-Micro output of one conv or depthwise case."""
    rng = np.random.default_rng(case.seed)
    n, h, w, in_c = case.shape
    depthwise = case.mult > 0
    out_c = in_c * case.mult if depthwise else case.out_c
    filter_c = case.filter_c or in_c
    w_shape = (1, *case.kernel, out_c) if depthwise else (out_c, *case.kernel, filter_c)
    depth = case.kernel[0] * case.kernel[1] * (1 if depthwise else filter_c)
    in_scale, in_zp = _quant(rng)
    w_scale = rng.uniform(0.002, 0.02, out_c).astype(np.float32)
    weights = rng.integers(-127, 128, w_shape).astype(np.int8)
    bias = rng.integers(-3000, 3000, out_c).astype(np.int32)
    out_scale = in_scale * float(w_scale.mean()) * np.sqrt(depth) * 74 * 73 / 45
    out_zp = int(rng.integers(-100, 100))
    out_h, pad_h = out_size_and_padding(case.padding, h, case.kernel[0], case.stride[0], case.dilation[0])
    out_w, pad_w = out_size_and_padding(case.padding, w, case.kernel[1], case.stride[1], case.dilation[1])
    b = GraphBuilder(case.name)
    b.input("x", case.shape, scale=in_scale, zero_point=in_zp)
    b.const("w", weights, scale=w_scale, zero_point=0, axis=3 if depthwise else 0)
    b.const("b", bias, scale=np.float32(in_scale) * w_scale, zero_point=0, axis=0)
    b.tensor("y", (n, out_h, out_w, out_c), scale=out_scale, zero_point=out_zp)
    if depthwise:
        attrs = DepthwiseConv2DAttrs(*case.stride, *case.dilation, case.padding, case.activation, case.mult)
        b.op("DEPTHWISE_CONV_2D", ["x", "w", "b"], ["y"], attrs)
    else:
        b.op("CONV_2D", ["x", "w", "b"], ["y"],
             Conv2DAttrs(*case.stride, *case.dilation, case.padding, case.activation))
    b.output("y")
    x = rng.integers(-128, 128, case.shape).astype(np.int8)
    (y,) = run_tflm(write_tflite(b.build()), [x])
    q = per_channel_params(in_scale, w_scale, out_scale)
    act = fused_activation(case.activation, out_scale, out_zp)
    return dict(
        input_dims=case.shape, filter_dims=w_shape, output_dims=(n, out_h, out_w, out_c),
        input_offset=-in_zp, output_offset=out_zp, act_min=act.min, act_max=act.max,
        stride=case.stride, padding=(pad_h, pad_w), dilation=case.dilation, ch_mult=case.mult,
        input=x, filter=weights, bias=bias, multiplier=q.multiplier, shift=q.shift, expected=y)


def pool_golden(case: PoolCase) -> dict:
    """The arguments, input and TFLite-Micro output of one pooling case."""
    rng = np.random.default_rng(case.seed)
    n, h, w, c = case.shape
    scale, zp = _quant(rng)
    out_h, pad_h = out_size_and_padding(case.padding, h, case.kernel[0], case.stride[0], 1)
    out_w, pad_w = out_size_and_padding(case.padding, w, case.kernel[1], case.stride[1], 1)
    b = GraphBuilder(case.name)
    b.input("x", case.shape, scale=scale, zero_point=zp)
    b.tensor("y", (n, out_h, out_w, c), scale=scale, zero_point=zp)
    b.op(case.op, ["x"], ["y"], Pool2DAttrs(case.kernel[0], case.kernel[1], case.stride[0], case.stride[1],
                                            case.padding, case.activation))
    b.output("y")
    x = rng.integers(-128, 128, case.shape).astype(np.int8)
    (y,) = run_tflm(write_tflite(b.build()), [x])
    act = fused_activation(case.activation, scale, zp)
    return dict(input_dims=case.shape, filter_dims=(1, *case.kernel, 1), output_dims=(n, out_h, out_w, c),
                act_min=act.min, act_max=act.max, stride=case.stride, padding=(pad_h, pad_w),
                input=x, expected=y)


def fc_golden(case: FcCase) -> dict:
    """The arguments, inputs and TFLite-Micro output of one fully connected case."""
    rng = np.random.default_rng(case.seed)
    in_scale, in_zp = _quant(rng)
    w_scale = rng.uniform(0.002, 0.02, 1 if case.filter_zp else case.units).astype(np.float32)
    weights = rng.integers(-127, 128, (case.units, case.depth)).astype(np.int8)
    axis = None if case.filter_zp else 0
    bias = rng.integers(-3000, 3000, case.units).astype(np.int32)
    out_scale = in_scale * float(w_scale.mean()) * np.sqrt(case.depth) * 74 * 73 / 45
    out_zp = int(rng.integers(-100, 100))
    b = GraphBuilder(case.name)
    b.input("x", (case.batches, case.depth), scale=in_scale, zero_point=in_zp)
    b.const("w", weights, scale=w_scale, zero_point=case.filter_zp, axis=axis)
    b.const("b", bias, scale=np.float32(in_scale) * w_scale, zero_point=0, axis=axis)
    b.tensor("y", (case.batches, case.units), scale=out_scale, zero_point=out_zp)
    b.op("FULLY_CONNECTED", ["x", "w", "b"], ["y"], FullyConnectedAttrs(case.activation))
    b.output("y")
    x = rng.integers(-128, 128, (case.batches, case.depth)).astype(np.int8)
    (y,) = run_tflm(write_tflite(b.build()), [x])
    q = per_channel_params(in_scale, np.broadcast_to(w_scale, (case.units,)), out_scale)
    act = fused_activation(case.activation, out_scale, out_zp)
    # dims as TFLite-Micro's CMSIS-NN glue sets them (see arm_fully_connected_s8.c)
    return dict(input_dims=(case.batches, 1, 1, case.depth), filter_dims=(case.depth, 1, 1, case.units),
                output_dims=(case.batches, 1, 1, case.units), input_offset=-in_zp, output_offset=out_zp,
                filter_offset=-case.filter_zp,
                act_min=act.min, act_max=act.max, input=x, filter=weights, bias=bias,
                multiplier=q.multiplier, shift=q.shift, expected=y)


def _array(ctype: str, name: str, values: np.ndarray) -> str:
    flat = [str(int(v)) for v in np.asarray(values).reshape(-1)]
    rows = [", ".join(flat[i:i + 16]) for i in range(0, len(flat), 16)]
    body = ",\n    ".join(rows)
    return f"static const {ctype} {name}[{len(flat)}] = {{\n    {body}}};\n"


def _dims(d) -> str:
    return "{" + ", ".join(str(int(v)) for v in d) + "}"


def _case_source(name: str, v: dict) -> str:
    """The arrays of one case and its golden_case initializer (see Tests/golden/golden.h)."""
    parts = [_array("int8_t", f"{name}_input", v["input"])]
    for key, ctype in (("filter", "int8_t"), ("bias", "int32_t"), ("multiplier", "int32_t"),
                       ("shift", "int32_t")):
        if key in v:
            parts.append(_array(ctype, f"{name}_{key}", v[key]))
    parts.append(_array("int8_t", f"{name}_expected", v["expected"]))

    def ref(key: str) -> str:
        return f"{name}_{key}" if key in v else "NULL"

    stride, padding, dilation = v.get("stride", (1, 1)), v.get("padding", (0, 0)), v.get("dilation", (1, 1))
    fields = [f".name = \"{name}\"", f".input_dims = {_dims(v['input_dims'])}",
              f".filter_dims = {_dims(v['filter_dims'])}", f".output_dims = {_dims(v['output_dims'])}",
              f".input_offset = {v.get('input_offset', 0)}", f".output_offset = {v.get('output_offset', 0)}",
              f".filter_offset = {v.get('filter_offset', 0)}",
              f".act_min = {v['act_min']}", f".act_max = {v['act_max']}",
              f".stride = {{{stride[1]}, {stride[0]}}}", f".padding = {{{padding[1]}, {padding[0]}}}",
              f".dilation = {{{dilation[1]}, {dilation[0]}}}", f".ch_mult = {v.get('ch_mult', 0)}",
              f".input = {name}_input", f".filter = {ref('filter')}", f".bias = {ref('bias')}",
              f".multiplier = {ref('multiplier')}", f".shift = {ref('shift')}",
              f".expected = {name}_expected", f".expected_size = {np.asarray(v['expected']).size}"]
    parts.append(f"static const golden_case golden_{name} = {{\n    " + ",\n    ".join(fields) + "};\n")
    return "\n".join(parts)


def header_text(family: str, cases: list[tuple[str, dict]]) -> str:
    return golden_header(family, "golden_case", [(name, _case_source(name, v)) for name, v in cases])


def export(out_dir: Path) -> list[Path]:
    """Writes golden_<family>.h for conv, depthwise, pool and fully connected, int8 and (the
    _s16 families) 16x8; returns the paths."""
    families = {
        "conv": [(c.name, conv_golden(c)) for c in CONV_CASES],
        "depthwise": [(c.name, conv_golden(c)) for c in DW_CASES],
        "pool": [(c.name, pool_golden(c)) for c in POOL_CASES],
        "fc": [(c.name, fc_golden(c)) for c in FC_CASES],
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for family, cases in families.items():
        path = out_dir / f"golden_{family}.h"
        path.write_text(header_text(family, cases))
        paths.append(path)
    for family, cases in s16_families().items():   # the 16x8 kernels' own case type
        path = out_dir / f"golden_{family}.h"
        path.write_text(header_text_s16(family, cases))
        paths.append(path)
    return paths


if __name__ == "__main__":
    for p in export(Path(sys.argv[1] if len(sys.argv) > 1 else "runtime_c/Tests/golden")):
        print(p)
