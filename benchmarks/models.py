"""Whole models on the default board: arena, flash, instructions per inference, and where a
comparable TFLite-Micro + CMSIS-NN figure exists (mcutool/report/anchors.py), beside it.

    .venv/bin/python benchmarks/models.py
"""
import tempfile
from pathlib import Path

from mcutool import api
from mcutool.report.anchors import TFLM_M4_MODELS
from mcutool.report.profile import profile_project

ROOT = Path(__file__).resolve().parent.parent
MODELS = {"tiny_cnn": ROOT / "examples" / "tiny_cnn.tflite"}
BOARD = "mps2-an386"


def main() -> None:
    print(f"{'model':<12} {'arena B':>9} {'flash B':>9} {'instructions':>13}   TFLM+CMSIS-NN anchor (arena / code / insns)")
    for name, path in MODELS.items():
        if not path.exists():
            continue
        with tempfile.TemporaryDirectory() as tmp:
            out = api.generate(api.compile_graph(api.load_model(path)), Path(tmp) / "gen")
            firmware = api.build(out, BOARD)
            report = profile_project(out, BOARD)
        anchor = TFLM_M4_MODELS.get(name)
        ref = f"{anchor['arena']:,} / {anchor['code']:,} / {anchor['instructions']:,}" if anchor else "-"
        print(f"{name:<12} {report['arena_bytes']:>9,} {firmware.flash_bytes:>9,} {report['instructions']:>13,}   {ref}")


if __name__ == "__main__":
    main()
