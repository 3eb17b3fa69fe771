"""The generated folder builds on its own, outside the repository, with plain make and CMake."""
import shutil
import subprocess

import pytest

ARM_FLAGS = "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -O2 -Wall -Wextra -Werror"


@pytest.fixture
def exported(tmp_path, tiny_cnn_project):
    dest = tmp_path / "elsewhere" / "model"
    shutil.copytree(tiny_cnn_project, dest, ignore=shutil.ignore_patterns("build-*", "main_host*"))
    return dest


def test_only_the_kernels_the_model_calls_are_exported(exported):
    sources = sorted(p.name for p in (exported / "runtime_c").rglob("*.c"))
    assert "arm_convolve_wrapper_s8.c" in sources and "arm_softmax_s8.c" in sources
    assert "arm_max_pool_s8.c" not in sources and "mcu_lut_s8.c" not in sources


def test_plain_make_with_arm_gcc(exported):
    subprocess.run(["make", "-s", "CC=arm-none-eabi-gcc", "AR=arm-none-eabi-ar", f"CFLAGS={ARM_FLAGS}"],
                   cwd=exported, check=True, capture_output=True)
    symbols = subprocess.run(["arm-none-eabi-nm", "libmodel.a"], cwd=exported, capture_output=True,
                             text=True, check=True).stdout
    assert " T model_invoke" in symbols


def test_makefile_fragment_in_a_user_project(exported):
    user = exported.parent / "app"
    user.mkdir()
    (user / "main.c").write_text('#include "model.h"\nint8_t in[MODEL_INPUT_SIZE], out[MODEL_OUTPUT_SIZE];\n'
                                 "int app(void) { return model_invoke(in, out); }\n")
    (user / "Makefile").write_text(
        "include ../model/model.mk\n"
        "CC = arm-none-eabi-gcc\n"
        f"CFLAGS = {ARM_FLAGS} $(MODEL_INCLUDES)\n"
        "app.a: main.o $(patsubst %.c,%.o,$(MODEL_SOURCES))\n"
        "\tarm-none-eabi-ar rcs $@ $^\n")
    subprocess.run(["make", "-s"], cwd=user, check=True, capture_output=True)
    assert (user / "app.a").exists()


def test_cmake_with_arm_gcc(exported):
    build = exported.parent / "cmake-build"
    subprocess.run(["cmake", "-S", str(exported), "-B", str(build), "-DCMAKE_SYSTEM_NAME=Generic",
                    "-DCMAKE_C_COMPILER=arm-none-eabi-gcc", "-DCMAKE_TRY_COMPILE_TARGET_TYPE=STATIC_LIBRARY",
                    f"-DCMAKE_C_FLAGS={ARM_FLAGS}"], check=True, capture_output=True)
    subprocess.run(["cmake", "--build", str(build)], check=True, capture_output=True)
    assert (build / "libmodel.a").exists()
