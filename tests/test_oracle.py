"""The TFLite-Micro oracle wrapper: running models, batches, all tensors, arena size, errors."""
from __future__ import annotations

import sys

import numpy as np
import pytest

from mcutool.frontends.tflite import write_tflite
from mcutool.ir.builder import GraphBuilder
from mcutool.oracle import (
    OracleError,
    run_tflm,
    run_tflm_all_tensors,
    run_tflm_batch,
    tflm_arena_bytes,
)


def conv_relu_fc_model() -> tuple:
    """Per-channel CONV_2D (fused RELU) -> RESHAPE -> per-channel FULLY_CONNECTED, int8."""
    rng = np.random.default_rng(0)
    gb = GraphBuilder("conv_fc")
    gb.input("x", (1, 8, 8, 3), scale=0.05, zero_point=-3)
    w_scale = rng.uniform(0.005, 0.02, 4)
    gb.const("w", rng.integers(-127, 128, (4, 3, 3, 3), dtype=np.int8), scale=w_scale, zero_point=0, axis=0)
    gb.const("b", rng.integers(-500, 500, 4, dtype=np.int32), scale=0.05 * w_scale, zero_point=0, axis=0)
    gb.tensor("c", (1, 8, 8, 4), scale=0.08, zero_point=-128)
    gb.op("CONV_2D", ["x", "w", "b"], ["c"], activation="RELU")
    gb.tensor("r", (1, 256), scale=0.08, zero_point=-128)
    gb.op("RESHAPE", ["c"], ["r"])
    fw_scale = rng.uniform(0.001, 0.005, 10)
    gb.const("fw", rng.integers(-127, 128, (10, 256), dtype=np.int8), scale=fw_scale, zero_point=0, axis=0)
    gb.const("fb", rng.integers(-500, 500, 10, dtype=np.int32), scale=0.08 * fw_scale, zero_point=0, axis=0)
    gb.tensor("y", (1, 10), scale=0.25, zero_point=4)
    gb.op("FULLY_CONNECTED", ["r", "fw", "fb"], ["y"])
    gb.output("y")
    graph = gb.build()
    return graph, write_tflite(graph)


def _samples(n, seed=1):
    rng = np.random.default_rng(seed)
    return [[rng.integers(-128, 128, (1, 8, 8, 3), dtype=np.int8)] for _ in range(n)]


def test_run_tflm_returns_model_outputs(capfd):
    _graph, model = conv_relu_fc_model()
    (y,) = run_tflm(model, _samples(1)[0])
    assert y.shape == (1, 10) and y.dtype == np.int8
    assert capfd.readouterr().err == ""  # TFLM's fd-2 chatter is kept out of normal use


def test_batch_matches_single_runs_and_accepts_flat_inputs():
    _, model = conv_relu_fc_model()
    samples = _samples(5)
    batch = run_tflm_batch(model, samples)
    assert len(batch) == 5
    for sample, outputs in zip(samples, batch):
        assert np.array_equal(run_tflm(model, [sample[0].reshape(-1)])[0], outputs[0])
    assert not all(np.array_equal(batch[0][0], out[0]) for out in batch[1:])


def test_all_tensors_are_returned_by_name():
    graph, model = conv_relu_fc_model()
    sample = _samples(1)[0]
    tensors = run_tflm_all_tensors(model, sample)
    assert list(tensors) == list(graph.tensors)
    for name, value in tensors.items():
        assert value.shape == graph.tensors[name].shape, name
    assert np.array_equal(tensors["x"], sample[0])
    assert np.array_equal(tensors["w"], graph.tensors["w"].data)
    assert np.array_equal(tensors["y"], run_tflm(model, sample)[0])


def test_arena_bytes_is_enough_to_run(capfd):
    _, model = conv_relu_fc_model()
    arena = tflm_arena_bytes(model)
    assert 1000 < arena < 100_000
    run_tflm(model, _samples(1)[0], arena_size=arena + 1024)
    assert capfd.readouterr().err == ""


def test_default_arena_grows_for_large_activations():
    gb = GraphBuilder()
    gb.input("x", (1, 1024, 1024, 3), scale=0.1, zero_point=0)
    gb.tensor("y", (1, 1024, 1024, 3), scale=0.1, zero_point=0)
    gb.op("RELU", ["x"], ["y"])
    gb.output("y")
    x = np.full((1, 1024, 1024, 3), -5, np.int8)
    assert run_tflm(write_tflite(gb.build()), [x])[0].max() == 0  # needs > the 4 MiB first try


def test_too_small_arena():
    _, model = conv_relu_fc_model()
    with pytest.raises(OracleError, match="failed to allocate the model in a 1024-byte arena"):
        run_tflm(model, _samples(1)[0], arena_size=1024)
    with pytest.raises(OracleError, match="arena_size 100 is below the minimum"):
        run_tflm(model, _samples(1)[0], arena_size=100)


@pytest.mark.parametrize("inputs, message", [
    ([], "the model has 1 input"),
    ([np.zeros((1, 8, 8, 3), np.float32)], "dtype float32 but the model expects int8"),
    ([np.zeros((1, 8, 8, 2), np.int8)], r"shape \(1, 8, 8, 2\) but the model expects \(1, 8, 8, 3\)"),
])
def test_bad_inputs(inputs, message):
    _, model = conv_relu_fc_model()
    with pytest.raises(OracleError, match=message):
        run_tflm(model, inputs)


def _single_op_model(op_type):
    gb = GraphBuilder()
    gb.input("x", (1, 4), scale=0.1, zero_point=0)
    gb.tensor("y", (1, 4), scale=0.1, zero_point=0)
    gb.op(op_type, ["x"], ["y"])
    gb.output("y")
    return write_tflite(gb.build())


def test_unregistered_op_fails_to_load(capfd):
    with pytest.raises(OracleError, match=r"could not load the model.*registration.*CUSTOM"):
        run_tflm(_single_op_model("CUSTOM:NoSuchOp"), [np.zeros((1, 4), np.int8)])
    assert capfd.readouterr().err == ""


def test_kernel_failure_at_invoke():
    with pytest.raises(OracleError, match=r"failed to run the model.*SIN"):
        run_tflm(_single_op_model("SIN"), [np.zeros((1, 4), np.int8)])  # SIN is float only


def test_missing_tflite_micro(monkeypatch):
    monkeypatch.setitem(sys.modules, "tflite_micro", None)  # makes the import fail
    _, model = conv_relu_fc_model()
    with pytest.raises(OracleError, match="TFLite-Micro is not importable"):
        run_tflm(model, _samples(1)[0])
