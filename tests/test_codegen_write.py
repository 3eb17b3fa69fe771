"""Nothing lost: output folders are swapped in whole, staging folders of killed runs are cleaned
up, and a folder is replaced only when its mcutool.json lists every file in it."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mcutool.codegen import write
from mcutool.codegen.write import STAGING_MARK, clean_stale, exchange, write_project
from mcutool.errors import McutoolError

ROOT = Path(__file__).resolve().parent.parent


def files(version: str) -> dict[str, str]:
    return {"model.c": f"/* {version} */\n", "mcutool.json": json.dumps({"prefix": "model"}) + "\n"}


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_new_folder_lists_its_files(tmp_path):
    out = write_project(files("v1"), tmp_path / "gen")
    meta = json.loads((out / "mcutool.json").read_text())
    assert meta["files"] == ["mcutool.json", "model.c"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gen"]


def test_replacing_keeps_nothing_old_and_leaves_no_staging(tmp_path):
    out = write_project(files("v1"), tmp_path / "gen")
    (out / "main_host").write_text("a build product")      # what `mcutool build` adds
    (out / "build-mps2-an386").mkdir()
    (out / "build-mps2-an386" / "firmware.elf").write_text("elf")
    write_project(files("v2"), out)
    assert (out / "model.c").read_text() == "/* v2 */\n"
    assert sorted(p.name for p in out.iterdir()) == ["mcutool.json", "model.c"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gen"]


def test_the_swap_is_one_rename(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "1").write_text("a")
    (b / "1").write_text("b")
    assert exchange(a, b)  # Linux on a local filesystem: renameat2(RENAME_EXCHANGE)
    assert (a / "1").read_text() == "b" and (b / "1").read_text() == "a"


def test_without_exchange_the_old_folder_is_restored_on_failure(tmp_path, monkeypatch):
    out = write_project(files("v1"), tmp_path / "gen")
    monkeypatch.setattr(write, "exchange", lambda a, b: False)  # a platform without renameat2
    write_project(files("v2"), out)
    assert (out / "model.c").read_text() == "/* v2 */\n"
    missing = tmp_path / ".gen.mcutool-1-gone"  # a staging folder that vanished
    with pytest.raises(FileNotFoundError):
        write._swap_in(missing, out)
    assert (out / "model.c").read_text() == "/* v2 */\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gen"]


@pytest.mark.parametrize("meta", ["{}", '{"files": ["mcutool.json"]}', "not json"])
def test_a_folder_with_other_files_is_never_replaced(tmp_path, meta):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "mcutool.json").write_text(meta)
    (out / "thesis.tex").write_text("years of work")
    with pytest.raises(McutoolError, match="nothing was replaced"):
        write_project(files("v1"), out)
    assert (out / "thesis.tex").read_text() == "years of work"


def test_a_user_file_added_to_an_output_stops_the_replace(tmp_path):
    out = write_project(files("v1"), tmp_path / "gen")
    (out / "notes.txt").write_text("mine")
    with pytest.raises(McutoolError, match=r"it holds notes\.txt, which mcutool did not write"):
        write_project(files("v2"), out)
    assert (out / "notes.txt").read_text() == "mine" and (out / "model.c").read_text() == "/* v1 */\n"


def test_stale_staging_folders_are_cleaned_only_when_mcutool_made_them(tmp_path):
    out = tmp_path / "gen"
    pid = dead_pid()
    half = tmp_path / f".gen.mcutool-{pid}-abc"          # killed while writing
    half.mkdir()
    (half / STAGING_MARK).write_text(f"{pid}\n")
    (half / "model.c").write_text("half")
    swapped = write_project(files("old"), tmp_path / f".gen.mcutool-{pid}-def")  # old output set aside
    live = tmp_path / f".gen.mcutool-{os.getpid()}-ghi"  # a run still going
    live.mkdir()
    (live / STAGING_MARK).write_text("x")
    user = tmp_path / f".gen.mcutool-{pid}-jkl"          # same name pattern, not mcutool's
    user.mkdir()
    (user / "data.csv").write_text("1,2")
    other = tmp_path / f".other.mcutool-{pid}-abc"        # another output's
    other.mkdir()
    (other / STAGING_MARK).write_text("x")
    write_project(files("v1"), out)
    assert not half.exists() and not swapped.exists()
    assert live.exists() and (user / "data.csv").exists() and other.exists()
    assert clean_stale(tmp_path / "other") == [other]


def _generate(model: Path, out: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "mcutool", "generate", str(model), "-o", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)


@pytest.mark.slow
def test_sigkill_never_loses_the_folder(tmp_path):
    """Kill generate at many moments: the target is always the old or the new output, whole;
    the next run removes whatever staging folder was left behind."""
    model = ROOT / "examples" / "tiny_cnn.tflite"
    out = tmp_path / "gen"
    assert _generate(model, out).wait(timeout=120) == 0
    expected = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    for delay in (0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.2):
        proc = _generate(model, out)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == expected
    assert _generate(model, out).wait(timeout=120) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gen"]
