"""Running the host program over a batch of samples."""
from __future__ import annotations

import struct
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from mcutool.errors import McutoolError


class RunError(McutoolError):
    pass


def run_host(exe: Path, samples: list[list[np.ndarray]], output_specs: list[tuple[tuple, str]],
             trace: bool = False, timeout: float = 600):
    """Run every sample; return the outputs per sample (and the trace records when asked).

    output_specs: (shape, dtype) of each model output.
    """
    with tempfile.TemporaryDirectory(prefix="mcutool-run-") as tmp_name:
        tmp = Path(tmp_name)
        with open(tmp / "in.bin", "wb") as f:
            for sample in samples:
                for x in sample:
                    f.write(np.ascontiguousarray(x).tobytes())
        cmd = [str(exe), str(tmp / "in.bin"), str(tmp / "out.bin")]
        if trace:
            cmd.append(str(tmp / "trace.bin"))
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise RunError(f"the host program did not finish within {timeout:.0f} s") from None
        if proc.returncode != 0:
            raise RunError(f"the host program failed (exit {proc.returncode}):\n{proc.stderr.strip()[-3000:]}")
        data = (tmp / "out.bin").read_bytes()
        per_sample = sum(int(np.prod(s)) * np.dtype(d).itemsize for s, d in output_specs)
        if len(data) != per_sample * len(samples):
            raise RunError(f"the host program wrote {len(data)} bytes, expected {per_sample * len(samples)}")
        outputs = [split_outputs(data[k * per_sample:(k + 1) * per_sample], output_specs)
                   for k in range(len(samples))]
        if not trace:
            return outputs
        return outputs, _read_trace((tmp / "trace.bin").read_bytes())


def split_outputs(raw: bytes, specs: list[tuple[tuple, str]]) -> list[np.ndarray]:
    """One sample's output bytes, back to back -> one array per (shape, dtype)."""
    outputs, pos = [], 0
    for shape, dtype in specs:
        n = int(np.prod(shape)) * np.dtype(dtype).itemsize
        outputs.append(np.frombuffer(raw[pos:pos + n], dtype=dtype).reshape(shape).copy())
        pos += n
    return outputs


def _read_trace(blob: bytes) -> list[tuple[int, int, bytes]]:
    records = []
    pos = 0
    while pos + 12 <= len(blob):
        op, out, n = struct.unpack_from("<iii", blob, pos)
        pos += 12
        records.append((op, out, blob[pos:pos + n]))
        pos += n
    return records
