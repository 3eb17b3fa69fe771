"""No traceback, ever: damaged data files and labels are one `error:` line with exit 2, a bug in
mcutool is one `internal error:` line with exit 3 (the traceback with --debug), Ctrl-C is one
line with exit 130."""
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from test_cli import pool_fc_graph
from test_harden_models import refused, run_cli

from mcutool import api
from mcutool.frontends.tflite import write_tflite

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "m.tflite"
    path.write_bytes(write_tflite(pool_fc_graph().build()))
    return path


@pytest.fixture
def float_model(tmp_path):
    path = tmp_path / "f.tflite"
    path.write_bytes(write_tflite(pool_fc_graph("float32").build()))
    return path


X = np.random.default_rng(1).uniform(-3, 3, (12, 8, 8, 2)).astype(np.float32)


# -- data files ---------------------------------------------------------------------------------
def test_object_array(capsys, tmp_path, model):
    p = tmp_path / "obj.npz"
    np.savez(p, x=np.array([1, "a", None], dtype=object))
    refused(capsys, "validate", model, "--data", p, match="array 'x' cannot be read (it holds Python objects")


def _npz_with_damage(tmp_path, where: str) -> Path:
    p = tmp_path / "d.npz"
    np.savez(p, x=X, y=np.arange(12) % 4)
    raw = bytearray(p.read_bytes())
    with zipfile.ZipFile(p) as z:
        info = z.getinfo("y.npy")
    if where == "crc":  # a byte of y's data: the CRC no longer matches
        raw[info.header_offset + 30 + len(info.filename) + 200] ^= 0xFF
    else:  # y's local header signature
        raw[info.header_offset:info.header_offset + 4] = b"JUNK"
    p.write_bytes(bytes(raw))
    return p


def test_bad_crc(capsys, tmp_path, model):
    refused(capsys, "validate", model, "--data", _npz_with_damage(tmp_path, "crc"),
            match="array 'y' cannot be read (Bad CRC-32")


def test_damaged_member_header(capsys, tmp_path, model):
    refused(capsys, "validate", model, "--data", _npz_with_damage(tmp_path, "header"),
            match="array 'y' cannot be read (Bad magic number for file header)")


def test_folder_as_data_file(capsys, tmp_path, model):
    refused(capsys, "validate", model, "--data", tmp_path, match="is a directory")


def test_text_file_as_data(capsys, tmp_path, model):
    p = tmp_path / "d.npz"
    p.write_text("1,2,3\n4,5,6\n")
    err = refused(capsys, "validate", model, "--data", p, match="is not a .npz or .npy file")
    assert "allow_pickle" not in err


@pytest.mark.parametrize("y, match", [
    (np.array(list("abcdabcdabcd")), "labels y must be integer classes, got dtype <U1"),
    (np.linspace(0, 3, 12), "labels y must be integer classes, got dtype float64"),
    (np.zeros((12, 2), np.int64), "one integer class per sample (shape [N]), got shape [12, 2]"),
    (np.arange(11) % 4, "labels y has 11 entries but x has 12 samples"),
    (np.arange(12) - 1, "labels y must be classes 0, 1, 2, ...; found -1"),
    (np.arange(12), "labels y go up to 11 but the model has 4 output classes"),
])
def test_quantize_report_labels(capsys, tmp_path, float_model, y, match):
    p = tmp_path / "c.npz"
    np.savez(p, x=X, y=y)
    refused(capsys, "quantize", float_model, "--calib", p, "-o", tmp_path / "q.tflite", "--report", match=match)
    assert not (tmp_path / "q.tflite").exists()


def test_good_labels_still_report_accuracy(capsys, tmp_path, float_model):
    p = tmp_path / "c.npz"
    np.savez(p, x=X, y=(np.arange(12) % 4).reshape(12, 1))
    code, out, err = run_cli(capsys, "quantize", float_model, "--calib", p, "-o", tmp_path / "q.tflite", "--report")
    assert code == 0 and "top-1 accuracy" in out, err


# -- internal errors -------------------------------------------------------------------------------
def _broken_load_model(path):
    raise ZeroDivisionError("float division by zero")


def test_internal_error_is_one_line_exit_3(capsys, monkeypatch, model):
    # A fault injected where a bug would surface: the real CLI wrapper handles it.
    monkeypatch.setattr(api, "load_model", _broken_load_model)
    code, _out, err = run_cli(capsys, "inspect", model)
    assert code == 3
    assert err == ("internal error: ZeroDivisionError: float division by zero (a bug in mcutool; "
                   "rerun with --debug to see the traceback)\n")
    code, _out, err = run_cli(capsys, "inspect", model, "--debug")
    assert code == 3
    assert err.startswith("Traceback (most recent call last):") and "_broken_load_model" in err
    assert err.endswith("internal error: ZeroDivisionError: float division by zero (a bug in mcutool)\n")
    code, _out, err = run_cli(capsys, "--debug", "inspect", model)
    assert code == 3 and "Traceback" in err


def test_debug_is_harmless_without_an_error(capsys, model):
    code, out, _err = run_cli(capsys, "--debug", "inspect", model)
    assert code == 0 and "FULLY_CONNECTED" in out


# -- Ctrl-C ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("delay", [0.15, 0.4, 0.8, pytest.param(1.5, marks=pytest.mark.slow)])
def test_ctrl_c_is_one_line_exit_130(tmp_path, model, delay):
    """SIGINT while the modules load, while the model is compiled or the C written."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "mcutool", "generate", str(model), "-o", str(tmp_path / "gen")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    if proc.returncode == 0:  # done before the signal
        assert err == ""
        return
    # 130, or death by SIGINT (which a shell also reports as 130) when the signal lands while
    # the interpreter shuts down: never a traceback, at most the one line.
    assert proc.returncode in (130, -signal.SIGINT), err
    assert err in ("interrupted\n", "") and (err or proc.returncode == -signal.SIGINT)
    assert not list(tmp_path.glob(".gen.*"))


def _out_of_memory(path):
    raise MemoryError()


def test_out_of_memory_is_an_error_not_a_bug(capsys, monkeypatch, model):
    monkeypatch.setattr(api, "load_model", _out_of_memory)
    code, _out, err = run_cli(capsys, "inspect", model)
    assert (code, err) == (2, "error: out of memory: the model or the data is too large for this machine\n")
