"""`mcutool qat`: the trained model is valid and bit-exact with TFLite-Micro, the accuracy
table, --json, and every bad input (exit status 2, one clear message, nothing written)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from clirun import cli
from conftest import ROOT

from mcutool.api import float_ops, load_model
from mcutool.frontends.tflite import write_tflite
from mcutool.ir.builder import GraphBuilder

MODEL = ROOT / "examples" / "digits_cnn_float.tflite"
TEST = ROOT / "examples" / "digits_test.npz"


@pytest.fixture(scope="module")
def small_train(tmp_path_factory):
    d = np.load(ROOT / "examples" / "digits_train.npz")
    path = tmp_path_factory.mktemp("qat") / "train.npz"
    np.savez(path, x=d["x"][:300], y=d["y"][:300])
    return path


@pytest.fixture(scope="module")
def small_val(tmp_path_factory):
    d = np.load(TEST)
    path = tmp_path_factory.mktemp("qat") / "val.npz"
    np.savez(path, x=d["x"][:120], y=d["y"][:120])
    return path


@pytest.mark.slow  # builds and runs the C under the sanitizers and on an emulated Cortex-M4
def test_qat_int4_writes_a_model_bit_exact_with_tflite_micro(capsys, tmp_path, small_train, small_val):
    out = tmp_path / "q4.tflite"
    code, stdout, _ = cli(capsys, "qat", MODEL, "--train", small_train, "--val", small_val, "--epochs", 1,
                          "--weights", "int4", "-o", out)
    assert code == 0, stdout
    assert f"wrote {out}" in stdout and "int4 weights" in stdout
    for row in ("float", "PTQ int4", "QAT int4"):
        assert row in stdout
    graph = load_model(out)
    assert not float_ops(graph)
    from mcutool.validate.run import validate_model
    for board in ("host", "mps2-an386"):
        report = validate_model(out, small_val, board=board)
        assert report["mismatches"] == 0 and report["samples"] == 120, board


def test_qat_json(capsys, tmp_path, small_train):
    out = tmp_path / "q8.tflite"
    code, stdout, _ = cli(capsys, "qat", MODEL, "--train", small_train, "--epochs", 1, "--lr", "5e-4",
                          "--batch", 32, "--learn-scales", "--seed", 3, "-o", out, "--json")
    assert code == 0
    report = json.loads(stdout)
    assert report["output"] == str(out) and out.exists()
    assert report["accuracy_on"] == "training" and report["val_samples"] == 300
    assert report["options"]["learn_scales"] and report["options"]["batch_size"] == 32
    assert report["accuracy"]["qat"] > 0.9 and len(report["loss"]) == 1


def write_data(path, **arrays):
    np.savez(path, **arrays)
    return path


@pytest.mark.parametrize("case,arrays,message", [
    ("no labels", {"x": np.zeros((8, 8, 8, 1), np.float32)}, "no labels"),
    ("labels out of range", {"x": np.zeros((8, 8, 8, 1), np.float32), "y": np.arange(8) + 5}, "classes 0..9"),
    ("negative labels", {"x": np.zeros((8, 8, 8, 1), np.float32), "y": -np.ones(8, np.int64)}, "found -1"),
    ("wrong shape", {"x": np.zeros((8, 7, 8, 1), np.float32), "y": np.zeros(8, np.int64)}, "the model expects"),
    ("integer x", {"x": np.zeros((8, 8, 8, 1), np.int8), "y": np.zeros(8, np.int64)}, "must be float"),
    ("float labels", {"x": np.zeros((8, 8, 8, 1), np.float32), "y": np.zeros(8, np.float32)}, "must be integer"),
    ("label count", {"x": np.zeros((8, 8, 8, 1), np.float32), "y": np.zeros(5, np.int64)}, "5 entries"),
])
def test_bad_training_data(capsys, tmp_path, case, arrays, message):
    data = write_data(tmp_path / "bad.npz", **arrays)
    out = tmp_path / "out.tflite"
    code, _, err = cli(capsys, "qat", MODEL, "--train", data, "--epochs", 1, "-o", out)
    assert code == 2, case
    assert err.startswith("error: ") and message in err and len(err.strip().splitlines()) == 1, err
    assert not out.exists() and list(tmp_path.iterdir()) == [data]


def test_bad_validation_data(capsys, tmp_path, small_train):
    data = write_data(tmp_path / "val.npz", x=np.zeros((4, 8, 8, 1), np.float32))
    out = tmp_path / "out.tflite"
    code, _, err = cli(capsys, "qat", MODEL, "--train", small_train, "--val", data, "--epochs", 1, "-o", out)
    assert code == 2 and "validation data has no labels" in err and not out.exists()


@pytest.mark.parametrize("flag,value,message", [("--epochs", 0, "--epochs must be at least 1"),
                                                 ("--lr", -1, "--lr must be positive"),
                                                 ("--batch", 0, "--batch must be at least 1")])
def test_bad_options(capsys, tmp_path, small_train, flag, value, message):
    out = tmp_path / "out.tflite"
    args = ["qat", MODEL, "--train", small_train, "--epochs", 1, "-o", out, flag, value]
    code, _, err = cli(capsys, *args)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1 and not out.exists()


def test_output_that_is_a_folder_is_refused_before_training(capsys, tmp_path, small_train):
    code, _, err = cli(capsys, "qat", MODEL, "--train", small_train, "--epochs", 1, "-o", tmp_path)
    assert code == 2 and "is a directory" in err and list(tmp_path.iterdir()) == []


def test_a_model_qat_cannot_express_lists_its_operators(capsys, tmp_path, small_train):
    b = GraphBuilder("exp")
    b.input("x", (1, 8, 8, 1), dtype="float32")
    b.tensor("e", (1, 8, 8, 1), dtype="float32")
    b.op("EXP", ["x"], ["e"])
    b.tensor("r", (1, 8, 8, 1), dtype="float32")
    b.op("RELU", ["e"], ["r"])
    b.tensor("t", (1, 8, 8, 1), dtype="float32")
    b.op("EXP", ["r"], ["t"])
    b.output("t")
    model = tmp_path / "exp.tflite"
    model.write_bytes(write_tflite(b.build()))
    out = tmp_path / "out.tflite"
    code, _, err = cli(capsys, "qat", model, "--train", small_train, "--epochs", 1, "-o", out)
    assert code == 2 and err.startswith("error: the model has 2 unsupported operator(s)")
    assert "#0 EXP" in err and "#2 EXP" in err and "RELU" not in err and not out.exists()


def test_check_expressible_names_every_operator_without_a_torch_form():
    from mcutool.errors import UnsupportedOpsError
    from mcutool.qat.checks import check_expressible
    b = GraphBuilder("g")
    b.input("x", (1, 4), dtype="float32")
    b.tensor("y", (1, 4), dtype="float32")
    b.op("DEQUANTIZE", ["x"], ["y"])
    b.tensor("z", (1, 4), dtype="float32")
    b.op("RELU", ["y"], ["z"])
    b.output("z")
    with pytest.raises(UnsupportedOpsError) as info:
        check_expressible(b.build())
    assert info.value.problems == [(0, "DEQUANTIZE", "has no quantization-aware training form in mcutool")]


def test_an_int8_model_is_refused(capsys, tmp_path, small_train):
    code, _, err = cli(capsys, "qat", ROOT / "examples" / "tiny_cnn.tflite", "--train", small_train,
                       "--epochs", 1, "-o", tmp_path / "o.tflite")
    assert code == 2 and "already quantized" in err


def test_without_torch_the_error_names_the_install_command(tmp_path, small_train):
    """The `qat` extra missing: torch made unimportable in a fresh interpreter."""
    out = tmp_path / "out.tflite"
    script = ("import sys; sys.modules['torch'] = None\n"
              "from mcutool.cli import main\n"
              f"main(['qat', {str(MODEL)!r}, '--train', {str(small_train)!r}, '--epochs', '1', '-o', {str(out)!r}])")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip() == ("error: quantization-aware training needs PyTorch, which is not installed: "
                                "pip install 'mcutool[qat]'")
    assert not out.exists()


def test_an_activation_without_a_leading_batch_of_one_is_refused():
    from mcutool.qat import QatError
    from mcutool.qat.checks import check_expressible
    b = GraphBuilder("g")
    b.input("x", (1, 64), dtype="float32")
    b.const("shape", np.array([2, 32], np.int32))
    b.tensor("r", (2, 32), dtype="float32")
    b.op("RESHAPE", ["x", "shape"], ["r"])
    b.output("r")
    with pytest.raises(QatError, match=r"'r' has shape \[2, 32\]"):
        check_expressible(b.build())
