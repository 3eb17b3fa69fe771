"""Loading firmware onto a real board through a debug probe (OpenOCD or pyOCD)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from mcutool.errors import McutoolError
from mcutool.toolchain.boards import Board

PROBES = ("openocd", "pyocd")
INSTALL = {"openocd": "apt-get install openocd", "pyocd": "pip install pyocd"}


def flash_command(elf: Path, board: Board, probe: str) -> list[str]:
    if board.emulated:
        raise McutoolError(f"{board.name} is emulated by QEMU; there is nothing to flash. "
                           f"Run it with `mcutool run DIR --board {board.name} --input X.npy`")
    if probe == "openocd":
        if not board.openocd:
            raise McutoolError(f"board {board.name} has no OpenOCD configuration; try --probe pyocd")
        # OpenOCD's Tcl parser needs forward slashes and braces around paths with spaces.
        return ["openocd", *board.openocd, "-c", f"program {{{Path(elf).as_posix()}}} verify reset exit"]
    if probe == "pyocd":
        if not board.pyocd_target:
            raise McutoolError(f"board {board.name} has no pyOCD target; try --probe openocd")
        return ["pyocd", "flash", "--target", board.pyocd_target, str(elf)]
    raise McutoolError(f"unknown probe {probe!r}; choose one of {', '.join(PROBES)}")


def flash(elf: Path, board: Board, probe: str) -> None:
    cmd = flash_command(elf, board, probe)
    if shutil.which(cmd[0]) is None:
        raise McutoolError(f"{cmd[0]} is not installed ({INSTALL[cmd[0]]}); "
                           "or use --dry-run to print the command")
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise McutoolError(f"{cmd[0]} failed (exit {proc.returncode}):\n{(proc.stderr or proc.stdout).strip()[-2000:]}")
