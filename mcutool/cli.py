"""The command line: a thin layer over mcutool.api. User errors exit with status 2 and one
readable message, never a traceback."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import numpy as np

from mcutool import __version__, api
from mcutool.errors import McutoolError

BOARD = click.option("--board", default=api.HOST, show_default=True, help="Target board.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mcutool")
def cli() -> None:
    """Put trained neural networks on microcontrollers: .tflite in, bit-exact int8 C out."""


@cli.command()
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def inspect(model: str, as_json: bool) -> None:
    """Operators, shapes, quantization, MACs, weight bytes and planned arena of MODEL."""
    from mcutool.report.inspect import format_inspect, inspect_graph
    info = inspect_graph(api.load_model(model))
    click.echo(json.dumps(info, indent=2) if as_json else format_inspect(info))


@cli.command()
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder to write the C sources to.")
@BOARD
@click.option("--prefix", default="model", show_default=True,
              help="Prefix of the C symbols and file names (two models can share a firmware).")
def generate(model: str, out_dir: str, board: str, prefix: str) -> None:
    """Generate C sources for MODEL into a folder."""
    _check_board(board)
    compiled = api.compile_graph(api.load_model(model))
    out = api.generate(compiled, out_dir, prefix=prefix, source_name=Path(model).name)
    meta = api.read_metadata(out)
    click.echo(f"wrote {out}: arena {meta['arena_bytes']:,} bytes, weights {meta['weight_bytes']:,} bytes")


@cli.command()
@click.argument("project", type=click.Path(file_okay=False))
@BOARD
@click.option("--input", "input_path", required=True, type=click.Path(dir_okay=False),
              help=".npy (or .npz with x) of one sample or a batch, float or int8.")
@click.option("-o", "--output", "output_path", type=click.Path(dir_okay=False),
              help="Write the outputs (first model output, stacked per sample) to this .npy.")
def run(project: str, board: str, input_path: str, output_path: str | None) -> None:
    """Build the generated PROJECT for a board, run it on inputs, print the outputs."""
    from mcutool.runs import run_project
    outputs = run_project(project, input_path, board)
    stacked = np.stack([o[0] for o in outputs])
    with np.printoptions(threshold=200, linewidth=120):
        for i, sample in enumerate(outputs[:10]):
            click.echo(f"sample {i}: {np.asarray(sample[0]).reshape(-1)}")
        if len(outputs) > 10:
            click.echo(f"... {len(outputs) - 10} more samples")
    if output_path:
        np.save(output_path, stacked)
        click.echo(f"wrote {output_path}")


@cli.command()
@click.argument("model", type=click.Path(dir_okay=False))
@BOARD
@click.option("--data", "data_path", required=True, type=click.Path(dir_okay=False),
              help=".npz with x (and optional integer labels y), or .npy of x.")
@click.option("--layers", is_flag=True, help="Compare every intermediate tensor; name the first that differs.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def validate(model: str, board: str, data_path: str, layers: bool, as_json: bool) -> None:
    """Generate, build and run MODEL on every sample; compare with TFLite-Micro bit for bit."""
    from mcutool.validate.run import format_validation, validate_model
    _check_board(board)
    report = validate_model(model, data_path, board=board, layers=layers)
    click.echo(json.dumps(report, indent=2) if as_json else format_validation(report))
    if report["mismatches"]:
        sys.exit(1)


def _check_board(board: str) -> None:
    if board != api.HOST:
        raise McutoolError(f"unknown board {board!r}; available: {api.HOST}")


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="mcutool", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2)
    except McutoolError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except OSError as exc:
        click.echo(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), err=True)
        sys.exit(2)
    sys.exit(0)


if __name__ == "__main__":
    main()
