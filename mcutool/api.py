"""The Python API: the same steps as the CLI, for scripts and tests.

    graph = load_model("m.tflite")
    target = resolve_target("mps3-an547")     # or "host" (the default), or any board
    compiled = compile_graph(graph, target)   # lower (for the target's ISA) + plan
    out = generate(compiled, "out/")          # C sources
    outputs = run(out, samples, target)       # build and run
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from mcutool.codegen import render_sources, write_project
from mcutool.codegen.names import c_prefix
from mcutool.errors import McutoolError
from mcutool.ir import Graph
from mcutool.lower import LoweredGraph, lower_graph
from mcutool.plan import MemoryPlan, plan_memory
from mcutool.toolchain.boards import HOST
from mcutool.toolchain.target import Target, resolve_target

if TYPE_CHECKING:
    from mcutool.qat.checks import QatOptions


@dataclass
class Compiled:
    graph: Graph
    lowered: LoweredGraph
    plan: MemoryPlan
    target: Target


def load_model(path: str | Path) -> Graph:
    from mcutool.frontends.tflite import read_tflite
    return read_tflite(Path(path))


def float_ops(graph: Graph) -> list[tuple[int, str]]:
    """Operators that compute in float (QUANTIZE/DEQUANTIZE at the edges are fine)."""
    from mcutool.ops import find
    found = []
    for i, op in enumerate(graph.operators):
        opdef = find(op.type)
        if opdef is not None and not opdef.quant.quantizable:  # the ops of a model's float edges
            continue
        names = [n for n in op.inputs + op.outputs if n]
        if any(graph.tensors[n].dtype == "float32" for n in names):
            found.append((i, op.type))
    return found


def require_int8(graph: Graph, what: str = "the model") -> None:
    floats = float_ops(graph)
    if floats:
        listed = ", ".join(f"#{i} {t}" for i, t in floats[:5]) + (" ..." if len(floats) > 5 else "")
        raise McutoolError(
            f"{what} is a float model ({len(floats)} float operator(s): {listed}); the C runtime "
            "needs int8. Quantize it first with `mcutool quantize MODEL --calib DATA.npz -o OUT.tflite`, "
            "or pass --calib DATA.npz to this command.")


def compile_graph(graph: Graph, target: str | Target | None = None) -> Compiled:
    """Lower for the target's instruction set (default: the host, plain C) and plan memory."""
    target = resolve_target(target)
    require_int8(graph)
    lowered = lower_graph(graph, target.isa)
    return Compiled(graph, lowered, plan_memory(lowered), target)


def generate(compiled: Compiled, out_dir: str | Path, prefix: str = "model",
             source_name: str = "model") -> Path:
    try:
        c_prefix(prefix)
    except ValueError as exc:
        raise McutoolError(str(exc)) from None
    files = render_sources(compiled.lowered, compiled.plan, prefix, source_name, compiled.target.name)
    runtime_files = json.loads(files["mcutool.json"])["runtime_files"]
    return write_project(files, Path(out_dir), runtime_files)


def read_metadata(out_dir: str | Path) -> dict:
    path = Path(out_dir) / "mcutool.json"
    if not path.exists():
        raise McutoolError(f"{out_dir} is not a folder made by `mcutool generate` (no mcutool.json)")
    try:
        meta = json.loads(path.read_text())
        c_prefix(meta["prefix"])  # it becomes file names and -D flags
        for key in ("inputs", "outputs", "ops", "arena_bytes", "weight_bytes"):
            meta[key]
    except (ValueError, KeyError, TypeError) as exc:
        raise McutoolError(f"{path} is damaged ({exc}); generate the folder again") from None
    return meta


def build(out_dir: str | Path, board: str | Target = HOST, sanitize: bool = False, trace: bool = False,
          samples: list[list[np.ndarray]] | None = None, opt: str = "-O2", cmsis_nn: Path | None = None):
    """Build the host program (returns its path) or a board's firmware (returns a Firmware
    with the ELF and its size report). Firmware runs `samples`, compiled in (default: one of zeros).
    `cmsis_nn`, a CMSIS-NN source tree, replaces runtime_c's arm_* kernels with ARM's."""
    meta = read_metadata(out_dir)
    return resolve_target(board).build(Path(out_dir), meta, samples, sanitize=sanitize, trace=trace, opt=opt,
                                       cmsis_nn=cmsis_nn)


def run(out_dir: str | Path, samples: list[list[np.ndarray]], board: str | Target = HOST,
        sanitize: bool = False, trace: bool = False, cmsis_nn: Path | None = None):
    """Build (cached) and run every sample; returns outputs per sample (and trace records)."""
    target = resolve_target(board)
    meta = read_metadata(out_dir)
    specs = [(tuple(o["shape"]), o["dtype"]) for o in meta["outputs"]]
    if target.is_host:
        exe = build(out_dir, target, sanitize=sanitize, trace=trace, cmsis_nn=cmsis_nn)
        from mcutool.runners import run_host
        return run_host(exe, samples, specs, trace=trace)
    if trace:
        raise McutoolError("layer traces are recorded on the host only (--board host)")
    from mcutool.runners.host import split_outputs
    return [split_outputs(raw, specs) for raw in run_on_board(out_dir, samples, target, cmsis_nn).outputs.values()]


def run_on_board(out_dir: str | Path, samples: list[list[np.ndarray]], board: str | Target,
                 cmsis_nn: Path | None = None):
    """Run samples on an emulated board, as many per firmware image as its flash holds."""
    from mcutool.runners.qemu import FirmwareOutput
    from mcutool.toolchain.firmware import FitError
    target = resolve_target(board)
    if target.board is None:
        raise McutoolError("this needs an emulated board, not the host")
    if not target.emulated:
        raise McutoolError(f"{target.name} is a real board, not emulated: build it with `mcutool build` "
                           "and load it with `mcutool flash`")
    meta = read_metadata(out_dir)
    sample_bytes = max(1, sum(int(np.prod(i["shape"])) * np.dtype(i["dtype"]).itemsize for i in meta["inputs"]))
    room = target.board.flash.length - meta["weight_bytes"] - 96 * 1024
    batch = max(1, min(len(samples), room // sample_bytes, 2000))
    merged = FirmwareOutput()
    start = 0
    while start < len(samples):
        chunk = samples[start:start + batch]
        try:
            firmware = build(out_dir, target, samples=chunk, cmsis_nn=cmsis_nn)
        except FitError:
            if batch == 1:
                raise
            batch = max(1, batch // 2)
            continue
        result = target.run_firmware(firmware.elf)
        if len(result.outputs) != len(chunk):
            raise McutoolError(f"the firmware printed {len(result.outputs)} outputs for {len(chunk)} samples")
        merged.outputs.update({start + k: v for k, v in result.outputs.items()})
        merged.times.update({start + k: v for k, v in result.times.items()})
        if start == 0:
            merged.layers, merged.stack_used = result.layers, result.stack_used
            merged.firmware = firmware
        start += len(chunk)
    merged.outputs = {i: merged.outputs[i] for i in range(len(samples))}  # in sample order
    merged.complete = True
    return merged


def reference(compiled: Compiled, samples: list[list[np.ndarray]]) -> list[list[np.ndarray]]:
    from mcutool.reference import run_reference
    return [run_reference(compiled.lowered, s) for s in samples]


def quantize_model(graph: Graph, calib_x: np.ndarray, method: str | None = None, per_channel: bool = True,
                   samples: int | None = None, bias_correction: bool = False, equalize: bool = False,
                   report: bool = False, labels: np.ndarray | None = None,
                   progress: bool = False, weights: str = "int8",
                   rounding: str = "nearest", activations: str = "int8",
                   layer_bits: dict[str, str] | None = None,
                   flash_budget: int | None = None, ram_budget: int | None = None) -> tuple[Graph, dict]:
    """Post-training quantization of a float graph: returns the int8 graph (int8 input and
    output, as TensorFlow's converter writes with inference_input_type=int8) and a summary.

    calib_x holds float samples (N, *input shape) in the model's input domain. method is the
    activation range estimator (minmax, percentile, mse, kl; default mse). With report=True the
    summary has "report": per-layer SQNR against the float model on calib_x, and the float and
    int8 top-1 accuracy when labels are given. weights="int4" gives 4-bit conv, depthwise and
    fully connected weights; rounding="adaround" learns their rounding on calib_x. layer_bits
    ({layer name: "int8" | "int4" | "int4:adaround" | "codebook:K" | "int16"}) sets single layers'
    formats ("int16": int8 weights and int16 activations for that layer, in an int8 model; see
    mcutool.quantize.mixed_activations); flash_budget (bytes) chooses every other layer's format
    to fit the weights in that many bytes with the least output error (summary["budget"] has the
    candidates tried, with their arena bytes); ram_budget (bytes, with flash_budget) caps the
    arena the search may spend on int16 activations (default: the int8 model's arena).
    activations="int16": TFLite's 16x8 scheme (int16 input, output and activations, zero point
    0; int8 weights; int64 bias)."""
    from mcutool.data import Dataset
    from mcutool.quantize import DEFAULT_METHOD, PtqOptions, calibration_samples, check_float_model
    options = PtqOptions(method=method or DEFAULT_METHOD, per_channel=per_channel, samples=samples,
                         bias_correction=bias_correction, equalize=equalize, weights=weights,
                         rounding=rounding, activations=activations, layer_bits=layer_bits,
                         flash_budget=flash_budget, ram_budget=ram_budget)
    options.check()
    check_float_model(graph)  # an int8 model gets that message before any complaint about data
    x = calibration_samples(graph, Dataset(np.asarray(calib_x)))
    return quantize_samples(graph, x, options, progress=progress, report=report, labels=labels)


def quantize_samples(graph: Graph, x: np.ndarray, options, progress: bool = False, report: bool = False,
                     labels: np.ndarray | None = None) -> tuple[Graph, dict]:
    """Quantize with checked float samples x (N, *input shape) and PtqOptions; then check that
    every int8 operator lowers (UnsupportedOpsError names those that do not) and, with report,
    measure the per-layer SQNR and the accuracies."""
    from mcutool.quantize.pipeline import run_ptq
    result = run_ptq(graph, x, options, progress)
    lower_graph(result.int8)
    if report:
        from mcutool.report.quantization import quantization_report
        if options.samples is not None:
            x = x[:options.samples]
            labels = None if labels is None else labels[:options.samples]
        result.summary["report"] = quantization_report(result.reference, result.int8, x, labels,
                                                       options.batch_size, progress)
    return result.int8, result.summary


def quantize_file(graph: Graph, calib_path: str | Path, options, report: bool = False,
                  progress: bool = True, what: str = "the model") -> tuple[Graph, dict]:
    """quantize_samples with the calibration samples (and labels) of a .npz/.npy file."""
    from mcutool.data import load_data
    from mcutool.quantize import calibration_samples, check_float_model
    check_float_model(graph, what)  # an int8 model gets that message before any complaint about data
    data = load_data(calib_path)
    x = calibration_samples(graph, data, options.samples)
    labels = data.y if data.y is not None and len(data.y) == len(data.x) else None
    return quantize_samples(graph, x, options, progress=progress, report=report,
                            labels=None if labels is None else labels[:len(x)])


def qat_model(graph: Graph, x: np.ndarray, y: np.ndarray | None, x_val: np.ndarray | None = None,
              y_val: np.ndarray | None = None, options: QatOptions | None = None,
              progress: bool = False) -> tuple[Graph, dict] | None:
    """Quantization-aware training of a float classifier: returns the quantized graph (weights
    on the int8 or int4 grid, or codebook:K with trained tables, per layer: options.weights,
    options.layer_bits or the formats the options.flash_budget search picks; int16 activations
    with options.activations="int16") and a summary with the float, PTQ and QAT top-1 accuracy
    on the validation samples (the training samples when none are given).

    x, y: float samples (N, *input shape) and integer labels. options: mcutool.qat.checks.QatOptions.
    Under torchrun every process trains its share; rank 0 gets the result, the others None.
    Needs torch (`pip install 'mcutool[qat]'`)."""
    from mcutool.data import Dataset
    from mcutool.qat import require_torch
    from mcutool.qat.checks import QatOptions, check_expressible, labelled_samples
    from mcutool.quantize import check_float_model
    from mcutool.quantize.prepare import prepare
    require_torch()
    options = options or QatOptions()
    options.check()
    check_float_model(graph)
    prepared = prepare(graph)
    check_expressible(prepared)
    x, y = labelled_samples(graph, Dataset(np.asarray(x), None if y is None else np.asarray(y)), "training")
    on = "training"
    if x_val is not None:
        x_val, y_val = labelled_samples(graph, Dataset(np.asarray(x_val), None if y_val is None else np.asarray(y_val)),
                                        "validation")
        on = "validation"
    else:
        x_val, y_val = x, y
    from mcutool.qat.distributed import launched_world
    from mcutool.qat.formats import check_trained_bytes, choose_formats
    from mcutool.qat.train import run_qat
    world = launched_world()
    # every process chooses the same formats (the search is deterministic); rank 0 reports
    formats, budget = choose_formats(graph, prepared, x[:options.calib_samples], options, progress and world.main)
    result = run_qat(graph, prepared, x, y, x_val, y_val, options, world, progress, formats)
    if result is None:
        return None
    lower_graph(result.int8)  # every operator has its kernel
    result.summary["accuracy_on"] = on
    if budget is not None:
        result.summary["budget"] = budget
        check_trained_bytes(result.summary["weight_bytes"]["qat"], budget)
    return result.int8, result.summary


def qat_file(graph: Graph, train_path: str | Path, val_path: str | Path | None = None,
             options: QatOptions | None = None, progress: bool = False) -> tuple[Graph, dict] | None:
    """qat_model with the samples and labels (x, y) of .npz files."""
    from mcutool.data import load_data
    from mcutool.qat import require_torch
    require_torch()
    train = load_data(train_path)
    val = load_data(val_path) if val_path is not None else None
    return qat_model(graph, train.x, train.y, None if val is None else val.x, None if val is None else val.y,
                     options, progress)
