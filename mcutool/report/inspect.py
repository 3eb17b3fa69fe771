"""`mcutool inspect`: what a model contains and what it would cost on a microcontroller."""
from __future__ import annotations

from mcutool.api import float_ops
from mcutool.errors import McutoolError
from mcutool.ir import Graph
from mcutool.ir.analysis import graph_macs, quant_text, shape_text, weight_bytes
from mcutool.ir.codebook import stored_bytes


def _io(graph: Graph, name: str) -> dict:
    t = graph.tensors[name]
    return {"name": name, "shape": list(t.shape), "dtype": t.dtype,
            "scale": t.scale if t.quant is not None else None,
            "zero_point": t.zero_point if t.quant is not None else None}


def inspect_graph(graph: Graph) -> dict:
    macs = graph_macs(graph)
    ops = []
    for i, (op, m) in enumerate(zip(graph.operators, macs)):
        ops.append({
            "index": i, "type": op.type, "name": op.name, "macs": m,
            "inputs": [{"name": n, "shape": list(graph.tensors[n].shape), "dtype": graph.tensors[n].dtype,
                        "const": graph.tensors[n].is_const, "quant": quant_text(graph.tensors[n])}
                       for n in op.inputs if n],
            "outputs": [{"name": n, "shape": list(graph.tensors[n].shape), "dtype": graph.tensors[n].dtype,
                         "quant": quant_text(graph.tensors[n])} for n in op.outputs],
        })
    info = {
        "name": graph.name,
        "ops": ops,
        "macs": int(sum(macs)),
        "weight_bytes": weight_bytes(graph),   # sub-byte (int4) and codebook weights counted packed
        "codebook_layers": len(stored_bytes(graph)),   # weights stored as packed indices and a table
        "weight_dtypes": sorted({t.dtype for t in graph.tensors.values() if t.is_const}),
        "inputs": [_io(graph, n) for n in graph.inputs],
        "outputs": [_io(graph, n) for n in graph.outputs],
        "quantized": not float_ops(graph),
        "arena_bytes": None,
        "unsupported": [],
    }
    if info["quantized"]:
        from mcutool.api import compile_graph
        from mcutool.errors import UnsupportedOpsError
        try:
            info["arena_bytes"] = compile_graph(graph).plan.arena_bytes
        except UnsupportedOpsError as exc:
            info["unsupported"] = [{"index": i, "type": t, "why": why} for i, t, why in exc.problems]
    return info


def format_inspect(info: dict) -> str:
    packed = " (int4 packed two per byte)" if "int4" in info.get("weight_dtypes", []) else ""
    if info.get("codebook_layers"):
        packed += f" ({info['codebook_layers']} layers as codebooks: packed indices and a table)"
    lines = [f"model {info['name']}: {len(info['ops'])} operators, {info['macs']:,} MACs, "
             f"{info['weight_bytes']:,} weight bytes{packed}"]
    for io_kind in ("inputs", "outputs"):
        for io in info[io_kind]:
            q = "" if io["scale"] is None else f" scale {io['scale']:.6g} zp {io['zero_point']}"
            lines.append(f"  {io_kind[:-1]} {io['name']}: {io['dtype']} {shape_text(io['shape'])}{q}")
    lines.append("")
    lines.append(f"  {'#':>3}  {'op':<18} {'output':<16} {'MACs':>12}  name")
    for op in info["ops"]:
        out = op["outputs"][0] if op["outputs"] else {"shape": [], "dtype": ""}
        lines.append(f"  {op['index']:>3}  {op['type']:<18} {shape_text(out['shape']):<16} "
                     f"{op['macs']:>12,}  {op['name'][:40]}")
    lines.append("")
    if info["arena_bytes"] is not None:
        lines.append(f"  planned arena: {info['arena_bytes']:,} bytes")
    elif not info["quantized"]:
        lines.append("  float model: quantize it (mcutool quantize) to plan its arena")
    for u in info["unsupported"]:
        lines.append(f"  unsupported: #{u['index']} {u['type']}: {u['why']}")
    return "\n".join(lines)


__all__ = ["McutoolError", "format_inspect", "inspect_graph"]
