"""Running the command line inside a test: exit code, stdout and stderr of one `mcutool` call."""
from __future__ import annotations

import pytest

from mcutool.cli import main


def cli(capsys, *args) -> tuple[int | str | None, str, str]:
    """(exit code, stdout, stderr) of `mcutool ARGS...` (arguments str()-ed: paths and numbers
    can be passed as they are)."""
    with pytest.raises(SystemExit) as exit_info:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err
