"""runtime_c as a library of its own: its CMake build and C unit tests (runtime_c/Tests/, golden
vectors from TFLite-Micro) on the host and on emulated boards, the golden headers in step with
their exporter, and a warning-free build under clang for Cortex-M (as armclang users build)."""
import shutil
import subprocess

import pytest

from mcutool.codegen.runtime_subset import runtime_sources
from mcutool.oracle.golden import export
from mcutool.resources import runtime_dir

RUNTIME = runtime_dir()
TOOLCHAIN = RUNTIME / "cmake" / "arm-none-eabi-gcc.cmake"
NEWLIB_INCLUDE = "/usr/lib/arm-none-eabi/include"


def _ctest(build, *configure_args):
    subprocess.run(["cmake", "-S", str(RUNTIME), "-B", str(build), *configure_args], check=True,
                   capture_output=True, text=True)
    build_proc = subprocess.run(["cmake", "--build", str(build), "-j2"], capture_output=True, text=True)
    assert build_proc.returncode == 0, build_proc.stdout[-4000:] + build_proc.stderr[-4000:]
    proc = subprocess.run(["ctest", "--test-dir", str(build), "--output-on-failure"], capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stdout[-6000:]
    return proc.stdout


@pytest.mark.slow
def test_ctest_on_the_host(tmp_path):
    """Each test program plain, with the DSP paths emulated, and under ASan/UBSan."""
    out = _ctest(tmp_path / "build")
    assert "100% tests passed" in out and "_sanitized" in out and "_dsp_emulated" in out


@pytest.mark.slow
@pytest.mark.parametrize("cpu, machine", [("cortex-m4", "mps2-an386"), ("cortex-m55", "mps3-an547")])
def test_ctest_on_an_emulated_board(tmp_path, cpu, machine):
    """The same programs cross-compiled (packed DSP paths on the M4, Helium on the M55), run
    under QEMU through CMAKE_CROSSCOMPILING_EMULATOR."""
    assert shutil.which("arm-none-eabi-gcc") and shutil.which("qemu-system-arm"), "`make setup` installs them"
    out = _ctest(tmp_path / "build", f"-DCMAKE_TOOLCHAIN_FILE={TOOLCHAIN}", f"-DMCU_NN_CPU={cpu}",
                 f"-DMCU_NN_QEMU_MACHINE={machine}")
    assert "100% tests passed, 0 tests failed out of 6" in out


def test_golden_headers_are_what_the_exporter_writes(tmp_path):
    """The committed headers come from mcutool.oracle.golden and TFLite-Micro as installed."""
    for path in export(tmp_path):
        assert path.read_text() == (RUNTIME / "Tests" / "golden" / path.name).read_text(), path.name


CLANG_CPUS = {
    "cortex-m0": ["-mfloat-abi=soft"],
    "cortex-m4": ["-mfpu=fpv4-sp-d16", "-mfloat-abi=hard"],
    "cortex-m55": ["-mfloat-abi=hard"],
}


@pytest.mark.parametrize("cpu", [pytest.param("cortex-m0", marks=pytest.mark.slow),
                                 pytest.param("cortex-m4", marks=pytest.mark.slow),
                                 pytest.param("cortex-m55", marks=pytest.mark.slow)])
def test_every_runtime_file_compiles_under_clang_for_cortex_m(tmp_path, cpu):
    """clang --target=arm-none-eabi with newlib's headers, -Werror: portable (M0), packed DSP
    (M4) and Helium (M55) code paths."""
    assert shutil.which("clang"), "`make setup` installs clang"
    sources = runtime_sources()
    proc = subprocess.run(["clang", "--target=arm-none-eabi", "-mthumb", f"-mcpu={cpu}", *CLANG_CPUS[cpu],
                           "-isystem", NEWLIB_INCLUDE, "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror",
                           "-pedantic", f"-I{RUNTIME / 'Include'}", "-c", *map(str, sources)],
                          cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert len(list(tmp_path.glob("*.o"))) == len(sources)


@pytest.mark.slow
def test_library_builds_with_the_clang_toolchain_file(tmp_path):
    """runtime_c/cmake/arm-none-eabi-clang.cmake: the Helium build of the library, -Werror."""
    build = tmp_path / "build"
    subprocess.run(["cmake", "-S", str(RUNTIME), "-B", str(build),
                    f"-DCMAKE_TOOLCHAIN_FILE={RUNTIME / 'cmake' / 'arm-none-eabi-clang.cmake'}",
                    "-DMCU_NN_CPU=cortex-m55", "-DMCU_NN_BUILD_TESTS=OFF"], check=True, capture_output=True)
    proc = subprocess.run(["cmake", "--build", str(build), "-j2"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert (build / "libmcu_nn.a").exists()
