"""16-bit activations (TFLite's 16x8 scheme) against int8 on the digits example: top-1 on the
held-out test file, SQNR against the float model, weight bytes, and instructions per inference
on the emulated Cortex-M4 (mps2-an386, QEMU).

    python benchmarks/int16_ptq.py [--json] [--no-board]

Measured here (300 calibration images, 540 test images; float top-1 0.9870):

    PTQ     top-1   weight bytes  logits SQNR  mean SQNR  instructions (M4)  arena bytes
    int8    0.9852  3000          38.2 dB      38.6 dB    132,800            1,600
    int16   0.9870  2976          41.5 dB      42.3 dB    149,280            3,136

The int16 model took 412,160 instructions (3,104 arena bytes) before the s16 kernels' DSP
paths (packed im2col convolution, four-channel depthwise, one-multiply requantization where
exact, channel blocks in pooling); ARM's CMSIS-NN s16 kernels linked in its place take 241,480
(conv 3x3 68,160 against runtime_c's 50,280, depthwise 78,080 / 34,560, conv 1x1 75,600 /
51,920, max pool 12,040 / 4,840, fully connected 6,800 / 6,440; README "16-bit activations"
has the other cores). The firmware grew from 12,240 to 18,816 bytes of flash (the s16
kernels' DSP paths) and 400 to 776 bytes of stack.

Weight bytes are the constant tensors in model_weights.c (weights and biases); the int16
model's CONV_2D biases (int64) are emitted with the call's parameters (cmsis_nn_bias_data) and
not counted there. The SQNR gain is small because the int8
weights, not the activations, dominate the error on this model.

(see the README's "16-bit activations"; run the script for this machine's numbers)
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
from mcutool.report.profile import profile_project  # noqa: E402
from mcutool.report.quantization import quantization_report  # noqa: E402

BOARD = "mps2-an386"


def rows(model: Path, calib: Path, test: Path, board: str | None = BOARD) -> list[dict]:
    graph = api.load_model(model)
    x_cal = calibration_samples(graph, load_data(calib))
    data = load_data(test)
    x_test = calibration_samples(graph, data)
    out = []
    for acts in ("int8", "int16"):
        result = run_ptq(graph, x_cal, PtqOptions(activations=acts))
        report = quantization_report(result.reference, result.int8, x_test, data.y)
        logits = [r for r in report["layers"] if r["op"] != "SOFTMAX"][-1]
        row = {"activations": acts, "accuracy": report["int8_accuracy"],
               "float_accuracy": report["float_accuracy"], "logits_sqnr_db": logits["sqnr_db"],
               "mean_sqnr_db": report["mean_sqnr_db"]}
        with tempfile.TemporaryDirectory(prefix="mcutool-int16-bench-") as tmp:
            gen = api.generate(api.compile_graph(result.int8), Path(tmp) / "gen")
            meta = api.read_metadata(gen)
            row["weight_bytes"], row["arena_bytes"] = int(meta["weight_bytes"]), int(meta["arena_bytes"])
            if board:
                prof = profile_project(gen, board)
                row["instructions"] = prof[prof["unit"]]
        out.append(row)
    return out


def format_rows(rs: list[dict]) -> str:
    lines = [f"float top-1 {rs[0]['float_accuracy']:.4f}",
             f"{'':<8}{'top-1':>8}{'weight bytes':>14}{'logits SQNR':>13}{'mean SQNR':>11}"
             f"{'instructions':>14}{'arena':>8}"]
    for r in rs:
        lines.append(f"{r['activations']:<8}{r['accuracy']:>8.4f}{r['weight_bytes']:>14}"
                     f"{r['logits_sqnr_db']:>10.1f} dB{r['mean_sqnr_db']:>8.1f} dB"
                     f"{r.get('instructions', 0):>14,}{r['arena_bytes']:>8,}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=ROOT / "examples" / "digits_cnn_float.tflite")
    parser.add_argument("--calib", type=Path, default=ROOT / "examples" / "digits_calib.npz")
    parser.add_argument("--test", type=Path, default=ROOT / "examples" / "digits_test.npz")
    parser.add_argument("--no-board", action="store_true", help=f"skip the {BOARD} instruction count")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rs = rows(args.model, args.calib, args.test, None if args.no_board else BOARD)
    print(json.dumps(rs, indent=2) if args.json else format_rows(rs))


if __name__ == "__main__":
    main()
