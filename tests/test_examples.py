"""The bundled example is reproducible and runs bit-exact end to end."""
import subprocess
import sys
from pathlib import Path

from mcutool.validate import validate_model

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_example_model_is_bit_exact_on_the_host():
    report = validate_model(EXAMPLES / "tiny_cnn.tflite", EXAMPLES / "tiny_cnn_data.npz", sanitize=True)
    assert report["samples"] == 32
    assert report["mismatches"] == 0


def test_example_build_script_reproduces_the_committed_files(tmp_path):
    script = (EXAMPLES / "build_tiny_cnn.py").read_text().replace(
        "HERE = Path(__file__).resolve().parent", f"HERE = Path({str(tmp_path)!r})")
    (tmp_path / "build.py").write_text(script)
    subprocess.run([sys.executable, str(tmp_path / "build.py")], check=True, capture_output=True)
    assert (tmp_path / "tiny_cnn.tflite").read_bytes() == (EXAMPLES / "tiny_cnn.tflite").read_bytes()
