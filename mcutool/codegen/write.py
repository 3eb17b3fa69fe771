"""Writing a generated project folder so that nothing is lost.

Everything goes to a staging folder beside the target (`.NAME.mcutool-PID-XXXX`, holding a
marker file while it is written), which then takes the target's place in one rename: Linux's
renameat2(RENAME_EXCHANGE) swaps the two folders atomically; elsewhere the old folder is renamed
aside and restored if the second rename fails. Staging folders left by a killed run (their
process is gone) are removed the next time. An existing folder is replaced only when its
mcutool.json lists every file in it, so files mcutool did not write are never deleted.
"""
from __future__ import annotations

import contextlib
import ctypes
import fnmatch
import json
import os
import shutil
import tempfile
from pathlib import Path

from mcutool.errors import McutoolError
from mcutool.fileio import default_mode
from mcutool.resources import runtime_dir

MARKER = "mcutool.json"
STAGING_MARK = ".mcutool-staging"  # present only while a staging folder is being written
TRASH_SUFFIX = "-trash"              # a staging folder (or the old output) being deleted
# What building the folder adds (mcutool build, the generated Makefile): part of mcutool's output.
BUILD_OUTPUTS = ("main_host", "main_host_*", "build-*/*", "build/*", "lib*.a")


def _staging_prefix(out_dir: Path) -> str:
    return f".{out_dir.name}.mcutool-"


def _files_in(folder: Path) -> list[str]:
    """Every file (and symlink) under folder, as relative POSIX paths; links not followed."""
    found = []
    for root, dirs, names in os.walk(folder):
        rel = Path(root).relative_to(folder)
        found += [(rel / n).as_posix() for n in names]
        found += [(rel / d).as_posix() for d in dirs if (Path(root) / d).is_symlink()]
    return sorted(found)


def _unlisted(folder: Path) -> str | None:
    """None when folder is a complete mcutool output, else why not (naming a file)."""
    try:
        meta = json.loads((folder / MARKER).read_text())
        listed = set(meta["files"])
        patterns = list(meta.get("build_outputs", BUILD_OUTPUTS))
    except (OSError, ValueError, KeyError, TypeError):
        return f"its {MARKER} does not list the files mcutool wrote"
    for rel in _files_in(folder):
        if rel not in listed and not any(fnmatch.fnmatchcase(rel, p) for p in patterns):
            return f"it holds {rel}, which mcutool did not write"
    return None


def _check_target(out_dir: Path) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise McutoolError(f"{out_dir} exists and is not a folder")
    if out_dir.exists() and any(out_dir.iterdir()):
        why = _unlisted(out_dir)
        if why:
            raise McutoolError(f"{out_dir} is not empty and {why}; nothing was replaced: "
                               "move your files away or choose another output folder")


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


def clean_stale(out_dir: Path) -> list[Path]:
    """Remove staging folders of out_dir whose run was killed; returns what was removed."""
    prefix = _staging_prefix(out_dir)
    removed = []
    with contextlib.suppress(OSError):
        for entry in out_dir.parent.iterdir():
            if not entry.name.startswith(prefix) or entry.is_symlink() or not entry.is_dir():
                continue
            pid = entry.name[len(prefix):].split("-")[0]
            if not pid.isdigit() or _process_alive(int(pid)):
                continue
            # Made by mcutool: still being written (marker, or empty: killed right after mkdir),
            # being deleted (renamed -trash first, since deleting takes the marker with it), or
            # a finished output swapped aside.
            if (entry.name.endswith(TRASH_SUFFIX) or (entry / STAGING_MARK).is_file()
                    or not any(entry.iterdir()) or _unlisted(entry) is None):
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry)
    return removed


def _with_listing(files: dict[str, str], runtime_files: list[str]) -> dict[str, str]:
    """mcutool.json gains the list of every file written (what a later run may replace)."""
    if MARKER not in files:
        return files
    meta = json.loads(files[MARKER])
    meta["files"] = sorted([*files, *(f"runtime_c/{f}" for f in runtime_files)])
    meta["build_outputs"] = list(BUILD_OUTPUTS)
    return {**files, MARKER: json.dumps(meta, indent=2, sort_keys=True) + "\n"}


def copy_runtime(dest: Path, files: list[str]) -> None:
    """The runtime sources the model needs, so the folder builds without mcutool."""
    root = runtime_dir()
    for rel in files:
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / rel, dest / rel)


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic rename (Linux renameat2); False where that is unavailable."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: this kernel or filesystem cannot
        return False
    raise OSError(err, os.strerror(err), str(b))


def _swap_in(staging: Path, out_dir: Path) -> None:
    """Put staging at out_dir; afterwards staging holds the old folder (or nothing)."""
    if not out_dir.exists():
        staging.rename(out_dir)
        return
    if exchange(staging, out_dir):
        return
    aside = staging.with_name(staging.name + "-old")
    out_dir.rename(aside)
    try:
        staging.rename(out_dir)
    except BaseException:
        aside.rename(out_dir)  # the old folder back where it was
        raise
    aside.rename(staging)


def write_project(files: dict[str, str], out_dir: Path, runtime_files: list[str] | None = None) -> Path:
    out_dir = Path(out_dir).resolve()
    _check_target(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(out_dir)
    files = _with_listing(files, runtime_files or [])
    staging = Path(tempfile.mkdtemp(prefix=f"{_staging_prefix(out_dir)}{os.getpid()}-", dir=out_dir.parent))
    try:
        (staging / STAGING_MARK).write_text(f"{os.getpid()}\n")
        staging.chmod(default_mode(directory=True))
        for name, text in files.items():
            (staging / name).write_text(text)
        if runtime_files:
            copy_runtime(staging / "runtime_c", runtime_files)
        # From here the folder is a complete output (its mcutool.json lists every file).
        (staging / STAGING_MARK).unlink()
        _swap_in(staging, out_dir)
    finally:
        # the old folder, or a half-written one; renamed first so that a run killed while
        # deleting it leaves a folder the next run recognises as disposable
        trash = staging.with_name(staging.name + TRASH_SUFFIX)
        with contextlib.suppress(OSError):
            staging.rename(trash)
        shutil.rmtree(trash if trash.exists() else staging, ignore_errors=True)
    return out_dir
