"""A wheel carries templates/, runtime_c/ and boards/, and works outside the source tree."""
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import ROOT


def test_wheel_install_generates_and_builds_outside_the_tree(tmp_path):
    # Build from a copy: setuptools leaves build/ and *.egg-info behind in the tree it builds.
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "*.egg-info", ".pytest_cache", "__pycache__", "examples", "tests"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", str(tmp_path / "dist"), str(source)], check=True, capture_output=True)
    wheel = next((tmp_path / "dist").glob("mcutool-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "mcutool/runtime_c/Include/arm_nnfunctions.h" in names
    assert "mcutool/runtime_c/Include/Internal/mcu_nn_dsp.h" in names
    assert not [n for n in names if "/Tests/" in n or n.endswith("CMakeLists.txt")], "the C unit tests ship"
    assert "mcutool/templates/model.c.j2" in names and "mcutool/templates/firmware/startup.c" in names
    assert "mcutool/boards/mps2-an386.toml" in names
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    script = (
        "import mcutool, mcutool.resources as r\n"
        f"assert mcutool.__file__.startswith({str(target)!r}), mcutool.__file__\n"
        f"assert str(r.runtime_dir()).startswith({str(target)!r})\n"
        "from mcutool.cli import main\n"
        f"main(['generate', {str(ROOT / 'examples' / 'tiny_cnn.tflite')!r}, '-o', 'gen'])\n")
    env = {**os.environ, "PYTHONPATH": str(target)}
    proc = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "gen" / "runtime_c" / "Include" / "arm_nnfunctions.h").exists()
    assert Path(tmp_path / "gen" / "model.c").read_text().count("arm_convolve_wrapper_s8(") == 2
