"""A progress bar on stderr for the long quantization passes, without a CLI library (click
stays in cli.py): redrawn in place on a terminal, the label alone otherwise."""
from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

WIDTH = 36


class _Bar:
    def __init__(self, total: int, label: str):
        self.total, self.label, self.done = total, label, 0
        self.tty = sys.stderr.isatty()
        if self.tty:
            self._draw()
        else:
            print(label, file=sys.stderr, flush=True)

    def _draw(self) -> None:
        filled = WIDTH * self.done // self.total
        sys.stderr.write(f"\r{self.label}  [{'#' * filled}{'-' * (WIDTH - filled)}]  {self.done}/{self.total}")
        sys.stderr.flush()

    def update(self, n: int) -> None:
        self.done = min(self.total, self.done + n)
        if self.tty:
            self._draw()

    def close(self) -> None:
        if self.tty:
            sys.stderr.write("\n")
            sys.stderr.flush()


class _Null:
    def update(self, n: int) -> None:
        del n


@contextmanager
def progress_bar(total: int, label: str, enabled: bool) -> Iterator[_Bar | _Null]:
    """A bar of `total` steps when enabled; a no-op otherwise."""
    if not enabled or total <= 0:
        yield _Null()
        return
    bar = _Bar(total, label)
    try:
        yield bar
    finally:
        bar.close()
