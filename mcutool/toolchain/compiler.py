"""Running a C compiler, with errors that say what failed instead of a traceback."""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from mcutool.errors import McutoolError

WARNINGS = ["-std=c99", "-Wall", "-Wextra", "-Werror"]


class ToolchainError(McutoolError):
    pass


def find_tool(name: str, install_hint: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise ToolchainError(f"{name} is not installed ({install_hint})")
    return path


def run_tool(cmd: list[str], what: str, cwd: Path | None = None) -> None:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        output = (proc.stderr or proc.stdout).strip()
        lines = output.splitlines()
        shown = "\n".join(lines[:40]) + ("\n..." if len(lines) > 40 else "")
        raise ToolchainError(f"{what} failed:\n{shown}")


def cache_root() -> Path:
    base = os.environ.get("MCUTOOL_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "mcutool")
    return Path(base)


def tool_version(cc: str) -> str:
    proc = subprocess.run([cc, "--version"], capture_output=True, text=True)
    return proc.stdout.splitlines()[0] if proc.stdout else cc


def build_static_library(cc: str, ar: str, sources: list[Path], include_dirs: list[Path],
                         flags: list[str], label: str) -> Path:
    """Compile sources into a static library, cached by content, compiler and flags."""
    digest = hashlib.sha256()
    digest.update(tool_version(cc).encode())
    digest.update(" ".join(flags).encode())
    for d in include_dirs:
        for h in sorted(d.rglob("*.h")):   # Include/Internal/ too
            digest.update(h.name.encode() + h.read_bytes())
    for src in sources:
        digest.update(src.name.encode() + src.read_bytes())
    lib = cache_root() / f"{label}-{digest.hexdigest()[:20]}" / "libmcunn.a"
    if lib.exists():
        return lib
    lib.parent.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"{label}-", dir=lib.parent.parent))
    try:
        objects = []
        incs = [f"-I{d}" for d in include_dirs]
        for i, src in enumerate(sources):
            obj = work / f"{i:03d}_{src.stem}.o"
            run_tool([cc, *flags, *incs, "-c", str(src), "-o", str(obj)], f"compiling {src.name}")
            objects.append(str(obj))
        run_tool([ar, "rcs", str(work / "libmcunn.a"), *objects], "archiving the runtime")
        try:
            work.rename(lib.parent)
        except OSError:
            pass  # another process built the same library meanwhile
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return lib
