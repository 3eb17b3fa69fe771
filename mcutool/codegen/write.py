"""Writing a generated project folder atomically: everything goes to a temporary folder beside
the target, which replaces the target only once complete. A folder that is not an earlier
mcutool output is never overwritten."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from mcutool.errors import McutoolError
from mcutool.fileio import default_mode
from mcutool.resources import runtime_dir

MARKER = "mcutool.json"


def _check_target(out_dir: Path) -> None:
    if out_dir.exists():
        if not out_dir.is_dir():
            raise McutoolError(f"{out_dir} exists and is not a folder")
        if any(out_dir.iterdir()) and not (out_dir / MARKER).exists():
            raise McutoolError(f"{out_dir} is not empty and was not made by mcutool; "
                               "choose another output folder")


def copy_runtime(dest: Path, files: list[str]) -> None:
    """The runtime sources the model needs, so the folder builds without mcutool."""
    root = runtime_dir()
    for rel in files:
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / rel, dest / rel)


def write_project(files: dict[str, str], out_dir: Path, runtime_files: list[str] | None = None) -> Path:
    out_dir = Path(out_dir).resolve()
    _check_target(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        staging.chmod(default_mode(directory=True))
        for name, text in files.items():
            (staging / name).write_text(text)
        if runtime_files:
            copy_runtime(staging / "runtime_c", runtime_files)
        if out_dir.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old.", dir=out_dir.parent))
            old.rmdir()
            out_dir.rename(old)
            staging.rename(out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            staging.rename(out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out_dir
