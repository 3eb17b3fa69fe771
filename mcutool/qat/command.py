"""The `qat` command's output: writing the model (rank 0 only) and the accuracy table."""
from __future__ import annotations


def _label(summary: dict) -> str:
    """The table's short name of the trained formats: int8, int4, 16x8 or mixed."""
    kinds = set(summary.get("layer_formats", {}).values()) or {summary["options"]["weights"]}
    if summary["options"].get("activations", "int8") == "int16":
        return "16x8"
    return kinds.pop() if len(kinds) == 1 else "mixed"


def format_summary(output: str, summary: dict) -> str:
    from mcutool.qat.export import describe
    from mcutool.quantize.budget import format_budget
    o = summary["options"]
    formats = summary.get("layer_formats") or {}
    procs = f", {summary['world_size']} processes" if summary["world_size"] > 1 else ""
    what = describe(formats, o.get("activations", "int8")) if formats else f"{o['weights']} weights"
    if any(f.startswith("codebook:") for f in set(formats.values()) | {o["weights"]}):
        what += ", indices re-assigned every epoch" if o.get("codebook_reassign") else ", indices fixed"
    lines = [f"wrote {output}: quantization-aware training, {what}"
             f"{', learned scales' if o['learn_scales'] else ''}, {o['epochs']} epoch(s) on "
             f"{summary['train_samples']} samples{procs}, {summary['seconds']['training']:.1f} s"]
    if "budget" in summary:
        lines.append(format_budget(summary["budget"]))
    if len(set(formats.values())) > 1 or "budget" in summary:
        lines.append("layers: " + ", ".join(f"{n}={f}" for n, f in formats.items()))
    lines.append(f"top-1 accuracy on {summary['val_samples']} {summary['accuracy_on']} samples:")
    acc = summary["accuracy"]
    w = summary["weight_bytes"]
    kinds = set(formats.values()) | {o["weights"]}
    note = " (int4 weights two per byte)" if "int4" in kinds else ""
    if any(f.startswith("codebook:") for f in kinds):
        note = " (codebook weights as packed indices and a table per layer)"
    label = _label(summary)
    lines.append(f"  float          {100 * acc['float']:6.2f}%")
    lines.append(f"  PTQ {label:<10} {100 * acc['ptq']:6.2f}%   {w['ptq']:,} constant bytes{note}")
    lines.append(f"  QAT {label:<10} {100 * acc['qat']:6.2f}%   {w['qat']:,} constant bytes{note}")
    if "budget" in summary:
        lines.append(f"trained weights {w['qat']:,} B, within the flash budget of "
                     f"{summary['budget']['budget_bytes']:,} B")
    return "\n".join(lines)
