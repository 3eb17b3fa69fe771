"""Mixed precision to a flash budget: int8, int16 activations (16x8; whole model, and the last
layer only with `--layer-bits NAME=int16`), int4, codebook:16/8/4 and `--flash-budget` at 50% and
35% of the int8 weight bytes, on the digits example and on a keyword-spotting-shaped model.

    python benchmarks/mixed_precision.py [--json] [--no-profile]

Columns: quality (digits: top-1 on the 540 held-out images; kws: SQNR of the logits against
the float model on 100 held-out inputs (calibration: 200 others), as it has no labels), weight bytes in flash as
`generate` writes them (int4 packed, codebooks as packed indices plus table), that as a share of
int8's, the arena (RAM) bytes, and instructions per inference on mps2-an386 (Cortex-M4 under
QEMU, `mcutool profile`).

The kws model is DS-CNN-shaped (as in ARM's ML-KWS-for-MCU, DS-CNN-S width, 64 channels): 49x10 MFCC
input, a 10x4 stride-2 convolution, four depthwise-separable blocks, average pool, 12-way
fully connected and softmax; its weights are random (He initialisation, fixed seed), so only
the SQNR is meaningful.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mcutool import api  # noqa: E402
from mcutool.data import load_data  # noqa: E402
from mcutool.ir import Conv2DAttrs, DepthwiseConv2DAttrs, FullyConnectedAttrs, Pool2DAttrs  # noqa: E402
from mcutool.ir.builder import GraphBuilder  # noqa: E402
from mcutool.quantize import PtqOptions, calibration_samples  # noqa: E402
from mcutool.quantize.pipeline import run_ptq  # noqa: E402
from mcutool.report.profile import profile_project  # noqa: E402
from mcutool.report.quantization import quantization_report  # noqa: E402

BOARD = "mps2-an386"
FORMATS = ["int8", "int4", "codebook:16", "codebook:8", "codebook:4"]
BUDGETS = [0.50, 0.35]


def kws_model(channels: int = 64, seed: int = 0):
    """A DS-CNN-shaped keyword-spotting model with random float weights."""
    rng = np.random.default_rng(seed)
    b = GraphBuilder("kws_ds_cnn")

    def he(shape, fan_in):
        return rng.normal(0, np.sqrt(2.0 / fan_in), shape).astype(np.float32)

    b.input("mfcc", (1, 49, 10, 1), dtype="float32")
    b.const("conv1/w", he((channels, 10, 4, 1), 40))
    b.const("conv1/b", rng.normal(0, 0.1, channels).astype(np.float32))
    b.tensor("conv1", (1, 25, 5, channels), dtype="float32")
    b.op("CONV_2D", ["mfcc", "conv1/w", "conv1/b"], ["conv1"], Conv2DAttrs(2, 2, padding="SAME", activation="RELU"),
         name="conv1")
    prev = "conv1"
    for i in range(1, 5):
        dw, pw = f"dw{i}", f"pw{i}"
        b.const(f"{dw}/w", he((1, 3, 3, channels), 9))
        b.const(f"{dw}/b", rng.normal(0, 0.1, channels).astype(np.float32))
        b.tensor(dw, (1, 25, 5, channels), dtype="float32")
        b.op("DEPTHWISE_CONV_2D", [prev, f"{dw}/w", f"{dw}/b"], [dw],
             DepthwiseConv2DAttrs(padding="SAME", activation="RELU"), name=dw)
        b.const(f"{pw}/w", he((channels, 1, 1, channels), channels))
        b.const(f"{pw}/b", rng.normal(0, 0.1, channels).astype(np.float32))
        b.tensor(pw, (1, 25, 5, channels), dtype="float32")
        b.op("CONV_2D", [dw, f"{pw}/w", f"{pw}/b"], [pw], Conv2DAttrs(padding="SAME", activation="RELU"), name=pw)
        prev = pw
    b.tensor("pool", (1, 1, 1, channels), dtype="float32")
    b.op("AVERAGE_POOL_2D", [prev], ["pool"], Pool2DAttrs(25, 5, 25, 5, "VALID"), name="pool")
    b.const("flat/shape", np.array([1, channels], np.int32))
    b.tensor("flat", (1, channels), dtype="float32")
    b.op("RESHAPE", ["pool", "flat/shape"], ["flat"], name="flatten")
    b.const("fc/w", he((12, channels), channels))
    b.const("fc/b", np.zeros(12, np.float32))
    b.tensor("logits", (1, 12), dtype="float32")
    b.op("FULLY_CONNECTED", ["flat", "fc/w", "fc/b"], ["logits"], FullyConnectedAttrs(), name="fc")
    b.tensor("probs", (1, 12), dtype="float32")
    b.op("SOFTMAX", ["logits"], ["probs"], name="probs")
    b.output("probs")
    return b.build()


def _cases():
    digits = api.load_model(ROOT / "examples" / "digits_cnn_float.tflite")
    calib = calibration_samples(digits, load_data(ROOT / "examples" / "digits_calib.npz"))
    test = load_data(ROOT / "examples" / "digits_test.npz")
    kws = kws_model()
    rng = np.random.default_rng(1)
    x = rng.normal(0, 1, (300, 49, 10, 1)).astype(np.float32)
    return [("digits", digits, calib, calibration_samples(digits, test), test.y, "logits"),
            ("kws", kws, x[:200], x[200:], None, "fc")]


def _generated(graph, profile: bool) -> tuple[int, int, int | None]:
    """(weight bytes as generated, arena bytes, instructions on the board or None)."""
    with tempfile.TemporaryDirectory(prefix="mcutool-mixed-bench-") as tmp:
        out = api.generate(api.compile_graph(graph, BOARD), Path(tmp) / "gen")
        meta = api.read_metadata(out)
        return (int(meta["weight_bytes"]), int(meta["arena_bytes"]),
                int(profile_project(out, BOARD)["instructions"]) if profile else None)


def rows(profile: bool = True) -> list[dict]:
    found: list[dict] = []
    for model, graph, calib, x_test, y, last in _cases():
        # int8 first: the budgets and shares are of its weight bytes
        int8_bytes = None
        settings = [(f, PtqOptions(weights=f)) for f in FORMATS]
        settings.insert(1, ("int16 act", PtqOptions(activations="int16")))
        settings.insert(2, ("int16 last", PtqOptions(layer_bits={last: "int16"})))
        for share in BUDGETS:
            settings.append((f"budget {int(share * 100)}%", None))
        for name, options in settings:
            if options is None:
                assert int8_bytes is not None
                share = float(name.split()[1].rstrip("%")) / 100
                options = PtqOptions(flash_budget=int(share * int8_bytes))
            result = run_ptq(graph, calib, options)
            report = quantization_report(result.reference, result.int8, x_test, y)
            logits = [r for r in report["layers"] if r["op"] != "SOFTMAX"][-1]
            nbytes, arena, instructions = _generated(result.int8, profile)
            int8_bytes = int8_bytes or nbytes
            found.append({"model": model, "weights": name, "accuracy": report["int8_accuracy"],
                          "logits_sqnr_db": round(logits["sqnr_db"], 2), "weight_bytes": nbytes,
                          "share_of_int8": round(nbytes / int8_bytes, 4), "arena_bytes": arena,
                          "instructions": instructions,
                          "formats": result.summary.get("layer_formats")})
    return found


def format_rows(found: list[dict]) -> str:
    lines = [f"{'model':<8}{'weights':<14}{'top-1':>8}{'logits SQNR':>13}{'weight bytes':>14}{'of int8':>9}"
             f"{'arena':>8}{'instructions':>14}"]
    for r in found:
        acc = f"{r['accuracy']:.4f}" if r["accuracy"] is not None else "-"
        insns = f"{r['instructions']:,}" if r["instructions"] is not None else "-"
        lines.append(f"{r['model']:<8}{r['weights']:<14}{acc:>8}{r['logits_sqnr_db']:>10.1f} dB"
                     f"{r['weight_bytes']:>14,}{100 * r['share_of_int8']:>8.1f}%{r['arena_bytes']:>8,}{insns:>14}")
        if r["formats"]:
            lines.append(" " * 22 + ", ".join(f"{n}={f}" for n, f in r["formats"].items()))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--no-profile", action="store_true", help="Skip the QEMU instruction counts.")
    args = parser.parse_args()
    found = rows(profile=not args.no_profile)
    print(json.dumps(found, indent=2) if args.json else format_rows(found))


if __name__ == "__main__":
    main()
