import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests' helper modules (bitexact, zoo)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def tiny_cnn_project(tmp_path_factory):
    """The bundled example, generated once per session."""
    from mcutool import api
    out = tmp_path_factory.mktemp("tiny") / "gen"
    return api.generate(api.compile_graph(api.load_model(ROOT / "examples" / "tiny_cnn.tflite")), out)


@pytest.fixture(scope="session")
def cmsis_nn_path() -> Path:
    """ARM's CMSIS-NN source tree (CMSIS_NN_PATH); the only reason a test may skip."""
    import os
    path = os.environ.get("CMSIS_NN_PATH")
    if not path:
        pytest.skip("CMSIS_NN_PATH is not set (a CMSIS-NN source tree)")
    root = Path(path)
    assert (root / "Source").is_dir() and (root / "Include" / "arm_nnfunctions.h").is_file(), \
        f"CMSIS_NN_PATH={path} is not a CMSIS-NN source tree"
    return root


# The portable variant runs with `make test` only: every other host C test builds the portable
# code already, so the quick suite keeps the DSP one, which only these tests reach.
@pytest.fixture(params=[pytest.param("portable", marks=pytest.mark.slow), "dsp-emulated"])
def c_path(request, monkeypatch):
    """Run the host C twice: the portable code, and the packed-int16 (Arm DSP) code with the
    instructions emulated in C (MCU_NN_EMULATE_DSP), so ASan/UBSan check that path as well."""
    if request.param == "dsp-emulated":
        from mcutool.toolchain import host
        monkeypatch.setattr(host, "SANITIZE", [*host.SANITIZE, "-DMCU_NN_EMULATE_DSP"])
    return request.param


@pytest.fixture(autouse=True)
def _host_c_under_sanitizers(monkeypatch):
    """Every host program a test builds (through the API, the CLI's `run` and `validate`, the
    bit-exactness helpers) is built with -fsanitize=address,undefined -fno-sanitize-recover=all,
    whatever the caller asked: the generated C of every test model runs under ASan/UBSan."""
    from mcutool import toolchain
    from mcutool.toolchain import host

    def sanitized(project_dir, prefix, sanitize=False, **kwargs):
        return host.build_host(project_dir, prefix, sanitize=True, **kwargs)

    monkeypatch.setattr(toolchain, "build_host", sanitized)
