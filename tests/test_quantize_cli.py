"""`mcutool quantize`, and --calib on generate: outputs, options, and every bad input
(exit status 2, one clear message)."""
import json

import float_models as fm
import numpy as np
import pytest
from clirun import cli

from mcutool.api import float_ops, load_model
from mcutool.frontends.tflite import write_tflite
from mcutool.ir.builder import GraphBuilder


@pytest.fixture
def float_model(tmp_path):
    path = tmp_path / "float.tflite"
    path.write_bytes(write_tflite(fm.structural_model()))
    return path


@pytest.fixture
def calib(tmp_path):
    graph = fm.structural_model()
    path = tmp_path / "calib.npz"
    np.savez(path, x=fm.samples(graph, 40, low=-2, high=2)[:, 0],
             y=np.random.default_rng(0).integers(0, 6, 40))
    return path


def test_quantize_writes_an_int8_model(capsys, tmp_path, float_model, calib):
    out = tmp_path / "sub" / "int8.tflite"
    code, stdout, _ = cli(capsys, "quantize", float_model, "--calib", calib, "-o", out)
    assert code == 0 and f"wrote {out}" in stdout and "mse" in stdout
    graph = load_model(out)
    assert not float_ops(graph)
    assert graph.tensors[graph.inputs[0]].dtype == "int8" and graph.tensors[graph.outputs[0]].dtype == "int8"


def test_quantize_report_and_every_flag(capsys, tmp_path, float_model, calib):
    out = tmp_path / "int8.tflite"
    code, stdout, _ = cli(capsys, "quantize", float_model, "--calib", calib, "-o", out, "--report",
                          "--method", "kl", "--per-tensor", "--samples", 25, "--bias-correction", "--equalize")
    assert code == 0, stdout
    assert "kl ranges, per-tensor weights, bias correction, equalization, on 25 calibration samples" in stdout
    assert "SOFTMAX" in stdout and "dB" in stdout and "mean SQNR" in stdout
    assert "top-1 accuracy: float" in stdout


def test_quantize_json(capsys, tmp_path, float_model, calib):
    code, stdout, _ = cli(capsys, "quantize", float_model, "--calib", calib, "-o", tmp_path / "q.tflite",
                          "--json", "--report", "--method", "percentile")
    info = json.loads(stdout)
    assert code == 0 and info["options"]["method"] == "percentile" and info["samples"] == 40
    assert len(info["report"]["layers"]) == info["ops_after_prepare"]


def test_generate_with_calib(capsys, tmp_path, float_model, calib):
    code, stdout, err = cli(capsys, "generate", float_model, "--calib", calib, "--method", "minmax",
                            "-o", tmp_path / "gen")
    assert code == 0 and "arena" in stdout and "minmax ranges" in err
    assert (tmp_path / "gen" / "model.c").exists()


def bad_npz(tmp_path, name, **arrays):
    path = tmp_path / name
    np.savez(path, **arrays)
    return path


@pytest.mark.parametrize("case, message", [
    ("shape", "calibration data has samples of shape [9, 9, 4]"),
    ("int", "calibration data must be float"),
    ("nan", "NaN or infinite"),
    ("inf", "NaN or infinite"),
    ("empty", "calibration data is empty"),
    ("no_x", "no array named 'x'"),
    ("missing", "does not exist"),
])
def test_bad_calibration_data_exits_2(capsys, tmp_path, float_model, case, message):
    x = fm.samples(fm.structural_model(), 4)[:, 0]
    arrays = {
        "shape": dict(x=np.zeros((4, 9, 9, 4), np.float32)),
        "int": dict(x=x.astype(np.int8)),
        "nan": dict(x=np.where(x > 0.9, np.nan, x)),
        "inf": dict(x=np.where(x > 0.9, np.inf, x)),
        "empty": dict(x=np.zeros((0, 9, 9, 3), np.float32)),
        "no_x": dict(images=x),
    }
    path = tmp_path / "missing.npz" if case == "missing" else bad_npz(tmp_path, f"{case}.npz", **arrays[case])
    code, _, err = cli(capsys, "quantize", float_model, "--calib", path, "-o", tmp_path / "q.tflite")
    assert code == 2 and err.startswith("error:") and message in err, err
    assert "Traceback" not in err and not (tmp_path / "q.tflite").exists()


def test_int8_model_given_to_quantize(capsys, tmp_path, float_model, calib):
    q = tmp_path / "int8.tflite"
    assert cli(capsys, "quantize", float_model, "--calib", calib, "-o", q)[0] == 0
    code, _, err = cli(capsys, "quantize", q, "--calib", calib, "-o", tmp_path / "again.tflite")
    assert code == 2 and f"{q} is already quantized (int8)" in err
    code, _, err = cli(capsys, "generate", q, "--calib", calib, "-o", tmp_path / "gen")
    assert code == 2 and "already quantized" in err


def test_unquantizable_ops_are_listed(capsys, tmp_path, calib):
    b = GraphBuilder("exp")
    b.input("x", (1, 9, 9, 3), dtype="float32")
    b.tensor("e", (1, 9, 9, 3), dtype="float32")
    b.op("EXP", ["x"], ["e"])
    b.tensor("r", (1, 9, 9, 3), dtype="float32")
    b.op("RELU", ["e"], ["r"])
    b.tensor("y", (1, 9, 9, 3), dtype="float32")
    b.op("SQRT", ["r"], ["y"])
    b.output("y")
    path = tmp_path / "exp.tflite"
    path.write_bytes(write_tflite(b.build()))
    code, _, err = cli(capsys, "quantize", path, "--calib", calib, "-o", tmp_path / "q.tflite")
    assert code == 2 and "#0 EXP" in err and "#2 SQRT" in err and "cannot be quantized" in err
    assert "RELU" not in err


@pytest.mark.parametrize("args, message", [
    (["--samples", "0"], "--samples"),
    (["--method", "best"], "--method"),
])
def test_bad_options_exit_2(capsys, tmp_path, float_model, calib, args, message):
    code, out, err = cli(capsys, "quantize", float_model, "--calib", calib, "-o", tmp_path / "q.tflite", *args)
    assert code == 2 and message in out + err
