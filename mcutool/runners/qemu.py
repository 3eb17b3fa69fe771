"""Running test firmware under QEMU and reading back what it printed."""
from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mcutool.errors import McutoolError
from mcutool.runners.host import RunError
from mcutool.toolchain.boards import Board

if TYPE_CHECKING:
    from mcutool.toolchain.firmware import Firmware

QEMU = "qemu-system-arm"


@dataclass
class FirmwareOutput:
    outputs: dict[int, bytes] = field(default_factory=dict)   # sample -> output bytes
    times: dict[int, int] = field(default_factory=dict)       # sample -> timer units
    layers: dict[int, int] = field(default_factory=dict)      # op index -> timer units
    stack_used: int | None = None
    complete: bool = False
    firmware: Firmware | None = None    # the Firmware that ran (its sizes), when mcutool built it


def qemu_command(elf: Path, board: Board) -> list[str]:
    # -icount shift=0: one instruction per virtual ns, so SysTick counts are deterministic.
    assert board.qemu_machine is not None  # callers refuse real boards first
    return [QEMU, "-M", board.qemu_machine, "-nographic", "-monitor", "none",
            "-semihosting-config", "enable=on,target=native", "-icount", "shift=0",
            "-kernel", str(elf)]


def run_qemu(elf: Path, board: Board, timeout: float = 600) -> tuple[int, str, str]:
    if not board.emulated or not board.qemu_machine:
        raise McutoolError(f"{board.name} is a real board, not emulated: use `mcutool flash`")
    try:
        proc = subprocess.run(qemu_command(elf, board), stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=timeout)
    except FileNotFoundError:
        raise McutoolError(f"{QEMU} is not installed (apt-get install qemu-system-arm)") from None
    except subprocess.TimeoutExpired:
        raise RunError(f"QEMU ({board.name}) did not finish within {timeout:.0f} s") from None
    return proc.returncode, proc.stdout.decode("latin-1"), proc.stderr.decode("latin-1")


def parse_output(text: str) -> FirmwareOutput:
    result = FirmwareOutput()
    for line in text.replace("\r", "").splitlines():
        parts = line.split()
        if not parts:
            continue
        tag = parts[0]
        if tag == "MCUTOOL-END":
            result.complete = True
            continue
        if len(parts) != 3 or tag not in "OTLS" or not parts[1].isdigit():
            continue  # not ours: boot messages, noise on a UART
        index = int(parts[1])
        try:
            if tag == "O":
                result.outputs[index] = bytes.fromhex(parts[2])
            elif tag == "T":
                result.times[index] = int(parts[2])
            elif tag == "L":
                result.layers[index] = int(parts[2])
            else:
                result.stack_used = int(parts[2])
        except ValueError:
            continue
    return result


def run_firmware(elf: Path, board: Board, timeout: float = 600) -> FirmwareOutput:
    code, out, err = run_qemu(elf, board, timeout)
    # Semihosting writes reach QEMU's stderr, a UART's bytes its stdout.
    out = out + "\n" + err
    parsed = parse_output(out)
    if "MCUTOOL-FAULT" in out:
        fault = out.split("MCUTOOL-FAULT", 1)[1].splitlines()[0].strip()
        raise RunError(f"the firmware faulted on {board.name}: {fault}")
    if code != 0 or not parsed.complete:
        detail = (err.strip() or out.strip())[-2000:]
        raise RunError(f"the firmware on {board.name} failed (QEMU exit {code}):\n{detail}")
    return parsed
