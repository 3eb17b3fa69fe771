"""The generated folder builds on its own, outside the repository, with plain make and CMake."""
import shutil
import subprocess

import pytest

pytestmark = pytest.mark.slow  # cross builds with make and CMake

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
    # the shared matrix-multiply cores the conv driver calls, its private header, and no C tests
    assert {"mcu_nn_mat_mult_kernel_s8_s16.c", "mcu_nn_mat_mult_nt_t_s8.c"} <= set(sources)
    assert (exported / "runtime_c" / "Include" / "Internal" / "mcu_nn_mat_mult.h").exists()
    assert not (exported / "runtime_c" / "Tests").exists()


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


def test_two_models_share_one_runtime_in_one_program(tmp_path):
    """The recipe of the generated README: two prefixes, one copy of each kernel (vpath)."""
    from conftest import ROOT

    from mcutool import api
    for prefix, model in (("kws", "tiny_cnn.tflite"), ("digits", "digits_cnn_float.tflite")):
        graph = api.load_model(ROOT / "examples" / model)
        if prefix == "digits":
            import numpy as np
            graph, _ = api.quantize_model(graph, np.load(ROOT / "examples" / "digits_calib.npz")["x"][:50])
        api.generate(api.compile_graph(graph), tmp_path / prefix, prefix=prefix)
    (tmp_path / "main.c").write_text(
        '#include "kws.h"\n#include "digits.h"\n'
        "static int8_t a[KWS_INPUT_SIZE], b[KWS_OUTPUT_SIZE], c[DIGITS_INPUT_SIZE], d[DIGITS_OUTPUT_SIZE];\n"
        "int main(void) { return kws_invoke(a, b) + digits_invoke(c, d); }\n")
    (tmp_path / "Makefile").write_text(
        "include kws/kws.mk\ninclude digits/digits.mk\n"
        "vpath %.c $(KWS_RUNTIME_DIR) $(DIGITS_RUNTIME_DIR)\n"
        "SRCS := main.c $(KWS_MODEL_SOURCES) $(DIGITS_MODEL_SOURCES) "
        "$(sort $(KWS_RUNTIME_FILES) $(DIGITS_RUNTIME_FILES))\n"
        "CFLAGS := -std=c99 -Wall -Wextra -Werror -O2 $(KWS_INCLUDES) $(DIGITS_INCLUDES)\n"
        "app: $(SRCS)\n\tgcc $(CFLAGS) $^ -o $@\n")
    subprocess.run(["make", "-s"], cwd=tmp_path, check=True, capture_output=True)
    assert subprocess.run([str(tmp_path / "app")]).returncode == 0
