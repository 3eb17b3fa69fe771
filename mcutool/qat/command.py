"""The `qat` command's output: writing the model (rank 0 only) and the accuracy table."""
from __future__ import annotations


def format_summary(output: str, summary: dict) -> str:
    o = summary["options"]
    procs = f", {summary['world_size']} processes" if summary["world_size"] > 1 else ""
    reassign = ""
    if o["weights"].startswith("codebook:"):
        reassign = ", indices re-assigned every epoch" if o.get("codebook_reassign") else ", indices fixed"
    lines = [f"wrote {output}: quantization-aware training, {o['weights']} weights{reassign}"
             f"{', learned scales' if o['learn_scales'] else ''}, {o['epochs']} epoch(s) on "
             f"{summary['train_samples']} samples{procs}, {summary['seconds']['training']:.1f} s",
             f"top-1 accuracy on {summary['val_samples']} {summary['accuracy_on']} samples:"]
    acc = summary["accuracy"]
    w = summary["weight_bytes"]
    note = {"int4": " (int4 weights two per byte)"}.get(o["weights"], "")
    if o["weights"].startswith("codebook:"):
        note = " (weights as packed indices and a table per layer)"
    lines.append(f"  float           {100 * acc['float']:6.2f}%")
    lines.append(f"  PTQ {o['weights']:<11} {100 * acc['ptq']:6.2f}%   {w['ptq']:,} constant bytes{note}")
    lines.append(f"  QAT {o['weights']:<11} {100 * acc['qat']:6.2f}%   {w['qat']:,} constant bytes{note}")
    return "\n".join(lines)
