"""Where the shipped data folders are: inside the installed package (wheel), or at the top of
the source tree (editable install), where they live in the repository."""
from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _folder(name: str) -> Path:
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"mcutool's {name}/ folder is missing from the installation")


def runtime_dir() -> Path:
    return _folder("runtime_c")


def templates_dir() -> Path:
    return _folder("templates")


def boards_dir() -> Path:
    return _folder("boards")
