"""Generated sources: deterministic, warning-free on gcc and arm-none-eabi-gcc, safe names."""
import shutil
import subprocess

import numpy as np
import pytest

from mcutool import api
from mcutool.codegen import render_sources
from mcutool.codegen.runtime_subset import runtime_sources
from mcutool.errors import McutoolError
from mcutool.ir import Pool2DAttrs
from mcutool.ir.builder import GraphBuilder
from mcutool.resources import runtime_dir

WARN = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"]


def evil_graph():
    b = GraphBuilder("evil */ model")
    b.input('in"put', (1, 6, 6, 3), scale=0.05, zero_point=-2)
    b.tensor("*/ #include <stdio.h> /*", (1, 3, 3, 3), scale=0.05, zero_point=-2)
    b.op("MAX_POOL_2D", ['in"put'], ["*/ #include <stdio.h> /*"], Pool2DAttrs(2, 2, 2, 2, "VALID"),
         name="pool */ evil")
    b.output("*/ #include <stdio.h> /*")
    return b.build()


def test_generation_is_byte_identical_twice():
    compiled = api.compile_graph(evil_graph())
    assert render_sources(compiled.lowered, compiled.plan) == render_sources(compiled.lowered, compiled.plan)


def test_model_names_never_reach_c_unsanitised(tmp_path):
    compiled = api.compile_graph(evil_graph())
    files = render_sources(compiled.lowered, compiled.plan, source_name="x */ y")
    for name, text in files.items():
        if name.endswith((".c", ".h")):
            assert "#include <stdio.h> /*" not in text.replace('#include <stdio.h>\n', "")
            assert "evil */" not in text and "x */ y" not in text


@pytest.mark.parametrize("cc, flags", [
    ("gcc", []),
    pytest.param("arm-none-eabi-gcc", ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"],
                 marks=pytest.mark.slow),
    pytest.param("arm-none-eabi-gcc", ["-mcpu=cortex-m0", "-mthumb"], marks=pytest.mark.slow),
])
def test_generated_model_and_runtime_compile_without_warnings(tmp_path, cc, flags):
    assert shutil.which(cc), f"{cc} is missing: `make test` installs it"
    out = api.generate(api.compile_graph(evil_graph()), tmp_path / "gen", prefix="evil")
    include = runtime_dir() / "Include"
    sources = [out / "evil.c", out / "evil_weights.c", *runtime_sources()]
    for src in sources:
        proc = subprocess.run([cc, *WARN, *flags, "-O2", f"-I{include}", f"-I{out}", "-c", str(src),
                               "-o", str(tmp_path / "x.o")], capture_output=True, text=True)
        assert proc.returncode == 0, f"{src.name}:\n{proc.stderr}"


def test_prefix_renames_symbols_and_files(tmp_path):
    out = api.generate(api.compile_graph(evil_graph()), tmp_path / "gen", prefix="kws")
    assert (out / "kws.h").exists() and (out / "kws.c").exists()
    assert "int kws_invoke(" in (out / "kws.h").read_text()
    assert "#define KWS_ARENA_SIZE" in (out / "kws.h").read_text()


def test_invalid_prefix_is_a_user_error(tmp_path):
    with pytest.raises(McutoolError, match="not a valid C identifier"):
        api.generate(api.compile_graph(evil_graph()), tmp_path / "gen", prefix="9-lives")


def test_output_folder_is_replaced_whole_or_not_at_all(tmp_path):
    target = tmp_path / "gen"
    target.mkdir()
    (target / "precious.txt").write_text("user data")
    with pytest.raises(McutoolError, match="not empty"):
        api.generate(api.compile_graph(evil_graph()), target)
    assert (target / "precious.txt").read_text() == "user data"
    out = api.generate(api.compile_graph(evil_graph()), tmp_path / "gen2")
    again = api.generate(api.compile_graph(evil_graph()), out)  # an earlier output is replaced
    assert (again / "mcutool.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gen", "gen2"]  # no temp folders left


def test_header_describes_inputs_and_outputs(tmp_path):
    out = api.generate(api.compile_graph(evil_graph()), tmp_path / "gen")
    header = (out / "model.h").read_text()
    assert "#define MODEL_INPUT_SHAPE {1, 6, 6, 3}" in header
    assert "#define MODEL_INPUT_ZERO_POINT -2" in header
    assert "#define MODEL_OUTPUT_SIZE 27" in header
    assert np.float32(float(header.split("MODEL_INPUT_SCALE ")[1].split("f")[0])) == np.float32(0.05)


def test_identical_constants_are_declared_once(tmp_path):
    import re

    from conftest import ROOT
    out = api.generate(api.compile_graph(api.load_model(ROOT / "examples" / "tiny_cnn.tflite")), tmp_path / "g")
    decls = re.findall(r"^static const (\w+) \w+(\[\d+\])? = (.*?);$", (out / "model.c").read_text(), re.M | re.S)
    bodies = [(ctype, body) for ctype, _, body in decls]
    assert len(bodies) == len(set(bodies))


def test_outputs_get_ordinary_permissions(tmp_path):
    import os
    import stat

    from mcutool.fileio import write_atomic
    umask = os.umask(0o022)
    try:
        out = api.generate(api.compile_graph(evil_graph()), tmp_path / "gen")
        f = write_atomic(tmp_path / "f.bin", b"x")
    finally:
        os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o755
    assert stat.S_IMODE(f.stat().st_mode) == 0o644
