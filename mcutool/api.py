"""The Python API: the same steps as the CLI, for scripts and tests.

    graph = load_model("m.tflite")
    compiled = compile_graph(graph)           # lower + plan
    out = generate(compiled, "out/")          # C sources
    outputs = run(out, samples)               # build and run on the host
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mcutool.codegen import render_sources, write_project
from mcutool.errors import McutoolError
from mcutool.ir import Graph
from mcutool.lower import LoweredGraph, lower_graph
from mcutool.plan import MemoryPlan, plan_memory

HOST = "host"


@dataclass
class Compiled:
    graph: Graph
    lowered: LoweredGraph
    plan: MemoryPlan


def load_model(path: str | Path) -> Graph:
    from mcutool.frontends.tflite import read_tflite
    return read_tflite(Path(path))


def float_ops(graph: Graph) -> list[tuple[int, str]]:
    """Operators that compute in float (QUANTIZE/DEQUANTIZE at the edges are fine)."""
    found = []
    for i, op in enumerate(graph.operators):
        if op.type in ("QUANTIZE", "DEQUANTIZE"):
            continue
        names = [n for n in op.inputs + op.outputs if n]
        if any(graph.tensors[n].dtype == "float32" for n in names):
            found.append((i, op.type))
    return found


def require_int8(graph: Graph, what: str = "the model") -> None:
    floats = float_ops(graph)
    if floats:
        listed = ", ".join(f"#{i} {t}" for i, t in floats[:5]) + (" ..." if len(floats) > 5 else "")
        raise McutoolError(
            f"{what} is a float model ({len(floats)} float operator(s): {listed}); the C runtime "
            "needs int8. Quantize it first with `mcutool quantize MODEL --calib DATA.npz -o OUT.tflite`, "
            "or pass --calib DATA.npz to this command.")


def compile_graph(graph: Graph) -> Compiled:
    require_int8(graph)
    lowered = lower_graph(graph)
    return Compiled(graph, lowered, plan_memory(lowered))


def generate(compiled: Compiled, out_dir: str | Path, prefix: str = "model",
             source_name: str = "model") -> Path:
    try:
        files = render_sources(compiled.lowered, compiled.plan, prefix, source_name)
    except ValueError as exc:  # an invalid prefix
        raise McutoolError(str(exc)) from None
    return write_project(files, Path(out_dir))


def read_metadata(out_dir: str | Path) -> dict:
    path = Path(out_dir) / "mcutool.json"
    if not path.exists():
        raise McutoolError(f"{out_dir} is not a folder made by `mcutool generate` (no mcutool.json)")
    return json.loads(path.read_text())


def build(out_dir: str | Path, board: str = HOST, sanitize: bool = False, trace: bool = False) -> Path:
    meta = read_metadata(out_dir)
    if board != HOST:
        raise McutoolError(f"unknown board {board!r}; available: {HOST}")
    from mcutool.toolchain import build_host
    return build_host(Path(out_dir), meta["prefix"], sanitize=sanitize, trace=trace)


def run(out_dir: str | Path, samples: list[list[np.ndarray]], board: str = HOST,
        sanitize: bool = False, trace: bool = False):
    """Build (cached) and run every sample; returns outputs per sample (and trace records)."""
    meta = read_metadata(out_dir)
    exe = build(out_dir, board, sanitize=sanitize, trace=trace)
    from mcutool.runners import run_host
    specs = [(tuple(o["shape"]), o["dtype"]) for o in meta["outputs"]]
    return run_host(exe, samples, specs, trace=trace)


def reference(compiled: Compiled, samples: list[list[np.ndarray]]) -> list[list[np.ndarray]]:
    from mcutool.reference import run_reference
    return [run_reference(compiled.lowered, s) for s in samples]
