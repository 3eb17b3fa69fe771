"""Every malformed model of issue 10 through the command line: exit status 2 and one `error:`
line that names the operator, the tensor and the rule; never a traceback, never C."""
import numpy as np
import pytest
from clirun import cli as run_cli

from mcutool.frontends.tflite import write_tflite
from mcutool.ir import Conv2DAttrs, FullyConnectedAttrs, Pool2DAttrs
from mcutool.ir.builder import GraphBuilder


def refused(capsys, *args, match: str) -> str:
    code, out, err = run_cli(capsys, *args)
    assert code == 2, (out, err)
    assert "Traceback" not in err and err.startswith("error: ") and err.count("\n") == 1, err
    assert match in err, err
    return err


def save(tmp_path, b: GraphBuilder, name: str = "bad.tflite"):
    """Write the graph as it is: no sorting or checking, as a damaged file would be."""
    path = tmp_path / name
    path.write_bytes(write_tflite(b.graph))
    return path


def conv_model(w_scale=0.01, x_zp=0, dtype="int8", stride=1, dilation=1, w_data=None, y_shape=(1, 6, 6, 2)):
    """x[1,8,8,1] -> CONV_2D 3x3 (2 filters) -> y; int8 or float."""
    b = GraphBuilder("conv")
    q = (lambda s, z: dict(scale=s, zero_point=z)) if dtype == "int8" else (lambda s, z: {})
    b.input("x", (1, 8, 8, 1), dtype=dtype, **q(0.05, x_zp))
    rng = np.random.default_rng(0)
    if dtype == "int8":
        w = rng.integers(-127, 128, (2, 3, 3, 1)).astype(np.int8) if w_data is None else w_data
        b.const("w", w, scale=np.full(2, w_scale, np.float32), zero_point=0, axis=0)
        b.const("b", np.zeros(2, np.int32), scale=np.full(2, 0.05 * w_scale, np.float32), zero_point=0, axis=0)
    else:
        b.const("w", rng.normal(size=(2, 3, 3, 1)).astype(np.float32) if w_data is None else w_data)
        b.const("b", np.zeros(2, np.float32))
    b.tensor("y", y_shape, dtype=dtype, **q(0.1, 0))
    b.op("CONV_2D", ["x", "w", "b"], ["y"], Conv2DAttrs(stride, stride, dilation, dilation, "VALID"))
    b.output("y")
    return b


@pytest.fixture
def calib(tmp_path):
    path = tmp_path / "calib.npz"
    np.savez(path, x=np.random.default_rng(1).uniform(-1, 1, (4, 1, 8, 8, 1)).astype(np.float32))
    return path


def test_a_good_model_still_generates(capsys, tmp_path):
    code, _out, err = run_cli(capsys, "generate", save(tmp_path, conv_model()), "-o", tmp_path / "gen")
    assert code == 0, err


# -- operator inputs and outputs ---------------------------------------------------------------
def test_required_input_of_minus_one(capsys, tmp_path):
    b = GraphBuilder("pad")
    b.input("x", (1, 4, 4, 1), scale=0.05, zero_point=0)
    b.tensor("y", (1, 6, 6, 1), scale=0.05, zero_point=0)
    b.op("PAD", ["x", ""], ["y"])
    b.output("y")
    refused(capsys, "generate", save(tmp_path, b), "-o", tmp_path / "gen",
            match="operator #0 PAD: input 1 is absent (-1) but PAD requires it")


def test_operator_without_inputs(capsys, tmp_path):
    b = GraphBuilder("noinputs")
    b.input("x", (1, 4, 4, 1), scale=0.05, zero_point=0)
    b.tensor("y", (1, 2, 2, 1), scale=0.05, zero_point=0)
    b.op("MAX_POOL_2D", [], ["y"], Pool2DAttrs())
    b.output("y")
    refused(capsys, "inspect", save(tmp_path, b), match="operator #0 MAX_POOL_2D: has 0 input(s); MAX_POOL_2D takes 1")


def test_operators_stored_in_reverse_order(capsys, tmp_path):
    # 3,000 operators: a recursive topological sort overflowed Python's stack on these.
    b = GraphBuilder("reversed")
    b.input("t0", (1, 4), scale=0.05, zero_point=0)
    for i in range(3000):
        b.tensor(f"t{i + 1}", (1, 4), scale=0.05, zero_point=0)
        b.op("RELU", [f"t{i}"], [f"t{i + 1}"])
    b.output("t3000")
    b.graph.operators.reverse()
    refused(capsys, "inspect", save(tmp_path, b), match="operator #0 RELU reads tensor 't2999' before operator #1")


# -- shapes and sizes ---------------------------------------------------------------------------
def test_element_count_that_wraps_int64(capsys, tmp_path):
    b = GraphBuilder("huge")
    b.input("x", (65536, 65536, 65536, 65536), scale=0.05, zero_point=0)
    b.tensor("y", (65536, 65536, 65536, 65536), scale=0.05, zero_point=0)
    b.op("RELU", ["x"], ["y"])
    b.output("y")
    refused(capsys, "generate", save(tmp_path, b), "-o", tmp_path / "gen",
            match="operator #0 RELU: input 0 'x': shape [65536, 65536, 65536, 65536] of int8 is "
                  "18,446,744,073,709,551,616 bytes; tensors must be under 2^31 bytes")
    assert not (tmp_path / "gen").exists()


def test_shapes_that_do_not_match_the_operator(capsys, tmp_path, calib):
    refused(capsys, "quantize", save(tmp_path, conv_model(dtype="float32", y_shape=(1, 5, 6, 2))),
            "--calib", calib, "-o", tmp_path / "q.tflite",
            match="operator #0 CONV_2D: output 'y': shape [1, 5, 6, 2] should be [1, 6, 6, ...]")
    b = GraphBuilder("add")
    b.input("a", (1, 4, 3), dtype="float32")
    b.input("c", (1, 4, 2), dtype="float32")
    b.tensor("y", (1, 4, 3), dtype="float32")
    b.op("ADD", ["a", "c"], ["y"])
    b.output("y")
    refused(capsys, "inspect", save(tmp_path, b, "add.tflite"),
            match="operator #0 ADD: input 1 'c': shape [1, 4, 2] does not broadcast with [1, 4, 3]")


# -- float path -----------------------------------------------------------------------------------
def test_stride_zero(capsys, tmp_path, calib):
    refused(capsys, "quantize", save(tmp_path, conv_model(dtype="float32", stride=0)),
            "--calib", calib, "-o", tmp_path / "q.tflite",
            match="operator #0 CONV_2D: input 'x': stride_h 0 must be between 1 and 8")


def test_huge_dilation(capsys, tmp_path, calib):
    refused(capsys, "quantize", save(tmp_path, conv_model(dtype="float32", dilation=2**31 - 1)),
            "--calib", calib, "-o", tmp_path / "q.tflite",
            match="operator #0 CONV_2D: input 'x': dilation_h 2147483647 must be between 1 and 8")


@pytest.mark.parametrize("method", ["minmax", "percentile"])
def test_nan_weights(capsys, tmp_path, calib, method):
    w = np.random.default_rng(0).normal(size=(2, 3, 3, 1)).astype(np.float32)
    w[1, 0, 0, 0] = np.nan
    refused(capsys, "quantize", save(tmp_path, conv_model(dtype="float32", w_data=w)), "--calib", calib,
            "--method", method, "-o", tmp_path / "q.tflite",
            match="operator #0 CONV_2D: input 1 'w': constant has 1 NaN or infinite value(s); "
                  "float weights must be finite")
    assert not (tmp_path / "q.tflite").exists()


# -- int8 quantization parameters ----------------------------------------------------------------
@pytest.mark.parametrize("scale, shift", [(1e10, 33), (3.4e38, 127)])
def test_weight_scale_whose_shift_the_c_cannot_do(capsys, tmp_path, scale, shift):
    refused(capsys, "generate", save(tmp_path, conv_model(w_scale=scale)), "-o", tmp_path / "gen",
            match=f"operator #0 CONV_2D: tensor 'w': effective scale input * weight / output = "
                  f"{0.05 * np.float32(scale) / 0.1:g} (channel 0) needs a left shift of {shift}; "
                  "the C kernels shift by at most 31")


@pytest.mark.parametrize("scale", [0.0, -0.5, float("inf"), float("nan")])
def test_weight_scale_not_positive(capsys, tmp_path, scale):
    refused(capsys, "generate", save(tmp_path, conv_model(w_scale=scale)), "-o", tmp_path / "gen",
            match="operator #0 CONV_2D: input 1 'w': scale")
    code, _out, err = run_cli(capsys, "inspect", save(tmp_path, conv_model(w_scale=scale)))
    assert code == 2 and "is not a finite positive number" in err


def test_activation_zero_point_outside_int8(capsys, tmp_path):
    refused(capsys, "generate", save(tmp_path, conv_model(x_zp=-1000)), "-o", tmp_path / "gen",
            match="operator #0 CONV_2D: input 0 'x': zero point -1000 is outside int8 [-128, 127]")


def test_fully_connected_rows(capsys, tmp_path):
    b = GraphBuilder("fc")
    b.input("x", (1, 10), scale=0.05, zero_point=0)
    b.const("w", np.ones((4, 8), np.int8), scale=0.01, zero_point=0)
    b.tensor("y", (1, 4), scale=0.1, zero_point=0)
    b.op("FULLY_CONNECTED", ["x", "w"], ["y"], FullyConnectedAttrs())
    b.output("y")
    refused(capsys, "inspect", save(tmp_path, b),
            match="operator #0 FULLY_CONNECTED: input 0 'x': shape [1, 10] does not hold 1 row(s) of depth 8")


def test_too_many_tensors_is_refused_with_the_limit(capsys, tmp_path, monkeypatch):
    # The limit (100,000) lowered so that the test writes a small file; 10^6 tensors took 304 s.
    from mcutool.frontends.tflite import reader
    monkeypatch.setattr(reader, "MAX_ITEMS", 50)
    MAX_ITEMS = reader.MAX_ITEMS
    b = GraphBuilder("many")
    b.input("x", (1, 1), scale=0.05, zero_point=0)
    b.tensor("y", (1, 1), scale=0.05, zero_point=0)
    b.op("RELU", ["x"], ["y"])
    b.output("y")
    for i in range(MAX_ITEMS):
        b.tensor(f"u{i}", (1,), scale=0.05, zero_point=0)
    refused(capsys, "inspect", save(tmp_path, b),
            match=f"the model has {MAX_ITEMS + 2:,} tensors; mcutool reads at most {MAX_ITEMS:,}")


def test_int32_accumulator_overflow(capsys, tmp_path):
    depth = 70_000  # 70,000 products of up to 255 * 128 exceed 2^31 - 1
    b = GraphBuilder("fc")
    b.input("x", (1, depth), scale=0.05, zero_point=0)
    b.const("w", np.ones((2, depth), np.int8), scale=0.01, zero_point=0)
    b.tensor("y", (1, 2), scale=0.1, zero_point=0)
    b.op("FULLY_CONNECTED", ["x", "w"], ["y"], FullyConnectedAttrs())
    b.output("y")
    refused(capsys, "generate", save(tmp_path, b), "-o", tmp_path / "gen",
            match="operator #0 FULLY_CONNECTED: tensor 'w': sums 70,000 products (and a bias) into an int32 "
                  "accumulator: up to 2,284,800,000, more than 2^31-1")


def test_activation_rescale_whose_shift_the_c_cannot_do(capsys, tmp_path):
    b = GraphBuilder("relu")
    b.input("x", (1, 4), scale=1e6, zero_point=0)
    b.tensor("y", (1, 4), scale=1e-6, zero_point=0)
    b.op("RELU", ["x"], ["y"])
    b.output("y")
    refused(capsys, "generate", save(tmp_path, b), "-o", tmp_path / "gen",
            match="operator #0 RELU: tensor 'y': effective scale input / output = 1e+12 needs a left shift "
                  "of 40; the C kernels shift by at most 31")


def test_mean_output_that_is_not_the_reduced_shape(capsys, tmp_path):
    b = GraphBuilder("mean")
    b.input("x", (1, 4, 4, 3), dtype="float32")
    b.const("axes", np.array([1, 2], np.int32))
    b.tensor("y", (1, 4), dtype="float32")
    b.op("MEAN", ["x", "axes"], ["y"])
    b.output("y")
    refused(capsys, "inspect", save(tmp_path, b),
            match="operator #0 MEAN: output 'y': shape [1, 4] does not hold the 3 mean(s) of [1, 4, 4, 3] "
                  "over axes [1, 2]")
