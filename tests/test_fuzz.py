"""A bounded run of the coverage-guided fuzz target (fuzz/fuzz_generate.py; `make fuzz` runs
a long one): 300 mutations of the project's own models, each a loaded model or a clean error,
and the C of every accepted int8 mutant clean under ASan/UBSan."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bounded_fuzz_run(tmp_path):
    summary = tmp_path / "summary.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, str(ROOT / "fuzz" / "fuzz_generate.py"),
                           "--summary", str(summary), str(tmp_path / "corpus"), "-runs=300", "-seed=1",
                           "-timeout=120", f"-artifact_prefix={tmp_path}/"],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    stats = json.loads(summary.read_text())
    assert stats["inputs"] >= 300
    assert stats["loaded"] > 0 and stats["clean_errors"] > 0
    assert stats["c_runs"] >= 5 and stats["c_skipped_limit"] == 0
