"""`mcutool qat` under torchrun with 2 processes (DistributedDataParallel, gloo on the CPU):
rank 0 alone writes and prints, and the model is the same kind as a single process makes;
with --flash-budget every process runs the same search and trains the same formats."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT

from mcutool.api import float_ops, load_model
from mcutool.lower import lower_graph


@pytest.mark.slow  # two interpreters importing torch and searching the budget, about 12 s
def test_qat_under_torchrun_with_two_processes(tmp_path):
    d = np.load(ROOT / "examples" / "digits_train.npz")
    train = tmp_path / "train.npz"
    np.savez(train, x=d["x"][:400], y=d["y"][:400])
    out = tmp_path / "q.tflite"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    # --standalone: a free rendezvous port, so parallel runs on one machine do not collide
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
           "-m", "mcutool", "qat", str(ROOT / "examples" / "digits_cnn_float.tflite"), "--train", str(train),
           "--val", str(ROOT / "examples" / "digits_test.npz"), "--epochs", "2", "--flash-budget", "1800",
           "-o", str(out), "--json"]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    start = r.stdout.index("{")
    report = json.loads(r.stdout[start:])  # printed once, by rank 0
    assert r.stdout.count('"output"') == 1
    assert report["world_size"] == 2 and report["output"] == str(out)
    assert report["accuracy"]["qat"] > 0.95 and abs(report["accuracy"]["float"] - 0.987) < 0.001
    graph = load_model(out)
    assert not float_ops(graph)
    lower_graph(graph)
    formats = report["layer_formats"]
    assert formats == report["budget"]["choice"] and set(formats.values()) - {"int8"}
    assert report["weight_bytes"]["qat"] <= report["budget"]["weight_bytes"] <= 1800
    for op in graph.operators:
        if formats.get(op.name) == "int4":
            w = graph.tensors[op.inputs[1]]
            assert w.dtype == "int4" and np.abs(w.data).max() <= 7
    assert sorted(p.name for p in tmp_path.iterdir()) == ["q.tflite", "train.npz"]


@pytest.mark.slow  # starts torchrun and two processes
def test_bad_input_under_torchrun_is_reported_once(tmp_path):
    """Every process meets the same bad option; rank 0 prints the one error line."""
    d = np.load(ROOT / "examples" / "digits_train.npz")
    train = tmp_path / "train.npz"
    np.savez(train, x=d["x"][:50], y=d["y"][:50])
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
           "-m", "mcutool", "qat", str(ROOT / "examples" / "digits_cnn_float.tflite"), "--train", str(train),
           "--epochs", "1", "--flash-budget", "0", "-o", str(tmp_path / "q.tflite")]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path)
    assert r.returncode != 0
    assert r.stderr.count("error: --flash-budget must be at least 1 byte, got 0") == 1, r.stderr[-3000:]
    assert not (tmp_path / "q.tflite").exists()
