"""How much quantization costs, layer by layer: SQNR of every quantized output (int8, int16 or
both) against the float model on the same samples, and top-1 accuracy of both when labels are
given. The keys keep the name "int8_*" for every integer model (the JSON stays stable); the text
names the activation types the model really has.

The integer side runs through mcutool's reference executor, which is bit-exact with the generated
C and TFLite-Micro, so the numbers describe the model that will ship. Sums are accumulated per
batch: memory does not grow with the number of samples.
"""
from __future__ import annotations

import math

import numpy as np

from mcutool.data import to_model_input
from mcutool.ir import Graph
from mcutool.lower import lower_graph
from mcutool.progress import progress_bar
from mcutool.quantize.calibrate import DEFAULT_BATCH
from mcutool.reference import run_reference
from mcutool.reference.float_exec import run_float

MAX_SQNR_DB = 99.0  # reported for a tensor the integer model reproduces exactly


def sqnr_db(signal: float, noise: float) -> float:
    if noise <= 0.0:
        return MAX_SQNR_DB
    if signal <= 0.0:
        return -MAX_SQNR_DB
    return min(MAX_SQNR_DB, 10.0 * math.log10(signal / noise))


def dequantize(q: np.ndarray, t) -> np.ndarray:
    return (q.astype(np.float64) - t.zero_point) * t.scale


def quantization_report(float_graph: Graph, int8_graph: Graph, x: np.ndarray, y: np.ndarray | None = None,
                        batch_size: int = DEFAULT_BATCH, progress: bool = False) -> dict:
    lowered = lower_graph(int8_graph)
    compared = [(i, op) for i, op in enumerate(int8_graph.operators)
                if op.outputs[0] in float_graph.tensors and not float_graph.tensors[op.outputs[0]].is_const]
    signal = {op.outputs[0]: 0.0 for _, op in compared}
    noise = dict(signal)
    float_hits = int8_hits = 0
    out_name = int8_graph.outputs[0]
    steps = (len(x) + batch_size - 1) // batch_size
    with progress_bar(steps, "measuring SQNR", progress) as bar:
        for start in range(0, len(x), batch_size):
            chunk = x[start:start + batch_size]
            values: dict[str, np.ndarray] = {}
            wanted = set(signal) | {out_name}

            def keep(name: str, v: np.ndarray, values=values, wanted=wanted) -> None:
                if name in wanted:
                    values[name] = v

            run_float(float_graph, [chunk], visit=keep)
            q_in = to_model_input(int8_graph, chunk)
            for k in range(len(chunk)):
                q_all = run_reference(lowered, [q_in[k]], keep_all=True)
                for name in signal:
                    f = values[name][k].astype(np.float64)
                    d = dequantize(q_all[name], int8_graph.tensors[name]).reshape(f.shape)
                    signal[name] += float(np.sum(f * f))
                    noise[name] += float(np.sum((f - d) ** 2))
                if y is not None:
                    label = int(np.asarray(y[start + k]).reshape(-1)[0])
                    float_hits += int(np.argmax(values[out_name][k]) == label)
                    int8_hits += int(np.argmax(q_all[out_name]) == label)
            bar.update(1)
    layers = [{"index": i, "op": op.type, "tensor": op.outputs[0],
               "sqnr_db": sqnr_db(signal[op.outputs[0]], noise[op.outputs[0]])} for i, op in compared]
    finite = [sqnr_db(signal[op.outputs[0]], noise[op.outputs[0]]) for _, op in compared]
    report = {
        "samples": len(x),
        "layers": layers,
        "mean_sqnr_db": float(np.mean(finite)) if finite else None,
        "output_sqnr_db": next((r["sqnr_db"] for r in layers if r["tensor"] == out_name), None),
        "float_accuracy": float_hits / len(x) if y is not None and len(x) else None,
        "int8_accuracy": int8_hits / len(x) if y is not None and len(x) else None,
        "activations": activation_kinds(int8_graph),
    }
    return report


def activation_kinds(graph: Graph) -> str:
    """The integer types of the operators' outputs: "int8", "int16" or "int8+int16"."""
    kinds = sorted({graph.tensors[n].dtype for op in graph.operators for n in op.outputs
                    if graph.tensors[n].dtype in ("int8", "int16")})
    return "+".join(kinds) or "int8"


def format_report(report: dict) -> str:
    kind = report.get("activations", "int8")
    lines = [f"quantization error on {report['samples']} samples (SQNR of each {kind} output vs float):"]
    for r in report["layers"]:
        lines.append(f"  #{r['index']:<3} {r['op']:<18} {r['tensor'][:40]:<40} {r['sqnr_db']:6.1f} dB")
    if report["mean_sqnr_db"] is not None:
        lines.append(f"  mean SQNR {report['mean_sqnr_db']:.1f} dB, output SQNR {report['output_sqnr_db']:.1f} dB")
    if report.get("float_accuracy") is not None:
        lines.append(f"  top-1 accuracy: float {report['float_accuracy']:.4f}, {kind} {report['int8_accuracy']:.4f}")
    return "\n".join(lines)
