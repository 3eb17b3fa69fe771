"""runtime_c/'s specialised CMSIS-NN s8 entry points (1xN, 1x1, 1x1 fast, depthwise 3x3 and
opt, fully connected wrapper, vector sum, per-core buffer sizes) against the general kernels
they specialise, whole outputs, plus the argument errors CMSIS-NN's kernels of the same names
return: tests/c/check_s8_entry_points.c, built under ASan/UBSan, portable and with the packed
(Arm DSP) paths emulated."""
import subprocess
from pathlib import Path

import pytest

from mcutool.codegen.runtime_subset import runtime_sources
from mcutool.resources import runtime_dir
from mcutool.toolchain.compiler import WARNINGS, build_static_library, run_tool
from mcutool.toolchain.host import SANITIZE

CHECKS = Path(__file__).resolve().parent / "c" / "check_s8_entry_points.c"


@pytest.mark.parametrize("dsp", [False, True], ids=["portable", "dsp-emulated"])
def test_entry_points_match_the_general_kernels(tmp_path, dsp):
    include = runtime_dir() / "Include"
    flags = [*WARNINGS, "-O1", *SANITIZE, *(["-DMCU_NN_EMULATE_DSP"] if dsp else [])]
    lib = build_static_library("gcc", "ar", runtime_sources(), [include], flags,
                               "entry-points-dsp" if dsp else "entry-points")
    exe = tmp_path / "check"
    run_tool(["gcc", *flags, f"-I{include}", str(CHECKS), str(lib), "-o", str(exe)],
             "building the entry point checks")
    proc = subprocess.run([str(exe)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip().endswith("0 failures")
