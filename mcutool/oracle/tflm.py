"""TFLite-Micro's interpreter (the `tflite_micro` pip package) as the bit-exact oracle.

TFLM reports problems by printing to file descriptor 2 from C++, which Python's sys.stderr
redirection cannot catch. Every call into it here runs with fd 2 redirected to a temporary
file, so normal use is quiet and failures carry TFLM's own words in the McutoolError.

Pitfalls handled here (tflite-micro 0.dev20261023182759):
- A tiny arena crashes the process instead of raising, so arenas under MIN_ARENA_BYTES are
  refused; with arena_size=None the arena starts at 4 MiB (or 10x the model) and grows on
  allocation failure.
- GetTensor with an out-of-range index segfaults, so indices are checked first.
- The interpreter is stateless for the ops mcutool handles, but run_tflm_batch still calls
  reset() between samples (it costs about a microsecond) in case a model has variable tensors.
"""
from __future__ import annotations

import os
import re
import sys
import tempfile
from contextlib import contextmanager

import numpy as np
import tflite

from mcutool.errors import McutoolError

MIN_ARENA_BYTES = 1024
_DEFAULT_ARENA_BYTES = 4 << 20
_MAX_ARENA_BYTES = 1 << 30
_ARENA_TOTAL = re.compile(r"Arena allocation total (\d+) bytes")


class OracleError(McutoolError):
    """TFLite-Micro is missing, or could not load or run the model."""


def run_tflm(model: bytes, inputs: list[np.ndarray], arena_size: int | None = None) -> list[np.ndarray]:
    """Run one sample; returns the model outputs as TFLM gives them (shape and dtype)."""
    return run_tflm_batch(model, [inputs], arena_size)[0]


def run_tflm_batch(model: bytes, samples: list[list[np.ndarray]],
                   arena_size: int | None = None) -> list[list[np.ndarray]]:
    """Run many samples through one interpreter; one list of outputs per sample."""
    interpreter = _make_interpreter(model, arena_size)
    n_in, n_out = _io_counts(model)
    results = []
    for k, sample in enumerate(samples):
        if k:
            interpreter.reset()
        _invoke(interpreter, sample, n_in)
        results.append([interpreter.get_output(i) for i in range(n_out)])
    return results


def run_tflm_all_tensors(model: bytes, inputs: list[np.ndarray],
                         arena_size: int | None = None) -> dict[str, np.ndarray]:
    """Run one sample keeping every tensor; tensor name (as read_tflite names it) -> value."""
    from mcutool.frontends.tflite import read_tflite  # the oracle package stays light to import

    names = list(read_tflite(model).tensors)
    runtime = _runtime()
    interpreter = _make_interpreter(model, arena_size, runtime.InterpreterConfig.kPreserveAllTensors)
    _invoke(interpreter, inputs, _io_counts(model)[0])
    with _quiet_fd2():
        return {name: np.array(interpreter.GetTensor(i, 0)["tensor_data"]) for i, name in enumerate(names)}


def tflm_arena_bytes(model: bytes, arena_size: int | None = None) -> int:
    """Arena bytes TFLM's RecordingMicroAllocator reports after one invoke on zero inputs.

    This is what stays allocated; fully connected layers briefly need more during allocation.
    """
    interpreter = _make_interpreter(model, arena_size)
    n_in, _ = _io_counts(model)
    zeros = []
    for i in range(n_in):
        details = interpreter.get_input_details(i)
        zeros.append(np.zeros(details["shape"], details["dtype"]))
    _invoke(interpreter, zeros, n_in)
    with _quiet_fd2() as report:
        interpreter.print_allocations()
    match = _ARENA_TOTAL.search(report.text)
    if not match:
        raise OracleError(f"TFLM printed no arena total; it printed: {report.text.strip()[:300]!r}")
    return int(match.group(1))


# -- internals -----------------------------------------------------------------------------------
def _runtime():
    try:
        from tflite_micro import runtime
    except ImportError as err:
        raise OracleError(
            f"TFLite-Micro is not importable ({err}); install it with `pip install --pre tflite-micro`"
        ) from None
    return runtime


class _Captured:
    text = ""


@contextmanager
def _quiet_fd2():
    """Send fd 2 to a temporary file for the duration; the text is in the yielded object."""
    captured = _Captured()
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as tmp:
        os.dup2(tmp.fileno(), 2)
        try:
            yield captured
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            tmp.seek(0)
            captured.text = tmp.read().decode("utf-8", "replace")


def _tflm_said(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return ("; TFLM said: " + " | ".join(lines[-4:])) if lines else ""


def _make_interpreter(model: bytes, arena_size: int | None, config=None):
    runtime = _runtime()
    config = config if config is not None else runtime.InterpreterConfig.kAllocationRecording
    if arena_size is not None and arena_size < MIN_ARENA_BYTES:
        raise OracleError(
            f"arena_size {arena_size} is below the minimum of {MIN_ARENA_BYTES} bytes "
            f"(TFLM crashes instead of failing cleanly on tiny arenas)"
        )
    size = arena_size or max(_DEFAULT_ARENA_BYTES, 10 * len(model))
    while True:
        with _quiet_fd2() as log:
            try:
                return runtime.Interpreter.from_bytes(
                    bytes(model), arena_size=size, intrepreter_config=config  # sic: package spelling
                )
            except Exception as err:
                failure = err
        # TFLM raises the same RuntimeError for every Prepare failure; only its log tells an
        # arena shortage ("... available N, missing: M") from e.g. an unregistered op.
        out_of_memory = "missing:" in log.text
        if out_of_memory and arena_size is None and size * 8 <= _MAX_ARENA_BYTES:
            size *= 8
            continue
        if out_of_memory:
            raise OracleError(
                f"TFLM failed to allocate the model in a {size}-byte arena{_tflm_said(log.text)}"
            ) from None
        raise OracleError(f"TFLM could not load the model ({failure}){_tflm_said(log.text)}") from None


def _io_counts(model: bytes) -> tuple[int, int]:
    subgraph = tflite.Model.GetRootAs(model, 0).Subgraphs(0)
    return subgraph.InputsLength(), subgraph.OutputsLength()


def _invoke(interpreter, inputs: list[np.ndarray], n_inputs: int) -> None:
    if len(inputs) != n_inputs:
        raise OracleError(f"the model has {n_inputs} input(s) but {len(inputs)} were given")
    for i, value in enumerate(inputs):
        details = interpreter.get_input_details(i)
        value = np.asarray(value)
        if value.dtype != np.dtype(details["dtype"]):
            raise OracleError(
                f"input {i} has dtype {value.dtype} but the model expects {np.dtype(details['dtype'])}"
            )
        shape = tuple(int(d) for d in details["shape"])
        if value.size != int(np.prod(shape)):
            raise OracleError(f"input {i} has shape {value.shape} but the model expects {shape}")
        interpreter.set_input(np.ascontiguousarray(value.reshape(shape)), i)
    with _quiet_fd2() as log:
        try:
            interpreter.invoke()
        except RuntimeError as err:
            failure = err
        else:
            return
    raise OracleError(f"TFLM failed to run the model ({failure}){_tflm_said(log.text)}")
