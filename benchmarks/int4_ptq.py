"""Post-training quantization with 4-bit weights on the digits example: int8, int4 rounded to
nearest and int4 with AdaRound, each scored on the held-out test file.

    python benchmarks/int4_ptq.py [--json] [--model M --calib C --test T]

Columns: top-1 accuracy of the quantized model (mcutool's reference executor, bit-exact with
the generated C and TFLite-Micro), bytes of weights and biases in flash (the generated
model_weights.c: int4 packed two per byte), SQNR against the float model of the logits (the
last layer before SOFTMAX) and the mean over layers, on the test images, and the quantization
time. `ptq_rows()` returns the same rows for benchmarks/qat.py.

Measured here (300 calibration images, 540 test images; float top-1 0.9870):

    PTQ                 top-1   weight bytes  logits SQNR  mean SQNR  time
    int8                0.9852  3000          38.2 dB      38.6 dB    0.1 s
    int4 nearest        0.9870  1584          16.6 dB      17.2 dB    0.1 s
    int4 AdaRound       0.9870  1584          21.6 dB      20.9 dB    2.0 s

(see the README's "4-bit weights" for what these say; run the script for this machine's numbers)
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mcutool import api  # noqa: E402
from mcutool.data import load_data  # noqa: E402
from mcutool.quantize import PtqOptions, calibration_samples  # noqa: E402
from mcutool.quantize.pipeline import run_ptq  # noqa: E402
from mcutool.report.quantization import quantization_report  # noqa: E402

SETTINGS = [("PTQ int8", "int8", "nearest"), ("PTQ int4 nearest", "int4", "nearest"),
            ("PTQ int4 AdaRound", "int4", "adaround")]


def _flash_weight_bytes(graph) -> int:
    """Weight bytes as generated into model_weights.c (packed int4)."""
    with tempfile.TemporaryDirectory(prefix="mcutool-int4-bench-") as tmp:
        out = api.generate(api.compile_graph(graph), Path(tmp) / "gen")
        return int(api.read_metadata(out)["weight_bytes"])


def ptq_rows(model: Path = ROOT / "examples" / "digits_cnn_float.tflite",
             calib: Path = ROOT / "examples" / "digits_calib.npz",
             test: Path = ROOT / "examples" / "digits_test.npz") -> list[dict]:
    """One row per setting: name, weights, rounding, accuracy, float_accuracy, weight_bytes,
    logits_sqnr_db, mean_sqnr_db, seconds."""
    graph = api.load_model(model)
    x_cal = calibration_samples(graph, load_data(calib))
    data = load_data(test)
    x_test = calibration_samples(graph, data)
    rows = []
    for name, weights, rounding in SETTINGS:
        start = time.perf_counter()
        result = run_ptq(graph, x_cal, PtqOptions(weights=weights, rounding=rounding))
        seconds = time.perf_counter() - start
        report = quantization_report(result.reference, result.int8, x_test, data.y)
        logits = [r for r in report["layers"] if r["op"] != "SOFTMAX"][-1]
        rows.append({"name": name, "weights": weights, "rounding": rounding,
                     "accuracy": report["int8_accuracy"], "float_accuracy": report["float_accuracy"],
                     "weight_bytes": _flash_weight_bytes(result.int8),
                     "logits_sqnr_db": logits["sqnr_db"], "mean_sqnr_db": report["mean_sqnr_db"],
                     "seconds": round(seconds, 2)})
    return rows


def format_rows(rows: list[dict]) -> str:
    lines = [f"float top-1 {rows[0]['float_accuracy']:.4f}",
             f"{'':<20}{'top-1':>8}{'weight bytes':>14}{'logits SQNR':>13}{'mean SQNR':>11}{'time':>8}"]
    for r in rows:
        lines.append(f"{r['name']:<20}{r['accuracy']:>8.4f}{r['weight_bytes']:>14}"
                     f"{r['logits_sqnr_db']:>10.1f} dB{r['mean_sqnr_db']:>8.1f} dB{r['seconds']:>7.1f}s")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=ROOT / "examples" / "digits_cnn_float.tflite")
    parser.add_argument("--calib", type=Path, default=ROOT / "examples" / "digits_calib.npz")
    parser.add_argument("--test", type=Path, default=ROOT / "examples" / "digits_test.npz")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = ptq_rows(args.model, args.calib, args.test)
    print(json.dumps(rows, indent=2) if args.json else format_rows(rows))


if __name__ == "__main__":
    main()
