"""Codebook (k-means) weights on the digits example: int8, int4 (nearest) and codebook:16/8/4,
each scored on the held-out test file.

    python benchmarks/codebook.py [--json] [--model M --calib C --test T]

Columns: top-1 accuracy of the quantized model (mcutool's reference executor, bit-exact with
the generated C and TFLite-Micro), bytes of weights and biases in flash as generated (int4
packed two per byte; codebook: packed indices plus one int8 table per layer), that as a share
of int8's, and the logits SQNR against the float model.

Measured here (300 calibration images, 540 test images; float top-1 0.9870): see the README's
"Codebook weights" (run the script for this machine's numbers).

Speed (not measured by this script: `mcutool profile --board mps2-an386` on the generated
project), instructions per inference on the emulated Cortex-M4: codebook:16 182,200, codebook:8
190,000, codebook:4 188,560 (326,640 / 334,920 / 318,040 before the convolution ran the int8
im2col core on each decoded block and indices were decoded whole bytes at a time; int8
132,800). Cortex-M55 (mps3-an547): codebook:16 155,438 (325,875 before).
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mcutool import api  # noqa: E402
from mcutool.data import load_data  # noqa: E402
from mcutool.quantize import PtqOptions, calibration_samples  # noqa: E402
from mcutool.quantize.pipeline import run_ptq  # noqa: E402
from mcutool.report.quantization import quantization_report  # noqa: E402

SETTINGS = ["int8", "int4", "codebook:16", "codebook:8", "codebook:4"]


def _flash_weight_bytes(graph) -> int:
    with tempfile.TemporaryDirectory(prefix="mcutool-codebook-bench-") as tmp:
        out = api.generate(api.compile_graph(graph), Path(tmp) / "gen")
        return int(api.read_metadata(out)["weight_bytes"])


def codebook_rows(model: Path = ROOT / "examples" / "digits_cnn_float.tflite",
                  calib: Path = ROOT / "examples" / "digits_calib.npz",
                  test: Path = ROOT / "examples" / "digits_test.npz") -> list[dict]:
    """One row per weight type: weights, accuracy, float_accuracy, weight_bytes, share_of_int8,
    logits_sqnr_db."""
    graph = api.load_model(model)
    x_cal = calibration_samples(graph, load_data(calib))
    data = load_data(test)
    x_test = calibration_samples(graph, data)
    rows: list[dict] = []
    for weights in SETTINGS:
        result = run_ptq(graph, x_cal, PtqOptions(weights=weights))
        report = quantization_report(result.reference, result.int8, x_test, data.y)
        logits = [r for r in report["layers"] if r["op"] != "SOFTMAX"][-1]
        nbytes = _flash_weight_bytes(result.int8)
        rows.append({"weights": weights, "accuracy": report["int8_accuracy"],
                     "float_accuracy": report["float_accuracy"], "weight_bytes": nbytes,
                     "share_of_int8": round(nbytes / (rows[0]["weight_bytes"] if rows else nbytes), 4),
                     "logits_sqnr_db": logits["sqnr_db"]})
    return rows


def format_rows(rows: list[dict]) -> str:
    lines = [f"float top-1 {rows[0]['float_accuracy']:.4f}",
             f"{'weights':<14}{'top-1':>8}{'weight bytes':>14}{'of int8':>9}{'logits SQNR':>13}"]
    for r in rows:
        lines.append(f"{r['weights']:<14}{r['accuracy']:>8.4f}{r['weight_bytes']:>14}"
                     f"{100 * r['share_of_int8']:>8.1f}%{r['logits_sqnr_db']:>10.1f} dB")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=ROOT / "examples" / "digits_cnn_float.tflite")
    parser.add_argument("--calib", type=Path, default=ROOT / "examples" / "digits_calib.npz")
    parser.add_argument("--test", type=Path, default=ROOT / "examples" / "digits_test.npz")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = codebook_rows(args.model, args.calib, args.test)
    print(json.dumps(rows, indent=2) if args.json else format_rows(rows))


if __name__ == "__main__":
    main()
