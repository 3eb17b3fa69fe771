"""Building a generated project into a host executable with gcc (optionally sanitized)."""
from __future__ import annotations

from pathlib import Path

from mcutool.toolchain.compiler import WARNINGS, build_static_library, find_tool, run_tool

SANITIZE = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer", "-g"]


def build_host(project_dir: Path, prefix: str, sanitize: bool = False, trace: bool = False,
               opt: str = "-O2", cc: str = "gcc") -> Path:
    project_dir = Path(project_dir)
    cc = find_tool(cc, "apt-get install gcc")
    runtime = project_dir / "runtime_c"
    include = runtime / "Include"
    flags = [*WARNINGS, opt] + (SANITIZE if sanitize else [])
    lib = build_static_library(cc, "ar", sorted(runtime.rglob("*.c")), [include], flags,
                               "host-asan" if sanitize else "host")
    suffix = ("_asan" if sanitize else "") + ("_trace" if trace else "")
    exe = project_dir / f"main_host{suffix}"
    defines = [f"-D{prefix.upper()}_TRACE"] if trace else []
    sources = [project_dir / f"{prefix}.c", project_dir / f"{prefix}_weights.c", project_dir / "main_host.c"]
    run_tool([cc, *flags, *defines, f"-I{include}", f"-I{project_dir}", *map(str, sources),
              str(lib), "-o", str(exe)], "building the host program")
    return exe
