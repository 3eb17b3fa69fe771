"""The runtime sources one model needs: the files of the kernels it calls and of the helpers
those call, found by name (one public function per file, the file named after it), plus every
header (public ones in Include/, private ones in Include/Internal/). The C unit tests in Tests/
belong to the library's own build and never reach a generated project."""
from __future__ import annotations

import re
from pathlib import Path

from mcutool.resources import runtime_dir

_CALL = re.compile(r"\b((?:arm|mcu)_\w+)\s*\(")
TESTS_DIR = "Tests"


def runtime_sources(root: Path | None = None) -> list[Path]:
    """Every library source file (kernels and support functions), sorted; the tests left out."""
    root = root or runtime_dir()
    return sorted(p for p in root.rglob("*.c") if p.relative_to(root).parts[0] != TESTS_DIR)


def needed_runtime_files(kernels: set[str], root: Path | None = None) -> list[str]:
    """Paths relative to the runtime folder, sorted: headers first, then sources."""
    root = root or runtime_dir()
    by_name = {p.stem: p for p in runtime_sources(root)}
    seen: set[str] = set()
    todo = sorted(kernels)
    while todo:
        name = todo.pop()
        if name in seen or name not in by_name:
            continue
        seen.add(name)
        todo.extend(n for n in _CALL.findall(by_name[name].read_text()) if n not in seen)
    headers = sorted(p.relative_to(root).as_posix() for p in (root / "Include").rglob("*.h"))
    sources = sorted(by_name[n].relative_to(root).as_posix() for n in seen)
    return headers + sources
