"""The command line: a thin layer over mcutool.api. User errors exit with status 2 and one
readable message, never a traceback."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click
import numpy as np

from mcutool import __version__, api
from mcutool.errors import McutoolError
from mcutool.quantize.observers import METHODS
from mcutool.quantize.pipeline import DEFAULT_METHOD, PtqOptions

BOARD = click.option("--board", default=api.HOST, show_default=True,
                     help="Target: host, or a board from `mcutool boards`.")
_PTQ_OPTIONS = [
    click.option("--method", type=click.Choice(METHODS), default=DEFAULT_METHOD, show_default=True,
                 help="Range estimator for activations (with --calib)."),
    click.option("--per-tensor", is_flag=True, help="One weight scale per tensor instead of per channel."),
    click.option("--samples", type=click.IntRange(min=1), help="Calibrate on the first N samples only."),
    click.option("--bias-correction", is_flag=True, help="Correct the bias shift that weight rounding causes."),
    click.option("--equalize", is_flag=True, help="Cross-layer equalization of weight ranges first."),
    click.option("--weights", "weight_type", default="int8", show_default=True, metavar="int8|int4|codebook:K",
                 help="Weight type: int4 packs conv and depthwise weights (per channel) and fully "
                      "connected ones (per tensor) two per byte; codebook:K (K = 2..16) clusters each "
                      "layer's int8 weights into K shared values (k-means), stored as packed indices."),
    click.option("--rounding", default="nearest", show_default=True, metavar="nearest|adaround",
                 help="How int4 weights are rounded: to nearest, or learned per layer (AdaRound)."),
    click.option("--activations", default="int8", show_default=True, metavar="int8|int16",
                 help="Activation type: int16 is TFLite's 16x8 scheme (symmetric int16 activations, "
                      "int8 weights, int64 bias)."),
    click.option("--layer-bits", "layer_bits", metavar="NAME=FMT,...|FILE.toml",
                 help="Format per layer (operator or output tensor name as `inspect` shows it): int8, int4, "
                      "int4:adaround or codebook:K weights, or int16: int8 weights and int16 activations "
                      "(16x8) for that layer and the tensors it reads (and writes, when they lead to the "
                      "model output, which is then int16); the other layers take --weights."),
    click.option("--flash-budget", "flash_budget", type=int, metavar="BYTES",
                 help="Choose each layer's format (int8, int4, codebook, or int16 activations where they "
                      "cut the output error) to fit the weights in BYTES with the least output error "
                      "measured on the calibration data; prints the candidates' bytes, arena and SQNR."),
    click.option("--ram-budget", "ram_budget", type=int, metavar="BYTES",
                 help="With --flash-budget: the arena (RAM) the chosen formats may take; int16 activations "
                      "need more. Default: the arena of the int8 model."),
]


def ptq_options(fn):
    """Decorator adding the post-training quantization options to a command."""
    for option in reversed(_PTQ_OPTIONS):
        fn = option(fn)
    return fn


def calib_option(fn):
    return click.option("--calib", "calib_path", type=click.Path(dir_okay=False),
                        help="Quantize a float MODEL first, calibrating on this .npz/.npy.")(fn)


def options_from(kwargs: dict) -> PtqOptions:
    """Pop the PTQ options out of a command's keyword arguments."""
    from mcutool.quantize.layer_bits import parse_layer_bits
    layer_bits = kwargs.pop("layer_bits")
    return PtqOptions(method=kwargs.pop("method"), per_channel=not kwargs.pop("per_tensor"),
                      samples=kwargs.pop("samples"), bias_correction=kwargs.pop("bias_correction"),
                      equalize=kwargs.pop("equalize"), weights=kwargs.pop("weight_type"),
                      rounding=kwargs.pop("rounding"), activations=kwargs.pop("activations"),
                      layer_bits=parse_layer_bits(layer_bits) if layer_bits is not None else None,
                      flash_budget=kwargs.pop("flash_budget"), ram_budget=kwargs.pop("ram_budget"))


def _needs_calib(ptq: dict) -> None:
    """--layer-bits and --flash-budget choose formats while quantizing a float model."""
    for option, key in (("--layer-bits", "layer_bits"), ("--flash-budget", "flash_budget"),
                        ("--ram-budget", "ram_budget")):
        if ptq.get(key) is not None:
            raise McutoolError(f"{option} chooses formats while quantizing a float model; it needs --calib")


OPT = click.option("--opt", type=click.Choice(["-O2", "-Os", "-O3"]), default="-O2", show_default=True,
                   help="Compiler optimisation for the model and runtime.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mcutool")
@click.option("--debug", is_flag=True, help="Show the traceback of an internal error (anywhere on the line).")
def cli(debug: bool) -> None:
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
@calib_option
@ptq_options
def generate(model: str, out_dir: str, board: str, prefix: str, calib_path: str | None, **ptq) -> None:
    """Generate C sources for MODEL into a folder (a float MODEL needs --calib)."""
    target = _check_board(board)
    graph = api.load_model(model)
    if calib_path:
        graph = _quantized(graph, calib_path, ptq, model)
    else:   # an int8 model: --weights codebook:K stores the layers with at most K values as codebooks
        _needs_calib(ptq)
        from mcutool.quantize.codebook import mark_codebook
        mark_codebook(graph, ptq["weight_type"])
    compiled = api.compile_graph(graph, target)  # laid out for the board's instruction set
    from mcutool.ir.analysis import weight_bytes
    # fail before writing anything when the model cannot fit the board
    target.check_fit(weight_bytes(compiled.graph), compiled.plan.arena_bytes)
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
        from mcutool.fileio import save_npy_atomic
        save_npy_atomic(output_path, stacked)
        click.echo(f"wrote {output_path}")


@cli.command()
@click.argument("model", type=click.Path(dir_okay=False))
@BOARD
@click.option("--data", "data_path", required=True, type=click.Path(dir_okay=False),
              help=".npz with x (and optional integer labels y), or .npy of x.")
@click.option("--layers", is_flag=True, help="Compare every intermediate tensor; name the first that differs.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@calib_option
@ptq_options
def validate(model: str, board: str, data_path: str, layers: bool, as_json: bool, calib_path: str | None,
             **ptq) -> None:
    """Generate, build and run MODEL on every sample; compare with TFLite-Micro bit for bit.
    With --calib a float MODEL is quantized first and its float accuracy is shown too."""
    from mcutool.validate.run import format_validation, validate_model
    target = _check_board(board)
    if layers and not target.is_host:
        raise McutoolError("--layers compares intermediate tensors on the host only; use --board host")
    _check_labels(api.load_model(model), data_path)
    if calib_path:
        report = _validate_quantized(model, calib_path, ptq, data_path, board, layers)
    else:
        _needs_calib(ptq)
        report = validate_model(model, data_path, board=board, layers=layers)
    click.echo(json.dumps(report, indent=2) if as_json else format_validation(report))
    if report["mismatches"]:
        sys.exit(1)


@cli.command()
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("--calib", "calib_path", required=True, type=click.Path(dir_okay=False),
              help="Calibration samples: .npz with float x (labels y optional), or .npy.")
@click.option("-o", "--output", "output_path", required=True, type=click.Path(dir_okay=False),
              help="The int8 .tflite to write.")
@ptq_options
@click.option("--report", "show_report", is_flag=True,
              help="Per-layer SQNR vs the float model (and accuracy, if the data has labels y).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def quantize(model: str, calib_path: str, output_path: str, show_report: bool, as_json: bool, **ptq) -> None:
    """Quantize a float MODEL to a full-integer int8 .tflite (int8 input and output, or int16
    where --activations int16 or an int16 layer reaches them)."""
    from mcutool.quantize.budget import format_budget
    from mcutool.quantize.command import summary_line, write_model
    from mcutool.report.quantization import format_report
    options = options_from(ptq)
    graph = api.load_model(model)
    if show_report:
        _check_labels(graph, calib_path)
    qgraph, summary = api.quantize_file(graph, calib_path, options, report=show_report,
                                        progress=not as_json, what=model)
    write_model(qgraph, output_path)
    if as_json:
        click.echo(json.dumps({"output": output_path, **summary}, indent=2))
        return
    click.echo(f"wrote {output_path}: {summary_line(summary)}")
    if "budget" in summary:
        click.echo(format_budget(summary["budget"]))
    elif "layer_formats" in summary:
        click.echo("layers: " + ", ".join(f"{n}={f}" for n, f in summary["layer_formats"].items()))
    if show_report:
        click.echo(format_report(summary["report"]))


@cli.command()
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("--train", "train_path", required=True, type=click.Path(dir_okay=False),
              help="Training samples: .npz with float x and integer labels y.")
@click.option("--val", "val_path", type=click.Path(dir_okay=False),
              help="Validation samples (.npz with x and y) for the accuracy table (default: --train).")
@click.option("--epochs", type=int, required=True, help="Passes over the training data (at least 1).")
@click.option("--lr", type=float, default=1e-4, show_default=True, help="Adam learning rate (cosine schedule).")
@click.option("--batch", type=int, default=64, show_default=True, help="Samples per step (over all processes).")
@click.option("--weights", default="int8", show_default=True, metavar="int8|int4|codebook:K",
              help="Weight grid: int8, int4 (-7..7; per channel, fully connected per tensor), or "
                   "codebook:K (K = 2..16 shared int8 values per layer, per-channel scales; the "
                   "centroids are trained, each by the sum of its weights' gradients).")
@click.option("--codebook-reassign/--codebook-fixed", default=None,
              help="With codebook:K: move each weight to its nearest centroid once per epoch (the "
                   "default), or keep the indices of the initial clustering.")
@click.option("--activations", default="int8", show_default=True, metavar="int8|int16",
              help="Activation type trained for: int16 is TFLite's 16x8 scheme (symmetric int16 "
                   "activations, int8 weights, int64 bias).")
@click.option("--layer-bits", "layer_bits", metavar="NAME=FMT,...|FILE.toml",
              help="Weight format per layer (operator or output tensor name as `inspect` shows it): "
                   "int8, int4 (int4:adaround is int4: training learns the rounding), codebook:K, or "
                   "int16 (int8 weights, int16 activations); the other layers take --weights.")
@click.option("--flash-budget", "flash_budget", type=int, metavar="BYTES",
              help="Choose each layer's format (int8, int4, codebook, or int16 activations) before "
                   "training with quantize's budget search on the calibration samples (the first 1000 "
                   "training samples), then train those formats; the trained weights must fit too.")
@click.option("--ram-budget", "ram_budget", type=int, metavar="BYTES",
              help="With --flash-budget: the arena (RAM) the chosen formats may take; int16 activations "
                   "need more. Default: the arena of the int8 model.")
@click.option("--learn-scales", is_flag=True, help="Learn the step sizes too (LSQ).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of initialisation and shuffling.")
@click.option("-o", "--output", "output_path", required=True, type=click.Path(dir_okay=False),
              help="The quantized .tflite to write.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def qat(model: str, train_path: str, val_path: str | None, epochs: int, lr: float, batch: int, weights: str,
        codebook_reassign: bool | None, activations: str, layer_bits: str | None, flash_budget: int | None,
        ram_budget: int | None, learn_scales: bool, seed: int, output_path: str, as_json: bool) -> None:
    """Quantization-aware training of a float MODEL (a classifier) into an int8 (or 16x8) .tflite;
    prints the float, PTQ and QAT accuracy. Runs under `torchrun --nproc_per_node=K -m mcutool qat ...`."""
    from mcutool.qat import QatError
    from mcutool.qat.checks import QatOptions
    from mcutool.qat.command import format_summary
    from mcutool.quantize.command import write_model
    from mcutool.quantize.layer_bits import parse_layer_bits
    bits = parse_layer_bits(layer_bits) if layer_bits is not None else None
    if codebook_reassign is not None and not any(
            f.startswith("codebook") for f in [weights, *(bits or {}).values()]) and flash_budget is None:
        flag = "--codebook-reassign" if codebook_reassign else "--codebook-fixed"
        raise QatError(f"{flag} applies to codebook:K weights only")
    options = QatOptions(epochs=epochs, lr=lr, batch_size=batch, weights=weights, learn_scales=learn_scales,
                         seed=seed, activations=activations, flash_budget=flash_budget, ram_budget=ram_budget,
                         layer_bits=bits,
                         codebook_reassign=codebook_reassign is not False)
    result = api.qat_file(api.load_model(model), train_path, val_path, options, progress=not as_json)
    if result is None:
        return  # not rank 0: rank 0 writes and prints
    qgraph, summary = result
    write_model(qgraph, output_path)
    click.echo(json.dumps({"output": output_path, **summary}, indent=2) if as_json
               else format_summary(output_path, summary))


def _check_labels(graph, data_path: str) -> None:
    """Labels, if the data has them, must name classes of the model's first output."""
    from mcutool.data import check_labels, load_data
    out = graph.tensors[graph.outputs[0]]
    check_labels(load_data(data_path).y, out.shape[-1] if out.shape else 1)


def _quantized(graph, calib_path: str, ptq: dict, model: str):
    qgraph, summary = api.quantize_file(graph, calib_path, options_from(ptq), what=model)
    _echo_summary(summary)
    return qgraph


def _echo_summary(summary: dict) -> None:
    """generate and validate --calib: what the quantization chose, on stderr."""
    from mcutool.quantize.budget import format_budget
    from mcutool.quantize.command import summary_line
    click.echo(summary_line(summary), err=True)
    if "budget" in summary:
        click.echo(format_budget(summary["budget"]), err=True)
    elif "layer_formats" in summary:
        click.echo("layers: " + ", ".join(f"{n}={f}" for n, f in summary["layer_formats"].items()), err=True)


def _validate_quantized(model: str, calib_path: str, ptq: dict, data_path: str, board: str, layers: bool) -> dict:
    """validate --calib: quantize into a temporary .tflite, validate that, add the float accuracy."""
    import tempfile

    from mcutool.data import check_samples, load_data
    from mcutool.quantize.command import float_accuracy, write_model
    from mcutool.validate.run import validate_model
    graph = api.load_model(model)
    qgraph, summary = api.quantize_file(graph, calib_path, options_from(ptq), what=model)
    _echo_summary(summary)
    with tempfile.TemporaryDirectory(prefix="mcutool-quantized-") as tmp:
        path = write_model(qgraph, Path(tmp) / f"{Path(model).stem}_int8.tflite")
        report = validate_model(path, data_path, board=board, layers=layers)
    report["model"] = f"{model} (quantized)"
    report["quantization"] = summary
    data = load_data(data_path)
    report["float_accuracy"] = None
    if data.y is not None and data.x.dtype.kind == "f":
        x = check_samples(data, graph.tensors[graph.inputs[0]].shape)
        report["float_accuracy"] = float_accuracy(graph, x, data.y)
    return report


@cli.command()
@click.option("--board", default="mps2-an386", show_default=True, help="An emulated board.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def bench(board: str, as_json: bool) -> None:
    """Instructions, flash and RAM of mcutool's kernels on the anchor layers, beside
    CMSIS-NN's and plain C's instruction counts on the same emulated CPU."""
    from mcutool.report.bench import bench_layers, format_bench
    if not _check_board(board).emulated:
        raise McutoolError(f"bench counts instructions under QEMU; {board} is not an emulated board")
    rows = bench_layers(board)
    click.echo(json.dumps({"board": board, "layers": rows}, indent=2) if as_json else format_bench(board, rows))


def _check_board(board: str) -> api.Target:
    """--board, resolved once: an unknown name is one clear error."""
    return api.resolve_target(board)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def boards(as_json: bool) -> None:
    """List the boards: CPU, memory, console, emulated or real."""
    from mcutool.toolchain.boards import DEFAULT_BOARD, all_boards
    rows: list[dict[str, Any]] = [
        {"name": b.name, "cpu": b.cpu, "flash_bytes": b.flash.length, "ram_bytes": b.ram.length,
         "clock_hz": b.clock_hz, "console": b.console, "emulated": b.emulated,
         "qemu_machine": b.qemu_machine, "description": b.description} for b in all_boards().values()]
    if as_json:
        click.echo(json.dumps({"default": DEFAULT_BOARD, "boards": rows}, indent=2))
        return
    click.echo(f"{'board':<19} {'cpu':<14} {'flash':>9} {'RAM':>9}  {'kind':<9} console")
    for r in rows:
        kind = "emulated" if r["emulated"] else "real"
        mark = " (default)" if r["name"] == DEFAULT_BOARD else ""
        click.echo(f"{r['name']:<19} {r['cpu']:<14} {r['flash_bytes'] // 1024:>7} K {r['ram_bytes'] // 1024:>7} K  "
                   f"{kind:<9} {r['console']}{mark}")


@cli.command()
@click.argument("project", type=click.Path(file_okay=False))
@click.option("--board", default="mps2-an386", show_default=True, help="A board from `mcutool boards`.")
@OPT
@click.option("--input", "input_path", type=click.Path(dir_okay=False),
              help="Samples to compile into the test firmware (default: one input of zeros).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def build(project: str, board: str, opt: str, input_path: str | None, as_json: bool) -> None:
    """Build test firmware for PROJECT: ELF, flash and RAM use; fails if it does not fit."""
    from mcutool.runs import load_project_samples
    target = _check_board(board)
    if target.is_host:
        exe = api.build(project, target, opt=opt)
        click.echo(f"built {exe}")
        return
    samples = load_project_samples(project, input_path) if input_path else None
    firmware = api.build(project, target, samples=samples, opt=opt)
    report = firmware.size_report(api.read_metadata(project)["arena_bytes"])
    report["elf"] = str(firmware.elf)
    report["stack_used"] = None
    if firmware.board.emulated:  # measure the stack's high-water mark with one run
        from mcutool.runners.qemu import run_firmware
        report["stack_used"] = run_firmware(firmware.elf, firmware.board).stack_used
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    click.echo(f"built {firmware.elf}")
    click.echo(f"  flash: {report['flash_used']:,} of {report['flash_total']:,} bytes "
               f"(text {report['text']:,}, data {report['data']:,})")
    click.echo(f"  RAM:   {report['ram_used']:,} of {report['ram_total']:,} bytes "
               f"(data {report['data']:,}, bss {report['bss']:,} incl. arena {report['arena']:,}, "
               f"stack {report['stack_reserved']:,})")
    if report["stack_used"] is not None:
        click.echo(f"  stack high-water mark: {report['stack_used']:,} bytes (measured under QEMU)")
    else:
        click.echo("  stack high-water mark: printed by the firmware (S line) on its UART")


@cli.command()
@click.argument("project", type=click.Path(file_okay=False))
@click.option("--board", default="mps2-an386", show_default=True, help="A board from `mcutool boards`.")
@click.option("--input", "input_path", type=click.Path(dir_okay=False),
              help="The sample to profile (default: zeros).")
@click.option("--log", "log_path", type=click.Path(dir_okay=False),
              help="Real boards: the test firmware's UART output, captured to a file.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def profile(project: str, board: str, input_path: str | None, log_path: str | None, as_json: bool) -> None:
    """Per-layer cost: instructions under QEMU (deterministic) on emulated boards, cycles from a
    real board's UART log; with MACs and live arena bytes."""
    from mcutool.report.profile import format_profile, profile_project
    from mcutool.runs import load_project_samples
    if _check_board(board).is_host:
        raise McutoolError("profile counts instructions on a board; pass --board mps2-an386")
    samples = load_project_samples(project, input_path) if input_path else None
    log_text = Path(log_path).read_text(errors="replace") if log_path else None
    report = profile_project(project, board, samples, log_text)
    click.echo(json.dumps(report, indent=2) if as_json else format_profile(report))


@cli.command()
@click.argument("project", type=click.Path(file_okay=False))
@click.option("--board", required=True, help="A real board from `mcutool boards`.")
@click.option("--probe", type=click.Choice(["openocd", "pyocd"]), default="openocd", show_default=True)
@click.option("--input", "input_path", type=click.Path(dir_okay=False),
              help="Samples to compile into the firmware (default: one input of zeros).")
@click.option("--dry-run", is_flag=True, help="Build, then print the flashing command instead of running it.")
def flash(project: str, board: str, probe: str, input_path: str | None, dry_run: bool) -> None:
    """Build PROJECT's test firmware for a real board and flash it through a debug probe.
    Its results arrive on the board's UART at 115200 baud."""
    import shlex

    from mcutool.runs import load_project_samples
    from mcutool.toolchain.flash import flash as do_flash
    from mcutool.toolchain.flash import flash_command
    target = _check_board(board).board
    if target is None:
        raise McutoolError("the host is not a board to flash")
    flash_command(Path("firmware.elf"), target, probe)  # refuse emulated boards before building
    samples = load_project_samples(project, input_path) if input_path else None
    firmware = api.build(project, board, samples=samples)
    if dry_run:
        click.echo(shlex.join(flash_command(firmware.elf, target, probe)))
        return
    do_flash(firmware.elf, target, probe)
    click.echo(f"flashed {firmware.elf} to {board}")


DEBUG_FLAG = "--debug"
_NO_ARGS = getattr(click.exceptions, "NoArgsIsHelpError", ())  # click >= 8.2


def _split_debug(argv: list[str]) -> tuple[list[str], bool]:
    """--debug may stand anywhere before a `--`; it is the wrapper's, not a command's."""
    end = argv.index("--") if "--" in argv else len(argv)
    debug = DEBUG_FLAG in argv[:end]
    return [a for k, a in enumerate(argv) if not (k < end and a == DEBUG_FLAG)], debug


def main(argv: list[str] | None = None) -> None:
    """Run the command line. Exit status: 0 done, 1 validation mismatches, 2 a problem with the
    input (one `error:` line), 3 a bug in mcutool (one `internal error:` line; --debug shows the
    traceback), 130 interrupted."""
    args, debug = _split_debug(list(sys.argv[1:] if argv is None else argv))
    try:
        try:
            # What cli.main() does, minus its Ctrl-C handling (which prints a blank line first).
            with cli.make_context("mcutool", args) as ctx:
                cli.invoke(ctx)
        except click.exceptions.Exit as exc:  # --help, --version
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            raise KeyboardInterrupt from None  # click's own Ctrl-C at a prompt
        except _NO_ARGS as exc:  # bare `mcutool`: the help text
            click.echo(exc.format_message())
            sys.exit(2)
        except click.ClickException as exc:
            # One line, as for every other user error (click would print a usage block).
            _user_error(exc.format_message())
        except McutoolError as exc:
            _user_error(str(exc))
        except OSError as exc:
            click.echo(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), err=True)
            sys.exit(2)
        except MemoryError:
            click.echo("error: out of memory: the model or the data is too large for this machine", err=True)
            sys.exit(2)
        except Exception as exc:  # anything else is a bug: say so in one line
            _internal(exc, debug)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    sys.exit(0)


def _user_error(message: str) -> None:
    """One `error:` line and exit 2. Under torchrun every process meets the same bad input:
    rank 0 speaks for all of them (each still exits 2)."""
    if os.environ.get("RANK", "0") == "0":
        click.echo(f"error: {message}", err=True)
    sys.exit(2)


def _internal(exc: BaseException, debug: bool) -> None:
    if debug:
        import traceback
        traceback.print_exception(exc)
    detail = " ".join(str(exc).split()) or "(no message)"
    hint = "" if debug else "; rerun with --debug to see the traceback"
    click.echo(f"internal error: {type(exc).__name__}: {detail[:300]} (a bug in mcutool{hint})", err=True)
    sys.exit(3)


if __name__ == "__main__":
    main()
