"""Board definitions: one TOML file per board in boards/ (CPU flags, memory map, console,
clock, QEMU machine or flashing targets)."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from mcutool import toml
from mcutool.errors import McutoolError
from mcutool.resources import boards_dir

HOST = "host"
DEFAULT_BOARD = "mps2-an386"


@dataclass(frozen=True)
class Region:
    origin: int
    length: int


@dataclass(frozen=True)
class Board:
    name: str
    description: str
    cpu: str
    cflags: tuple[str, ...]
    fpu: str
    dsp: bool
    mve: bool
    clock_hz: int
    console: str
    emulated: bool
    flash: Region
    ram: Region
    stack_bytes: int = 4096
    uart_base: int | None = None
    qemu_machine: str | None = None
    boot2: bool = False
    openocd: tuple[str, ...] = ()
    pyocd_target: str | None = None
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def armv6m(self) -> bool:
        return self.cpu in ("cortex-m0", "cortex-m0plus")

    @property
    def instructions_per_tick(self) -> float:
        """Under QEMU's -icount shift=0 one instruction takes 1 ns of virtual time and SysTick
        counts at the CPU clock, so one tick is 1e9 / clock instructions."""
        return 1e9 / self.clock_hz


def _parse(data: dict) -> Board:
    mem = data["memory"]
    flash_cfg = data.get("flash", {})
    return Board(
        name=data["name"], description=data["description"], cpu=data["cpu"],
        cflags=tuple(data["cflags"]), fpu=data.get("fpu", "none"), dsp=bool(data.get("dsp")),
        mve=bool(data.get("mve")), clock_hz=int(data["clock_hz"]), console=data["console"],
        emulated=bool(data.get("emulated")),
        flash=Region(int(mem["flash"]["origin"]), int(mem["flash"]["length"])),
        ram=Region(int(mem["ram"]["origin"]), int(mem["ram"]["length"])),
        stack_bytes=int(data.get("stack_bytes", 4096)), uart_base=data.get("uart_base"),
        qemu_machine=data.get("qemu", {}).get("machine"), boot2=bool(data.get("boot2")),
        openocd=tuple(flash_cfg.get("openocd", ())), pyocd_target=flash_cfg.get("pyocd_target"),
    )


@cache
def all_boards() -> dict[str, Board]:
    boards = {}
    for path in sorted(boards_dir().glob("*.toml")):
        board = _parse(toml.loads(path.read_text()))
        boards[board.name] = board
    return boards


def board_names() -> list[str]:
    return [HOST, *all_boards()]


def get_board(name: str) -> Board:
    boards = all_boards()
    if name == HOST:
        raise McutoolError(f"this needs a board, not the host; boards: {', '.join(boards)}")
    if name not in boards:
        raise McutoolError(f"unknown board {name!r}; available: {', '.join(board_names())}")
    return boards[name]
