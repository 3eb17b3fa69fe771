"""Board definitions, firmware builds for every board, size checks, overflow errors, flashing."""
import json
import shlex
import subprocess

import numpy as np
import pytest

from mcutool import api
from mcutool.cli import main
from mcutool.errors import McutoolError
from mcutool.ir import Pool2DAttrs
from mcutool.ir.builder import GraphBuilder
from mcutool.toolchain.boards import DEFAULT_BOARD, all_boards, get_board
from mcutool.toolchain.firmware import FitError
from mcutool.toolchain.flash import flash_command

EMULATED = ["mps2-an385", "mps2-an386", "mps2-an500", "mps2-an505", "mps3-an547", "microbit", "netduinoplus2"]
REAL = ["nucleo-l4r5zi", "nucleo-f746zg", "stm32f4-discovery", "nrf52840-dk", "rpi-pico"]


def test_every_required_board_is_defined():
    boards = all_boards()
    assert set(EMULATED + REAL) <= set(boards)
    assert DEFAULT_BOARD == "mps2-an386"
    for name in EMULATED:
        assert boards[name].emulated and boards[name].qemu_machine
    for name in REAL:
        b = boards[name]
        assert not b.emulated and b.openocd and b.pyocd_target and b.console.startswith("uart")
    assert get_board("mps2-an505").flash.origin == 0x10000000


def test_unknown_board_lists_the_choices():
    with pytest.raises(McutoolError, match="mps2-an386"):
        get_board("esp32")


def test_boards_command(capsys):
    with pytest.raises(SystemExit):
        main(["boards", "--json"])
    info = json.loads(capsys.readouterr().out)
    assert info["default"] == "mps2-an386"
    assert {b["name"]: b["ram_bytes"] for b in info["boards"]}["microbit"] == 16384


def arm_size(elf) -> dict:
    out = subprocess.run(["arm-none-eabi-size", "-A", "-d", str(elf)], capture_output=True, text=True,
                         check=True).stdout
    rows = (line.split() for line in out.splitlines())
    return {p[0]: int(p[1]) for p in rows if len(p) >= 2 and p[0].startswith(".")}


@pytest.mark.slow  # the cross-compile matrix
@pytest.mark.parametrize("board", EMULATED + REAL)
def test_firmware_builds_within_the_board_memory(tiny_cnn_project, board):
    firmware = api.build(tiny_cnn_project, board, opt="-Os")
    sizes = arm_size(firmware.elf)
    b = get_board(board)
    flash = sizes.get(".text", 0) + sizes.get(".data", 0) + sizes.get(".boot2", 0) + sizes.get(".ARM.exidx", 0)
    ram = sizes.get(".data", 0) + sizes.get(".bss", 0) + sizes.get(".stack", 0)
    assert 0 < flash <= b.flash.length and 0 < ram <= b.ram.length
    assert sizes[".bss"] >= api.read_metadata(tiny_cnn_project)["arena_bytes"]
    report = firmware.size_report(2560)
    assert report["flash_used"] == flash and report["ram_used"] == ram
    if b.boot2:
        assert sizes[".boot2"] == 256


def big_pool_project(tmp_path):
    b = GraphBuilder("big")
    b.input("x", (1, 96, 96, 8), scale=0.1, zero_point=0)
    b.tensor("y", (1, 96, 96, 8), scale=0.1, zero_point=0)
    b.op("MAX_POOL_2D", ["x"], ["y"], Pool2DAttrs(3, 3, 1, 1, "SAME"))
    b.output("y")
    return api.generate(api.compile_graph(b.build()), tmp_path / "big")


def test_a_model_too_big_says_by_how_many_bytes(tmp_path):
    project = big_pool_project(tmp_path)
    with pytest.raises(FitError, match=r"does not fit microbit .*RAM by [\d,]+ bytes"):
        api.build(project, "microbit")


def test_cli_build_reports_sizes_and_overflow(capsys, tmp_path, tiny_cnn_project):
    with pytest.raises(SystemExit) as exit_info:
        main(["build", str(tiny_cnn_project), "--board", "nucleo-f746zg", "--json"])
    assert exit_info.value.code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["arena"] == api.read_metadata(tiny_cnn_project)["arena_bytes"]
    assert report["flash_total"] == 1 << 20
    project = big_pool_project(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        main(["build", str(project), "--board", "microbit"])
    assert exit_info.value.code == 2
    assert "overflowed" not in capsys.readouterr().err  # our message, not the linker's


@pytest.mark.slow  # builds each real board's firmware
@pytest.mark.parametrize("board", REAL)
@pytest.mark.parametrize("probe", ["openocd", "pyocd"])
def test_flash_dry_run_prints_the_exact_command(capsys, tiny_cnn_project, board, probe):
    with pytest.raises(SystemExit) as exit_info:
        main(["flash", str(tiny_cnn_project), "--board", board, "--probe", probe, "--dry-run"])
    assert exit_info.value.code == 0
    cmd = shlex.split(capsys.readouterr().out.strip())
    elf = str(tiny_cnn_project / f"build-{board}" / "firmware.elf")
    b = get_board(board)
    if probe == "openocd":
        assert cmd == ["openocd", *b.openocd, "-c", f"program {{{elf}}} verify reset exit"]
    else:
        assert cmd == ["pyocd", "flash", "--target", b.pyocd_target, elf]


def test_flash_refuses_emulated_boards_and_missing_tools(capsys, tiny_cnn_project, monkeypatch):
    with pytest.raises(McutoolError, match="emulated"):
        flash_command(tiny_cnn_project / "x.elf", get_board("mps2-an386"), "openocd")
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(SystemExit) as exit_info:
        main(["flash", str(tiny_cnn_project), "--board", "nucleo-l4r5zi", "--probe", "pyocd"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "not installed" in err


def test_firmware_samples_are_compiled_in(tiny_cnn_project):
    samples = [[np.full((1, 16, 16, 1), v, np.int8)] for v in (-128, 0, 127)]
    out = api.run(tiny_cnn_project, samples, board="mps2-an386")
    assert len(out) == 3 and out[0][0].shape == (1, 10)


def test_rp2040_boot2_checksum_and_layout():
    from mcutool.toolchain.boot2 import boot2_image, crc32_mpeg2
    assert crc32_mpeg2(b"123456789") == 0x0376E6E7  # the CRC-32/MPEG-2 check value
    image = boot2_image("arm-none-eabi-gcc")
    assert len(image) == 256
    assert int.from_bytes(image[-4:], "little") == crc32_mpeg2(image[:-4])


def test_generate_for_a_board_refuses_a_model_that_cannot_fit(capsys, tmp_path):
    from mcutool.frontends.tflite import write_tflite
    b = GraphBuilder("big")
    b.input("x", (1, 96, 96, 8), scale=0.1, zero_point=0)
    b.tensor("y", (1, 96, 96, 8), scale=0.1, zero_point=0)
    b.op("MAX_POOL_2D", ["x"], ["y"], Pool2DAttrs(3, 3, 1, 1, "SAME"))
    b.output("y")
    model = tmp_path / "big.tflite"
    model.write_bytes(write_tflite(b.build()))
    with pytest.raises(SystemExit) as exit_info:
        main(["generate", str(model), "-o", str(tmp_path / "gen"), "--board", "microbit"])
    assert exit_info.value.code == 2
    assert "RAM by 132,096 bytes (arena 147,456 + stack 1,024)" in capsys.readouterr().err
    assert not (tmp_path / "gen").exists()
