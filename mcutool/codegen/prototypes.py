"""The runtime's public prototypes, read from its headers, so that generated calls are checked
against the real signatures (argument count, pointer types, void or status return)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from mcutool.resources import runtime_dir

PUBLIC_HEADERS = ("arm_nnfunctions.h", "mcu_nnfunctions.h")


@dataclass(frozen=True)
class Prototype:
    name: str
    returns: str
    params: tuple[str, ...]   # C types of the parameters, names dropped
    header: str


def _param_type(param: str) -> str:
    param = " ".join(param.split())
    match = re.fullmatch(r"(.*?[\s\*])(\w+)", param)
    return (match.group(1) if match else param).strip()


@cache
def load_prototypes(include_dir: Path | None = None) -> dict[str, Prototype]:
    include_dir = include_dir or runtime_dir() / "Include"
    found: dict[str, Prototype] = {}
    for header in PUBLIC_HEADERS:
        text = (include_dir / header).read_text()
        text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
        text = re.sub(r"//[^\n]*", " ", text)
        text = re.sub(r"#[^\n]*", " ", text)
        for ret, name, params in re.findall(r"([A-Za-z_][\w \t\*]*?)\s*\b(\w+)\s*\(([^;{}()]*)\)\s*;", text):
            params = params.strip()
            types = () if params in ("", "void") else tuple(_param_type(p) for p in params.split(","))
            found[name] = Prototype(name, " ".join(ret.split()), types, header)
    return found
