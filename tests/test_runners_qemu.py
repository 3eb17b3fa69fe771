"""Every supported op under QEMU on every emulated board, bit for bit against TFLite-Micro;
deterministic instruction counts; validate and profile on a board."""
import json

import numpy as np
import pytest
from bitexact import assert_same
from zoo import all_ops_graph

from mcutool import api
from mcutool.cli import main
from mcutool.frontends.tflite import write_tflite
from mcutool.oracle.tflm import run_tflm_batch
from mcutool.report.profile import profile_project

EMULATED = ["mps2-an385", "mps2-an386", "mps2-an500", "mps2-an505", "mps3-an547", "microbit", "netduinoplus2"]


@pytest.fixture(scope="module")
def all_ops(tmp_path_factory):
    graph, samples = all_ops_graph(seed=3)
    expected = run_tflm_batch(write_tflite(graph), samples)
    out = api.generate(api.compile_graph(graph), tmp_path_factory.mktemp("allops") / "gen")
    return out, samples, expected


def test_the_model_uses_every_supported_op():
    graph, _ = all_ops_graph(seed=3)
    from mcutool.ops import all_ops
    assert {op.type for op in graph.operators} == {d.name for d in all_ops()}


@pytest.mark.slow
@pytest.mark.parametrize("board", EMULATED)
def test_every_op_is_bit_exact_on_the_board(all_ops, board):
    out, samples, expected = all_ops
    assert_same(expected, api.run(out, samples, board=board), f"{board} vs TFLite-Micro")


@pytest.mark.slow
def test_instruction_counts_repeat_exactly(all_ops):
    out, samples, _ = all_ops
    first = profile_project(out, "mps2-an386", samples[:1])
    second = profile_project(out, "mps2-an386", samples[:1])
    assert first == second
    assert first["instructions"] > 0
    assert sum(r["instructions"] for r in first["layers"]) <= first["instructions"]
    conv = next(r for r in first["layers"] if r["op"] == "CONV_2D")
    assert conv["macs"] > 0 and conv["instructions"] > conv["macs"] * 0.5


@pytest.mark.slow
def test_profile_json(capsys, tiny_cnn_project):
    with pytest.raises(SystemExit) as exit_info:
        main(["profile", str(tiny_cnn_project), "--board", "mps2-an386", "--json"])
    assert exit_info.value.code == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) >= {"instructions", "layers"}
    assert [r["op"] for r in report["layers"]][:2] == ["CONV_2D", "DEPTHWISE_CONV_2D"]
    assert all(set(r) >= {"name", "op", "macs", "instructions"} for r in report["layers"])


@pytest.mark.slow
def test_validate_on_an_emulated_board(capsys):
    from conftest import ROOT
    with pytest.raises(SystemExit) as exit_info:
        main(["validate", str(ROOT / "examples" / "tiny_cnn.tflite"), "--board", "mps2-an386",
              "--data", str(ROOT / "examples" / "tiny_cnn_data.npz"), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert exit_info.value.code == 0 and report["mismatches"] == 0 and report["samples"] == 32


def test_run_on_a_real_board_says_to_flash(tiny_cnn_project):
    from mcutool.errors import McutoolError
    with pytest.raises(McutoolError, match="mcutool flash"):
        api.run(tiny_cnn_project, [[np.zeros((1, 16, 16, 1), np.int8)]], board="nucleo-l4r5zi")


def test_missing_qemu_is_a_clear_error(tiny_cnn_project, monkeypatch):
    from mcutool.errors import McutoolError
    from mcutool.runners import qemu
    monkeypatch.setattr(qemu, "QEMU", "qemu-system-arm-not-here")
    with pytest.raises(McutoolError, match="not installed"):
        api.run(tiny_cnn_project, [[np.zeros((1, 16, 16, 1), np.int8)]], board="mps2-an386")


def test_bench_puts_our_counts_beside_the_anchors():
    from mcutool.report.bench import bench_layers, format_bench
    rows = bench_layers("mps2-an386", ["L6 fc_640_to128"])
    assert rows[0]["instructions"] > rows[0]["macs"] / 4
    assert rows[0]["cmsis_nn"] == 160_080
    assert "CMSIS-NN" in format_bench("mps2-an386", rows)


def test_profile_a_real_board_from_its_uart_log(capsys, tmp_path, tiny_cnn_project):
    """The firmware prints the same lines on every board; a captured log gives cycles."""
    from mcutool.runners.qemu import run_qemu
    from mcutool.toolchain.boards import get_board
    firmware = api.build(tiny_cnn_project, "netduinoplus2")  # UART console, like the real boards
    _, out, _ = run_qemu(firmware.elf, get_board("netduinoplus2"))
    log = tmp_path / "uart.log"
    log.write_text("boot noise\r\n" + out.replace("\n", "\r\n"))
    with pytest.raises(SystemExit) as exit_info:
        main(["profile", str(tiny_cnn_project), "--board", "nucleo-l4r5zi", "--log", str(log), "--json"])
    assert exit_info.value.code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["unit"] == "cycles" and report["cycles"] > 0
    assert all("cycles" in r for r in report["layers"])
    with pytest.raises(SystemExit) as exit_info:
        main(["profile", str(tiny_cnn_project), "--board", "nucleo-l4r5zi"])
    assert exit_info.value.code == 2 and "--log" in capsys.readouterr().err


def test_build_measures_the_stack_on_emulated_boards(capsys, tiny_cnn_project):
    with pytest.raises(SystemExit):
        main(["build", str(tiny_cnn_project), "--board", "mps2-an386", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert 0 < report["stack_used"] < report["stack_reserved"]


def test_a_noisy_log_and_a_log_from_another_model_are_handled(tmp_path, tiny_cnn_project):
    from mcutool.errors import McutoolError
    from mcutool.report.profile import profile_project
    from mcutool.runners.qemu import parse_output
    parsed = parse_output("\x00garbage\nO 0 zz\nO x 12\nT 0 17\nL 0 5\nMCUTOOL-END\n")
    assert parsed.times == {0: 17} and parsed.outputs == {} and parsed.complete
    with pytest.raises(McutoolError, match="times 1 operators"):
        profile_project(tiny_cnn_project, "nucleo-l4r5zi", log_text="T 0 17\nL 0 5\nMCUTOOL-END\n")
    with pytest.raises(McutoolError, match="emulated"):
        profile_project(tiny_cnn_project, "mps2-an386", log_text="MCUTOOL-END\n")


def test_a_damaged_project_file_is_a_clear_error(tmp_path, tiny_cnn_project):
    import shutil

    from mcutool.errors import McutoolError
    copy = tmp_path / "copy"
    shutil.copytree(tiny_cnn_project, copy, ignore=shutil.ignore_patterns("build-*", "main_host*"))
    (copy / "mcutool.json").write_text('{"prefix": "../../evil"}')
    with pytest.raises(McutoolError, match="damaged"):
        api.read_metadata(copy)
