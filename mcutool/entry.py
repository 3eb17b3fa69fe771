"""The `mcutool` program's entry point: as little as possible runs before Ctrl-C is handled,
so an interrupt while the command line's modules load exits 130 with one line too."""
import sys


def main() -> None:
    try:
        from mcutool.cli import main as cli_main
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    cli_main()
