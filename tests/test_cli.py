"""The command line end to end, and every bad input: exit status 2 and one clear message."""
import json

import numpy as np
import pytest
from clirun import cli

from mcutool.frontends.tflite import write_tflite
from mcutool.ir import FullyConnectedAttrs, Pool2DAttrs
from mcutool.ir.builder import GraphBuilder


def pool_fc_graph(dtype: str = "int8") -> GraphBuilder:
    b = GraphBuilder("pool_fc")
    q = dict(scale=0.05, zero_point=-3) if dtype == "int8" else {}
    b.input("x", (1, 8, 8, 2), dtype=dtype, **q)
    b.tensor("p", (1, 4, 4, 2), dtype=dtype, **q)
    b.op("MAX_POOL_2D", ["x"], ["p"], Pool2DAttrs(2, 2, 2, 2, "VALID"))
    b.const("shape", np.array([1, 32], np.int32))
    b.tensor("flat", (1, 32), dtype=dtype, **q)
    b.op("RESHAPE", ["p", "shape"], ["flat"])
    rng = np.random.default_rng(0)
    if dtype == "int8":
        b.const("w", rng.integers(-127, 128, (4, 32)).astype(np.int8), scale=np.full(4, 0.01, np.float32),
                zero_point=0, axis=0)
        b.const("b", rng.integers(-500, 500, 4).astype(np.int32), scale=np.full(4, 0.0005, np.float32),
                zero_point=0, axis=0)
        b.tensor("y", (1, 4), scale=0.1, zero_point=1)
    else:
        b.const("w", rng.normal(size=(4, 32)).astype(np.float32))
        b.const("b", rng.normal(size=4).astype(np.float32))
        b.tensor("y", (1, 4), dtype="float32")
    b.op("FULLY_CONNECTED", ["flat", "w", "b"], ["y"], FullyConnectedAttrs())
    b.output("y")
    return b


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "m.tflite"
    path.write_bytes(write_tflite(pool_fc_graph().build()))
    return path


@pytest.fixture
def data(tmp_path):
    rng = np.random.default_rng(1)
    path = tmp_path / "d.npz"
    np.savez(path, x=rng.uniform(-6, 6, (12, 8, 8, 2)).astype(np.float32), y=rng.integers(0, 4, 12))
    return path


def test_inspect_json(capsys, model):
    code, out, _ = cli(capsys, "inspect", model, "--json")
    info = json.loads(out)
    assert code == 0
    assert [op["type"] for op in info["ops"]] == ["MAX_POOL_2D", "RESHAPE", "FULLY_CONNECTED"]
    assert info["macs"] == 4 * 2 * 16 + 4 * 32
    assert info["weight_bytes"] == 4 * 32 + 4 * 4 + 2 * 4
    assert info["arena_bytes"] > 0


def test_inspect_table(capsys, model):
    code, out, _ = cli(capsys, "inspect", model)
    assert code == 0 and "FULLY_CONNECTED" in out and "planned arena" in out


def test_generate_run_validate(capsys, tmp_path, model, data):
    code, out, _ = cli(capsys, "generate", model, "-o", tmp_path / "gen")
    assert code == 0 and "arena" in out
    code, out, _ = cli(capsys, "run", tmp_path / "gen", "--board", "host", "--input", data, "-o", tmp_path / "y.npy")
    assert code == 0 and "sample 0" in out
    assert np.load(tmp_path / "y.npy").shape == (12, 1, 4)
    code, out, _ = cli(capsys, "validate", model, "--board", "host", "--data", data, "--json")
    report = json.loads(out)
    assert code == 0
    assert report["samples"] == 12 and report["mismatches"] == 0 and report["max_abs_diff"] == 0
    assert report["accuracy"] == report["reference_accuracy"]
    assert report["arena_bytes"] > 0


def test_validate_layers_names_every_layer(capsys, model, data):
    code, out, _ = cli(capsys, "validate", model, "--data", data, "--layers")
    assert code == 0
    assert "every layer matches" in out and "#2" in out


def test_python_dash_m(model):
    import subprocess
    import sys
    proc = subprocess.run([sys.executable, "-m", "mcutool", "inspect", str(model)], capture_output=True, text=True)
    assert proc.returncode == 0 and "MAX_POOL_2D" in proc.stdout


def bad(capsys, *args, match: str):
    code, out, err = cli(capsys, *args)
    assert code == 2, (out, err)
    assert "Traceback" not in err
    assert match in err, err
    return err


def test_missing_model(capsys, tmp_path):
    bad(capsys, "inspect", tmp_path / "nope.tflite", match="nope.tflite")


def test_not_a_flatbuffer(capsys, tmp_path):
    p = tmp_path / "junk.tflite"
    p.write_bytes(b"\x00\x01garbage" * 10)
    bad(capsys, "inspect", p, match="error:")


def test_truncated_model(capsys, tmp_path, model):
    p = tmp_path / "cut.tflite"
    p.write_bytes(model.read_bytes()[:300])
    err = bad(capsys, "inspect", p, match="error:")
    assert "truncated" in err or "corrupt" in err


def test_wrong_file_type(capsys, tmp_path):
    p = tmp_path / "model.onnx"
    p.write_bytes(b"\x08\x07\x12\x07pytorch\x1a\x052.1.0" + b"\x00" * 64)
    err = bad(capsys, "inspect", p, match="error:")
    assert "ONNX" in err or "not a .tflite" in err


def test_unsupported_ops_are_all_listed(capsys, tmp_path):
    b = GraphBuilder("odd")
    b.input("x", (1, 4), scale=0.1, zero_point=0)
    b.tensor("a", (1, 4), scale=0.1, zero_point=0)
    b.tensor("c", (1, 4), scale=0.1, zero_point=0)
    b.tensor("d", (1, 4), scale=0.1, zero_point=0)
    b.op("ABS", ["x"], ["a"])
    b.op("RELU", ["a"], ["c"])
    b.op("NEG", ["c"], ["d"])
    b.output("d")
    p = tmp_path / "odd.tflite"
    p.write_bytes(write_tflite(b.build()))
    err = bad(capsys, "generate", p, "-o", tmp_path / "gen", match="2 unsupported operator")
    assert "#0 ABS" in err and "#2 NEG" in err
    assert not (tmp_path / "gen").exists()


def test_float_model_needs_quantization(capsys, tmp_path):
    p = tmp_path / "float.tflite"
    p.write_bytes(write_tflite(pool_fc_graph("float32").build()))
    err = bad(capsys, "generate", p, "-o", tmp_path / "gen", match="float model")
    assert "mcutool quantize" in err and "--calib" in err
    assert not (tmp_path / "gen").exists()


def test_dynamic_shape(capsys, tmp_path):
    g = pool_fc_graph().build()
    g.tensors["p"].shape = (1, -1, 4, 2)
    p = tmp_path / "dyn.tflite"
    p.write_bytes(write_tflite(g))
    bad(capsys, "inspect", p, match="dynamic")


def test_five_dimensional_activation(capsys, tmp_path):
    b = GraphBuilder("5d")
    b.input("x", (1, 2, 2, 2, 2), scale=0.1, zero_point=0)
    b.tensor("y", (1, 2, 2, 2, 2), scale=0.1, zero_point=0)
    b.op("RELU", ["x"], ["y"])
    b.output("y")
    p = tmp_path / "5d.tflite"
    p.write_bytes(write_tflite(b.graph))
    bad(capsys, "inspect", p, match="at most 4")


@pytest.mark.parametrize("x, match", [
    (np.zeros((3, 5, 5, 2), np.float32), "shape"),
    (np.array(["a", "b"]), "numbers"),
    (np.zeros((0, 8, 8, 2), np.float32), "empty"),
    (np.full((2, 8, 8, 2), np.nan, np.float32), "NaN"),
])
def test_bad_data(capsys, tmp_path, model, x, match):
    p = tmp_path / "bad.npz"
    np.savez(p, x=x)
    bad(capsys, "validate", model, "--data", p, match=match)


def test_data_without_x(capsys, tmp_path, model):
    p = tmp_path / "bad.npz"
    np.savez(p, images=np.zeros((1, 8, 8, 2)))
    bad(capsys, "validate", model, "--data", p, match="no array named 'x'")


def test_run_on_a_folder_that_is_not_generated(capsys, tmp_path, data):
    (tmp_path / "empty").mkdir()
    bad(capsys, "run", tmp_path / "empty", "--input", data, match="mcutool generate")


def test_unknown_board(capsys, tmp_path, model):
    bad(capsys, "generate", model, "-o", tmp_path / "g", "--board", "nosuchboard", match="nosuchboard")


def test_run_with_a_npy_file(capsys, tmp_path, model):
    code, _, _ = cli(capsys, "generate", model, "-o", tmp_path / "gen")
    x = tmp_path / "x.npy"
    np.save(x, np.random.default_rng(0).uniform(-3, 3, (3, 8, 8, 2)).astype(np.float32))
    code, out, _ = cli(capsys, "run", tmp_path / "gen", "--input", x)
    assert code == 0 and "sample 2" in out
    np.save(x, np.zeros((8, 8, 2), np.float32))  # one sample without its batch dimension
    code, out, _ = cli(capsys, "run", tmp_path / "gen", "--input", x)
    assert code == 0 and "sample 0" in out and "sample 1" not in out


@pytest.mark.parametrize("y, match", [(np.eye(4)[[0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]], "one integer class"),
                                      (np.int64(3), "one integer class"),
                                      (np.arange(5), "5 entries")])
def test_bad_labels(capsys, tmp_path, model, y, match):
    p = tmp_path / "bad.npz"
    np.savez(p, x=np.zeros((12, 8, 8, 2), np.float32), y=y)
    bad(capsys, "validate", model, "--data", p, match=match)


def test_denormal_scale_is_a_clear_error(capsys, tmp_path):
    b = GraphBuilder("tiny_scale")
    b.input("x", (1, 4, 4, 1), scale=1e-39, zero_point=0)
    b.tensor("y", (1, 2, 2, 1), scale=1e-39, zero_point=0)
    b.op("MAX_POOL_2D", ["x"], ["y"], Pool2DAttrs(2, 2, 2, 2, "VALID", activation="RELU6"))
    b.output("y")
    p = tmp_path / "t.tflite"
    p.write_bytes(write_tflite(b.build()))
    bad(capsys, "generate", p, "-o", tmp_path / "gen", match="#0 MAX_POOL_2D: invalid quantization parameters")


def test_a_two_input_model_through_the_cli(capsys, tmp_path):
    from test_models import mixed_io_graph
    model = tmp_path / "mixed.tflite"
    model.write_bytes(write_tflite(mixed_io_graph()))
    rng = np.random.default_rng(5)
    data = tmp_path / "d.npz"
    np.savez(data, x=rng.uniform(-3, 3, (7, 1, 5)).astype(np.float32),
             x1=rng.integers(-128, 128, (7, 1, 5)).astype(np.int8))
    code, out, _ = cli(capsys, "validate", model, "--data", data, "--json", "--layers")
    report = json.loads(out)
    assert code == 0 and report["samples"] == 7 and report["mismatches"] == 0
    code, out, _ = cli(capsys, "generate", model, "-o", tmp_path / "gen")
    code, out, _ = cli(capsys, "run", tmp_path / "gen", "--input", data)
    assert code == 0 and "sample 6" in out
    np.savez(data, x=np.zeros((7, 1, 5), np.float32))
    bad(capsys, "validate", model, "--data", data, match="2 input(s) but the data has 1")
    np.savez(data, x=np.zeros((7, 1, 5), np.float32), x1=np.zeros((6, 1, 5), np.int8))
    bad(capsys, "validate", model, "--data", data, match="different numbers of samples")
