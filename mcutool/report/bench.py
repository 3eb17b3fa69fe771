"""`mcutool bench`: mcutool's kernels on the anchor layers, instruction for instruction beside
CMSIS-NN and plain C, and flash/RAM of each layer's firmware."""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from mcutool import api
from mcutool.ir import Conv2DAttrs, DepthwiseConv2DAttrs, FullyConnectedAttrs
from mcutool.ir.builder import GraphBuilder
from mcutool.report.anchors import BOARD_CPU, CMSIS_NN, LAYERS, NAIVE_C
from mcutool.report.profile import profile_project


def anchor_layer(name: str, seed: int = 1):
    """The anchor layer as a one-op int8 graph with the anchors' quantization set-up."""
    kind, (h, w, c), k, cout, _ = LAYERS[name]
    rng = np.random.default_rng(seed)
    b = GraphBuilder(name.split()[0])
    x = b.input("x", (1, h, w, c) if kind != "fc" else (1, c), scale=0.05, zero_point=-128)
    attrs: Conv2DAttrs | DepthwiseConv2DAttrs | FullyConnectedAttrs
    out_shape: tuple[int, ...]
    if kind == "conv":
        wt = rng.integers(-127, 128, (cout, k, k, c)).astype(np.int8)
        attrs, out_shape, axis = Conv2DAttrs(), (1, h, w, cout), 0
    elif kind == "depthwise":
        wt = rng.integers(-127, 128, (1, k, k, c)).astype(np.int8)
        attrs, out_shape, axis = DepthwiseConv2DAttrs(), (1, h, w, c), 3
    else:
        wt = rng.integers(-127, 128, (cout, c)).astype(np.int8)
        attrs, out_shape, axis = FullyConnectedAttrs(), (1, cout), 0
    n = out_shape[-1]
    ws = rng.uniform(0.002, 0.004, n).astype(np.float32)
    b.const("w", wt, scale=ws, zero_point=0, axis=axis)
    b.const("b", rng.integers(-10000, 10000, n).astype(np.int32), scale=np.float32(0.05) * ws, zero_point=0, axis=0)
    fan_in = k * k * (c if kind != "depthwise" else 1)
    b.tensor("y", out_shape, scale=0.05 * 0.003 * 40 * np.sqrt(fan_in), zero_point=-128)
    op = {"conv": "CONV_2D", "depthwise": "DEPTHWISE_CONV_2D", "fc": "FULLY_CONNECTED"}[kind]
    b.op(op, [x, "w", "b"], ["y"], attrs)
    b.output("y")
    return b.build()


def bench_layers(board: str = "mps2-an386", layers: list[str] | None = None) -> list[dict]:
    cpu = BOARD_CPU.get(board)
    rows = []
    with tempfile.TemporaryDirectory(prefix="mcutool-bench-") as tmp:
        for name in layers or list(LAYERS):
            graph = anchor_layer(name)
            out = api.generate(api.compile_graph(graph), Path(tmp) / name.split()[0])
            report = profile_project(out, board)
            insns = report["layers"][0]["instructions"]
            rows.append({
                "layer": name, "macs": LAYERS[name][4], "instructions": insns,
                "cmsis_nn": CMSIS_NN[name].get(cpu) if cpu else None,
                "naive_c": NAIVE_C[name].get(cpu) if cpu else None,
                "flash": report["flash_bytes"], "ram": report["ram_bytes"],
                "arena": report["arena_bytes"],
            })
    return rows


def format_bench(board: str, rows: list[dict]) -> str:
    lines = [f"anchor layers on {board} (instructions per layer; lower is better)",
             f"  {'layer':<26} {'MACs':>10} {'mcutool':>11} {'CMSIS-NN':>11} {'plain C':>11} "
             f"{'vs CMSIS':>9} {'MAC/insn':>9} {'flash':>8} {'RAM':>8}"]
    for r in rows:
        vs = f"{r['instructions'] / r['cmsis_nn']:.2f}x" if r["cmsis_nn"] else "-"
        cmsis = f"{r['cmsis_nn']:,}" if r["cmsis_nn"] else "-"
        naive = f"{r['naive_c']:,}" if r["naive_c"] else "-"
        lines.append(f"  {r['layer']:<26} {r['macs']:>10,} {r['instructions']:>11,} {cmsis:>11} {naive:>11} "
                     f"{vs:>9} {r['macs'] / r['instructions']:>9.3f} {r['flash']:>8,} {r['ram']:>8,}")
    return "\n".join(lines)
