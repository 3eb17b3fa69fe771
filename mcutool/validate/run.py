"""`mcutool validate`: generate, build, run every sample, compare with TFLite-Micro."""
from __future__ import annotations

import tempfile
from pathlib import Path

from mcutool import api
from mcutool.data import encode_samples, graph_input_specs, load_data
from mcutool.validate.compare import compare_outputs, top1_accuracy
from mcutool.validate.layers import first_differing_layer


def validate_model(model_path: str | Path, data_path: str | Path, board: str = api.HOST,
                   layers: bool = False, sanitize: bool = False) -> dict:
    from mcutool.oracle.tflm import run_tflm_all_tensors, run_tflm_batch

    model_path = Path(model_path)
    graph = api.load_model(model_path)
    compiled = api.compile_graph(graph, board)  # laid out for the board's instruction set
    data = load_data(data_path)
    samples = encode_samples(data, graph_input_specs(graph))
    model_bytes = model_path.read_bytes()

    with tempfile.TemporaryDirectory(prefix="mcutool-validate-") as tmp:
        out = api.generate(compiled, Path(tmp) / "gen", source_name=model_path.name)
        c_outputs = api.run(out, samples, board=board, sanitize=sanitize)
        tflm_outputs = run_tflm_batch(model_bytes, samples)
        result = compare_outputs(tflm_outputs, c_outputs)
        report = {
            "model": str(model_path),
            "board": board,
            "samples": result.samples,
            "mismatches": result.mismatches,
            "mismatching_samples": result.mismatching_samples,
            "max_abs_diff": result.max_abs_diff,
            "accuracy": None,
            "reference_accuracy": None,
            "arena_bytes": compiled.plan.arena_bytes,
        }
        if data.y is not None:
            report["accuracy"] = top1_accuracy(c_outputs, data.y)
            report["reference_accuracy"] = top1_accuracy(tflm_outputs, data.y)
        if layers:
            probe = result.first_mismatch if result.first_mismatch is not None else 0
            _, trace = api.run(out, [samples[probe]], board=board, trace=True)
            tensors = run_tflm_all_tensors(model_bytes, samples[probe])
            rows = first_differing_layer(graph, trace, tensors)
            report["layers"] = rows
            report["layers_sample"] = probe
            bad = [r for r in rows if r["mismatches"]]
            report["first_bad_layer"] = bad[0] if bad else None
    return report


def format_validation(report: dict) -> str:
    lines = [f"validated {report['model']} on {report['board']}: {report['samples']} samples",
             f"  mismatching output elements: {report['mismatches']} "
             f"(in {report['mismatching_samples']} samples), max |diff| {report['max_abs_diff']:g}"]
    if report["accuracy"] is not None:
        lines.append(f"  top-1 accuracy: generated C {report['accuracy']:.4f}, "
                     f"TFLite-Micro {report['reference_accuracy']:.4f}"
                     + (f", float model {report['float_accuracy']:.4f}"
                        if report.get("float_accuracy") is not None else ""))
    lines.append(f"  arena: {report['arena_bytes']:,} bytes")
    if "layers" in report:
        lines.append(f"  layer by layer (sample {report['layers_sample']}):")
        for r in report["layers"]:
            status = "?" if r["mismatches"] is None else ("ok" if not r["mismatches"] else
                     f"{r['mismatches']} of {r['elements']} differ, max |diff| {r['max_abs_diff']:g}")
            lines.append(f"    #{r['index']:<3} {r['op']:<18} {r['tensor'][:40]:<40} {status}")
        first = report.get("first_bad_layer")
        lines.append(f"  first differing layer: #{first['index']} {first['op']} {first['tensor']}"
                     if first else "  every layer matches")
    lines.append("  PASS: bit-exact with TFLite-Micro" if report["mismatches"] == 0 else "  FAIL: outputs differ")
    return "\n".join(lines)
