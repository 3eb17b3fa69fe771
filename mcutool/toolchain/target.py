"""Where generated code runs: the host (gcc), an emulated board (QEMU) or a real board (flashed).

A Target is resolved once from the `--board` name (in the CLI, or the API's entry points) and
then owns what depends on it: the instruction set the kernel calls are laid out for, the fit
check, building and running.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mcutool.abi import DEFAULT_ISA, Isa, covers, isa_of
from mcutool.errors import McutoolError
from mcutool.toolchain.boards import HOST, Board, get_board


@dataclass(frozen=True)
class Target:
    name: str
    board: Board | None = None   # None: the host

    @property
    def is_host(self) -> bool:
        return self.board is None

    @property
    def emulated(self) -> bool:
        return self.board is not None and self.board.emulated

    @property
    def isa(self) -> Isa:
        """CMSIS-NN's code path for this core; the host builds plain C."""
        return DEFAULT_ISA if self.board is None else isa_of(self.board.dsp, self.board.mve)

    def check_fit(self, weight_bytes: int, arena_bytes: int) -> None:
        """Refuse, before compiling, a model that cannot fit the board (the host always fits)."""
        if self.board is not None:
            from mcutool.toolchain.firmware import check_fit
            check_fit(self.board, weight_bytes, arena_bytes)

    def check_layout(self, laid_out_for: Isa, cmsis_nn: Path | None) -> None:
        """ARM's CMSIS-NN reads scratch and kernel sums laid out for its own code path; runtime_c
        works with any layout mcutool writes."""
        if cmsis_nn is not None and not covers(laid_out_for, self.isa):
            raise McutoolError(
                f"this folder's kernel calls are laid out for the {laid_out_for} code path, but ARM's "
                f"CMSIS-NN on {self.name} runs its {self.isa} path (other scratch sizes, kernel sums): "
                f"generate it again with --board {self.name}")

    def build(self, project_dir: Path, meta: dict, samples: list[list[np.ndarray]] | None = None,
              sanitize: bool = False, trace: bool = False, opt: str = "-O2", cmsis_nn: Path | None = None):
        """The host program (its path) or the board's firmware (a Firmware), running `samples`
        compiled in (default: one sample of zeros)."""
        self.check_layout(meta.get("isa", DEFAULT_ISA), cmsis_nn)
        if self.board is None:
            if cmsis_nn is not None:
                raise McutoolError("ARM's CMSIS-NN is linked into board firmware only, not the host program")
            from mcutool.toolchain.host import build_host
            return build_host(Path(project_dir), meta["prefix"], sanitize=sanitize, trace=trace, opt=opt)
        from mcutool.toolchain.firmware import build_firmware
        if samples is None:
            samples = [[np.zeros(i["shape"], i["dtype"]) for i in meta["inputs"]]]
        return build_firmware(Path(project_dir), meta["prefix"], self.board, samples, opt=opt, cmsis_nn=cmsis_nn)

    def run_firmware(self, elf: Path):
        """Run built firmware under QEMU (emulated boards only)."""
        if self.board is None or not self.board.emulated:
            raise McutoolError(f"{self.name} is a real board, not emulated: build it with `mcutool build` "
                               "and load it with `mcutool flash`")
        from mcutool.runners.qemu import run_firmware
        return run_firmware(elf, self.board)


HOST_TARGET = Target(HOST)


def resolve_target(target: str | Target | None) -> Target:
    """A Target from a `--board` value ("host" or a board name); unknown names are one clear error."""
    if isinstance(target, Target):
        return target
    if target is None or target == HOST:
        return HOST_TARGET
    return Target(target, get_board(target))
