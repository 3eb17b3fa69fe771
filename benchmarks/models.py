"""Whole models on the default board: arena, flash (whole test firmware, weights included) and
instructions per inference; where a TFLite-Micro + CMSIS-NN figure exists for the same model
(mcutool/report/anchors.py), beside it. The digits model here is ours, trained by
examples/train_digits.py, not the TF-converted digits_cnn of the anchors, so it has none.

    .venv/bin/python benchmarks/models.py
"""
import tempfile
from pathlib import Path

import numpy as np

from mcutool import api
from mcutool.report.anchors import TFLM_M4_MODELS
from mcutool.report.profile import profile_project

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
# name -> (model, calibration data for a float model or None)
MODELS = {
    "tiny_cnn": (EXAMPLES / "tiny_cnn.tflite", None),
    "digits (mcutool PTQ)": (EXAMPLES / "digits_cnn_float.tflite", EXAMPLES / "digits_calib.npz"),
}
BOARD = "mps2-an386"


def main() -> None:
    print(f"{'model':<22} {'arena B':>9} {'flash B':>9} {'instructions':>13}   "
          "TFLM+CMSIS-NN anchor (arena / code / insns)")
    for name, (path, calib) in MODELS.items():
        graph = api.load_model(path)
        if calib is not None:
            graph, _ = api.quantize_model(graph, np.load(calib)["x"])
        with tempfile.TemporaryDirectory() as tmp:
            out = api.generate(api.compile_graph(graph), Path(tmp) / "gen")
            firmware = api.build(out, BOARD)
            report = profile_project(out, BOARD)
        anchor = TFLM_M4_MODELS.get(name)
        ref = f"{anchor['arena']:,} / {anchor['code']:,} / {anchor['instructions']:,}" if anchor else "-"
        print(f"{name:<22} {report['arena_bytes']:>9,} {firmware.flash_bytes:>9,} "
              f"{report['instructions']:>13,}   {ref}")


if __name__ == "__main__":
    main()
