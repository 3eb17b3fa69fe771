"""`mcutool profile`: instructions (emulated boards) per layer, beside MACs and live arena."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from mcutool import api
from mcutool.report.macs import shape_text
from mcutool.toolchain.boards import get_board


def profile_project(out_dir: str | Path, board: str, samples: list[list[np.ndarray]] | None = None) -> dict:
    meta = api.read_metadata(out_dir)
    target = get_board(board)
    if samples is None:
        samples = [[np.zeros(i["shape"], i["dtype"]) for i in meta["inputs"]]]
    result = api.run_on_board(out_dir, samples[:1], board)
    scale = target.instructions_per_tick
    layers = []
    for op in meta["ops"]:
        insns = int(round(result.layers.get(op["index"], 0) * scale))
        layers.append({
            "index": op["index"], "name": op["name"], "op": op["type"], "macs": op["macs"],
            "instructions": insns,
            "macs_per_instruction": round(op["macs"] / insns, 4) if insns else None,
            "arena_live_bytes": op["arena_live_bytes"],
            "output_shape": op["outputs"][0]["shape"] if op["outputs"] else [],
        })
    return {
        "board": board,
        "instructions": int(round(result.times[0] * scale)),
        "resolution": scale,
        "arena_bytes": meta["arena_bytes"],
        "stack_used": result.stack_used,
        "layers": layers,
    }


def format_profile(report: dict) -> str:
    lines = [f"profile on {report['board']}: {report['instructions']:,} instructions per inference "
             f"(counted in steps of {report['resolution']:g}), arena {report['arena_bytes']:,} B, "
             f"stack used {report['stack_used']:,} B",
             f"  {'#':>3}  {'op':<18} {'output':<14} {'MACs':>11} {'instructions':>13} {'MAC/insn':>9} {'live arena':>11}"]
    for r in report["layers"]:
        ratio = f"{r['macs_per_instruction']:.3f}" if r["macs_per_instruction"] else "-"
        lines.append(f"  {r['index']:>3}  {r['op']:<18} {shape_text(r['output_shape']):<14} {r['macs']:>11,} "
                     f"{r['instructions']:>13,} {ratio:>9} {r['arena_live_bytes']:>11,}")
    return "\n".join(lines)
