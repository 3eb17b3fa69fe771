"""A wheel carries templates/, runtime_c/ and boards/, and works outside the source tree, on the
oldest and the newest Python that pyproject.toml allows."""
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT

# The ends of `requires-python` and the classifiers; the Makefile installs both with pyenv.
OLDEST, NEWEST = "3.10", "3.13"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    # Build from a copy: setuptools leaves build/ and *.egg-info behind in the tree it builds.
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "*.egg-info", ".pytest_cache", "__pycache__", "examples", "tests"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", str(tmp / "dist"), str(source)], check=True, capture_output=True)
    return next((tmp / "dist").glob("mcutool-*.whl"))


def test_wheel_holds_the_data_folders(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "mcutool/runtime_c/Include/arm_nnfunctions.h" in names
    assert "mcutool/runtime_c/Include/Internal/mcu_nn_dsp.h" in names
    assert not [n for n in names if "/Tests/" in n or n.endswith("CMakeLists.txt")], "the C unit tests ship"
    assert "mcutool/templates/model.c.j2" in names and "mcutool/templates/firmware/startup.c" in names
    assert "mcutool/boards/mps2-an386.toml" in names


def test_wheel_install_generates_outside_the_tree(wheel, tmp_path):
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


def python_for(version: str) -> Path:
    """pyenv's interpreter for a minor version (`make setup` installs it when missing)."""
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    found = sorted(root.glob(f"versions/{version}.*/bin/python{version}"))
    assert found, f"Python {version} is not installed: run `pyenv install {version}`"
    return found[-1]


@pytest.mark.slow
@pytest.mark.parametrize("version", [OLDEST, NEWEST])
def test_wheel_validates_on_oldest_and_newest_python(wheel, tmp_path, version):
    """A fresh venv of that Python, the wheel with its dependencies from the registry, and the
    bundled example validated bit for bit against TFLite-Micro on the host."""
    venv = tmp_path / "venv"
    subprocess.run([str(python_for(version)), "-m", "venv", str(venv)], check=True)
    pip = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)],
                         capture_output=True, text=True)
    assert pip.returncode == 0, pip.stderr[-2000:]
    proc = subprocess.run([str(venv / "bin" / "mcutool"), "validate", str(ROOT / "examples" / "tiny_cnn.tflite"),
                           "--data", str(ROOT / "examples" / "tiny_cnn_data.npz"), "--board", "host"],
                          cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "PASS: bit-exact with TFLite-Micro" in proc.stdout
