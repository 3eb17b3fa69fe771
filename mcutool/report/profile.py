"""`mcutool profile`: instructions (emulated boards) per layer, beside MACs and live arena."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from mcutool import api
from mcutool.errors import McutoolError
from mcutool.ir.analysis import shape_text
from mcutool.runners.qemu import parse_output
from mcutool.toolchain.boards import get_board


def profile_project(out_dir: str | Path, board: str, samples: list[list[np.ndarray]] | None = None,
                    log_text: str | None = None) -> dict:
    """Emulated boards: run under QEMU and count instructions. Real boards: read the firmware's
    UART log (`log_text`, captured by the user) and report its DWT/SysTick cycle counts."""
    meta = api.read_metadata(out_dir)
    target = get_board(board)
    if log_text is not None:
        if target.emulated:
            raise McutoolError(f"{board} is emulated: profile it under QEMU, without --log")
        result = parse_output(log_text)
        if not result.complete or 0 not in result.times:
            raise McutoolError("the log has no complete run of mcutool's test firmware "
                               "(expected lines between MCUTOOL-BEGIN and MCUTOOL-END)")
        if len(result.layers) != len(meta["ops"]):
            raise McutoolError(f"the log times {len(result.layers)} operators; this project has "
                               f"{len(meta['ops'])}: was it made from another model?")
        unit, scale = "cycles", 1.0
    elif not target.emulated:
        raise McutoolError(f"{board} is a real board: flash it (`mcutool flash`), capture its UART "
                           "output at 115200 baud to a file and pass it with --log")
    else:
        if samples is None:
            samples = [[np.zeros(i["shape"], i["dtype"]) for i in meta["inputs"]]]
        result = api.run_on_board(out_dir, samples[:1], board)
        unit, scale = "instructions", target.instructions_per_tick
    layers = []
    for op in meta["ops"]:
        count = round(result.layers.get(op["index"], 0) * scale)
        layers.append({
            "index": op["index"], "name": op["name"], "op": op["type"], "macs": op["macs"],
            unit: count,
            f"macs_per_{unit[:-1]}": round(op["macs"] / count, 4) if count else None,
            "arena_live_bytes": op["arena_live_bytes"],
            "input_shapes": op.get("inputs", []),
            "output_shape": op["outputs"][0]["shape"] if op["outputs"] else [],
        })
    return {
        "board": board,
        "unit": unit,
        unit: round(result.times[0] * scale),
        "resolution": scale,
        "arena_bytes": meta["arena_bytes"],
        "stack_used": result.stack_used,
        "flash_bytes": result.firmware.flash_bytes if result.firmware else None,
        "ram_bytes": result.firmware.ram_bytes if result.firmware else None,
        "layers": layers,
    }


def format_profile(report: dict) -> str:
    unit = report["unit"]
    short = "insn" if unit == "instructions" else "cycle"
    step = f" (counted in steps of {report['resolution']:g})" if report["resolution"] != 1 else ""
    lines = [f"profile on {report['board']}: {report[unit]:,} {unit} per inference{step}, "
             f"arena {report['arena_bytes']:,} B, stack used {report['stack_used'] or 0:,} B",
             f"  {'#':>3}  {'op':<18} {'shapes (in -> out)':<30} {'MACs':>11} {unit:>13} {'MAC/' + short:>9} "
             f"{'live arena':>11}"]
    for r in report["layers"]:
        ratio = r[f"macs_per_{unit[:-1]}"]
        ratio = f"{ratio:.3f}" if ratio else "-"
        shapes = ", ".join(shape_text(x) for x in r["input_shapes"]) + " -> " + shape_text(r["output_shape"])
        lines.append(f"  {r['index']:>3}  {r['op']:<18} {shapes:<30} {r['macs']:>11,} "
                     f"{r[unit]:>13,} {ratio:>9} {r['arena_live_bytes']:>11,}")
    return "\n".join(lines)
