"""Mixed precision to a flash budget (`quantize --flash-budget BYTES`).

1. Sensitivity: for every conv, depthwise and fully connected layer and every candidate format,
   the model is quantized with that layer alone in that format (the others int8) and run by the
   integer reference executor on the calibration samples; the loss is the mean squared error of
   the dequantized model output against the float model's, minus int8's (at least 0). The layer's weight
   bytes are counted as `inspect` and `generate` store them (int4 packed, codebooks as packed
   indices plus table).
2. Choice: the per-layer losses are taken as additive and a multiple-choice knapsack (dynamic
   programming over bytes) picks one format per layer with the least total loss whose weights
   fit the budget. The chosen model is then built and measured (its real SQNR and bytes).

int16 activations (format "int16": the layer, and the tensors around it that
quantize/mixed_activations.py makes int16, compute in TFLite's 16x8 scheme) are a candidate too.
They cost flash rather than save it (the layers that then compute in int16 take an int64 bias),
so their bytes are the whole model's weight bytes minus int8's, added to the layer's int8 bytes,
and they are only chosen where the other layers make room. Their loss is negative, a gain,
when the layer's int16 activations remove at least MIN_INT16_GAIN of the int8 model's output
error ("int16 only where the error is"), else 0, so that a budget with room keeps int8 where
int16 would change little. They also cost RAM: each candidate's arena bytes (mcutool.plan) are
reported beside its flash bytes, and the search keeps the arena within `--ram-budget` (by
default the int8 model's arena: a flash budget alone never makes the model need more RAM).
Arena bytes are a peak, not a sum: candidates over the RAM budget on their own are not offered,
and if the chosen combination's peak is still over it, the int16 choice whose model has the
largest arena is withdrawn and the knapsack runs again.
"""
from __future__ import annotations

import math
import sys
from typing import TYPE_CHECKING

import numpy as np

from mcutool.data import to_model_input
from mcutool.errors import McutoolError, UnsupportedOpsError
from mcutool.ir import Graph
from mcutool.ir.analysis import weight_bytes
from mcutool.ir.codebook import stored_bytes
from mcutool.lower import lower_graph
from mcutool.plan import plan_memory
from mcutool.quantize.int4 import INT4_OPS
from mcutool.quantize.layer_bits import ADAROUND, INT16
from mcutool.reference import run_reference
from mcutool.reference.float_exec import run_float_batches

if TYPE_CHECKING:   # pipeline imports this module when a budget is given
    from mcutool.quantize.pipeline import Calibrated

BASELINE = "int8"
# The formats tried per layer, largest first (ties in the knapsack keep the earlier one).
CANDIDATES = ("int4:adaround", "int4", "codebook:16", "codebook:8", "codebook:4", INT16)
# int16 activations count as a gain only when they remove this share of int8's output error
MIN_INT16_GAIN = 0.1
MAX_SAMPLES = 200       # calibration samples the losses are measured on (the first ones)
_MAX_CELLS = 200_000    # knapsack columns; larger budgets are counted in coarser byte units


class BudgetError(McutoolError):
    pass


def check_budget_weights(weights: str) -> None:
    if weights != BASELINE:
        raise BudgetError("--flash-budget chooses the weight format of each layer itself; leave --weights "
                          "at int8 (name fixed layers with --layer-bits)")


def check_ram_budget(ram_budget: int | None, flash_budget: int | None) -> None:
    if ram_budget is None:
        return
    if flash_budget is None:
        raise BudgetError("--ram-budget bounds the arena the --flash-budget search may spend on int16 "
                          "activations; give --flash-budget too")
    if ram_budget < 1:
        raise BudgetError(f"--ram-budget must be at least 1 byte, got {ram_budget}")


def _candidates(op_type: str, candidates: tuple[str, ...] = CANDIDATES) -> tuple[str, ...]:
    return tuple(c for c in candidates if not c.startswith("int4") or op_type in INT4_OPS)


class _Measure:
    """Output error of quantized graphs against the float model on fixed samples."""

    def __init__(self, reference: Graph, x: np.ndarray):
        self.x = x
        self.float_out = run_float_batches(reference, x)[0].astype(np.float64)
        self.signal = float(np.mean(self.float_out ** 2))

    def noise(self, qgraph: Graph) -> float:
        return self.noise_and_arena(qgraph)[0]

    def noise_and_arena(self, qgraph: Graph) -> tuple[float, int]:
        """The output error and the arena bytes (RAM) of the model."""
        lowered = lower_graph(qgraph)
        out = qgraph.tensors[qgraph.outputs[0]]
        q_in = to_model_input(qgraph, self.x)
        got = np.stack([run_reference(lowered, [q_in[k]])[0] for k in range(len(self.x))])
        deq = (got.astype(np.float64) - out.zero_point) * out.scale
        noise = float(np.mean((deq.reshape(self.float_out.shape) - self.float_out) ** 2))
        return noise, plan_memory(lowered).arena_bytes

    def sqnr_db(self, noise: float) -> float:
        return 99.0 if noise <= 0 else min(99.0, 10.0 * math.log10(max(self.signal, 1e-300) / noise))


def layer_weight_bytes(qgraph: Graph, op_name: str) -> int:
    """Bytes of one layer's weight tensor as stored (packed, or as a codebook)."""
    op = next(o for o in qgraph.operators if o.name == op_name)
    w = qgraph.tensors[op.inputs[1]]
    return stored_bytes(qgraph).get(w.name, w.nbytes)


def search_budget(cal: Calibrated, budget: int, progress: bool = False,
                  candidates: tuple[str, ...] = CANDIDATES) -> tuple[dict[str, str], dict]:
    """(operator name -> format, the report: candidates tried per layer, the choice, its bytes
    and SQNR). layers named by --layer-bits keep their format. candidates: the formats tried
    (a subset of CANDIDATES; `qat` offers only those it can train)."""
    from mcutool.quantize.pipeline import build_quantized, layer_formats
    check_budget_weights(cal.options.weights)
    baseline_formats = layer_formats(cal)   # int8, except the layers --layer-bits fixes
    fixed = named_layers(cal)
    measure = _Measure(cal.reference, cal.x[:MAX_SAMPLES])
    base_graph, _ = build_quantized(cal, baseline_formats)
    base_noise, base_arena = measure.noise_and_arena(base_graph)
    ram_budget = cal.options.ram_budget
    if ram_budget is not None and ram_budget < base_arena:
        raise BudgetError(f"--ram-budget {ram_budget} cannot be met: the model's arena takes {base_arena} bytes "
                          f"with int8 activations, {base_arena - ram_budget} bytes over the budget")
    ram_cap = base_arena if ram_budget is None else ram_budget
    total_int8 = weight_bytes(build_quantized(cal, {n: BASELINE for n in baseline_formats})[0])
    op_types = {op.name: op.type for op in base_graph.operators}

    # bytes first (int4:adaround packs like int4, so no AdaRound yet): an unreachable budget
    # fails before anything is measured
    graphs: dict[tuple[str, str], Graph] = {}
    sizes: dict[tuple[str, str], int] = {}
    for name, fmt in baseline_formats.items():
        sizes[name, fmt] = layer_weight_bytes(base_graph, name)
        for cand in ([] if name in fixed else _candidates(op_types[name], candidates)):
            if cand == ADAROUND:
                continue
            graphs[name, cand] = build_quantized(cal, {**baseline_formats, name: cand})[0]
            sizes[name, cand] = layer_weight_bytes(graphs[name, cand], name)
            if cand == INT16:   # int64 biases, maybe of the layers next to it too: the whole model's delta
                sizes[name, cand] += weight_bytes(graphs[name, cand]) - weight_bytes(base_graph)
            if (name, "int4") in sizes:
                sizes[name, ADAROUND] = sizes[name, "int4"]
    other = weight_bytes(base_graph) - sum(sizes[n, f] for n, f in baseline_formats.items())  # biases etc.
    smallest = other + sum(min(b for (n, _), b in sizes.items() if n == name) for name in baseline_formats)
    if smallest > budget:
        raise BudgetError(f"--flash-budget {budget} cannot be met: the smallest weights mcutool can make are "
                          f"{smallest} bytes, {smallest - budget} bytes over the budget")

    layers = []
    for name, fmt in baseline_formats.items():
        tried = [(fmt, sizes[name, fmt], 0.0, base_noise, base_arena)]
        for cand in ([] if name in fixed else _candidates(op_types[name], candidates)):
            g = graphs.pop((name, cand), None) or build_quantized(cal, {**baseline_formats, name: cand})[0]
            try:
                noise, arena = measure.noise_and_arena(g)
            except UnsupportedOpsError:
                if cand != INT16:
                    raise
                continue   # e.g. a convolution TFLite-Micro's 16x8 kernel does not take
            tried.append((cand, sizes[name, cand], _loss(cand, noise, base_noise), noise, arena))
            if progress:   # the command line's progress, on stderr beside its progress bars
                print(f"budget: {name} {cand}: {tried[-1][1]} B, arena {arena} B, output SQNR "
                      f"{measure.sqnr_db(noise):.1f} dB", file=sys.stderr)
        layers.append((name, tried))

    formats, chosen_graph, chosen_arena = _choose(cal, layers, budget - other, ram_cap)
    chosen_bytes = weight_bytes(chosen_graph)
    if chosen_bytes > budget:
        # only when an int8 layer of a few dozen weights with few values is stored as a codebook
        # (the marker is per model) and its table outweighs what the indices save
        over = chosen_bytes - budget
        raise BudgetError(f"--flash-budget {budget}: the chosen formats take {chosen_bytes} bytes once the int8 "
                          f"layers with few values are stored as codebooks; try {budget - over}")
    chosen_noise = measure.noise(chosen_graph)
    report = {
        "budget_bytes": budget, "int8_weight_bytes": total_int8, "weight_bytes": chosen_bytes,
        "arena_bytes": chosen_arena, "int8_arena_bytes": base_arena, "ram_budget_bytes": ram_cap,
        "samples": len(measure.x), "int8_output_sqnr_db": measure.sqnr_db(base_noise),
        "output_sqnr_db": measure.sqnr_db(chosen_noise), "choice": formats,
        "candidates": [{"layer": name, "format": f, "weight_bytes": b, "arena_bytes": arena, "loss": loss,
                        "output_sqnr_db": measure.sqnr_db(n), "chosen": f == formats[name],
                        "within_ram": arena <= ram_cap}
                       for name, tried in layers for f, b, loss, n, arena in tried],
    }
    return formats, report


def _choose(cal: Calibrated, layers: list, capacity: int, ram_cap: int) -> tuple[dict[str, str], Graph, int]:
    """The knapsack's formats within the flash capacity whose model's arena fits ram_cap, the
    model and its arena bytes."""
    from mcutool.quantize.pipeline import build_quantized
    withdrawn: set[tuple[str, str]] = set()
    while True:
        options = [[(b, loss if arena <= ram_cap and (name, f) not in withdrawn else math.inf)
                    for f, b, loss, _, arena in tried] for name, tried in layers]
        picks = knapsack(options, capacity)
        formats = {name: tried[j][0] for (name, tried), j in zip(layers, picks)}
        graph, _ = build_quantized(cal, formats)
        arena = plan_memory(lower_graph(graph)).arena_bytes
        wide = [(tried[j][4], name) for (name, tried), j in zip(layers, picks) if tried[j][0] == INT16]
        if arena <= ram_cap or not wide:
            if arena > ram_cap:
                raise BudgetError(f"--ram-budget {ram_cap}: the chosen formats need an arena of {arena} bytes")
            return formats, graph, arena
        withdrawn.add((max(wide)[1], INT16))   # the int16 layer whose own model peaks highest


def _loss(fmt: str, noise: float, base_noise: float) -> float:
    """The knapsack's loss of a format against int8: a weight format measured better than int8
    counts as no loss (the gain is calibration noise), so that a budget with room to spare
    keeps int8; int16 activations count their gain when it is a real one (MIN_INT16_GAIN)."""
    if fmt == INT16:
        return noise - base_noise if noise <= (1.0 - MIN_INT16_GAIN) * base_noise else 0.0
    return max(0.0, noise - base_noise)


def named_layers(cal: Calibrated) -> set[str]:
    from mcutool.quantize.layer_bits import resolve
    return set(resolve(cal.prepared, cal.options.layer_bits or {}))


def knapsack(layers: list[list[tuple[int, float]]], capacity: int) -> list[int]:
    """One (bytes, loss) option per layer, total bytes <= capacity, least total loss (exact for
    byte units; large capacities are counted in coarser units, rounding costs up, so the
    answer still fits). Returns the index chosen per layer."""
    unit = max(1, -(-capacity // _MAX_CELLS))
    cap = capacity // unit
    best = np.zeros(cap + 1)              # least loss of the layers so far within c units
    choices = []
    for options in layers:
        new = np.full(cap + 1, np.inf)
        pick = np.full(cap + 1, -1, np.int64)
        for j, (nbytes, loss) in enumerate(options):
            cost = -(-nbytes // unit)
            if cost > cap:
                continue
            shifted = np.full(cap + 1, np.inf)
            shifted[cost:] = best[:cap + 1 - cost] + loss
            better = shifted < new
            new[better], pick[better] = shifted[better], j
        best = new
        choices.append(pick)
    if not np.isfinite(best[cap]):
        raise BudgetError("no combination of the measured formats fits the budget")
    picks, c = [], cap
    for options, pick in zip(reversed(layers), reversed(choices)):
        j = int(pick[c])
        picks.append(j)
        c -= -(-options[j][0] // unit)
    return picks[::-1]


def format_budget(report: dict) -> str:
    """The candidates table and the choice, for the terminal."""
    lines = [f"flash budget {report['budget_bytes']:,} B (int8 weights {report['int8_weight_bytes']:,} B): "
             f"chose {report['weight_bytes']:,} B, output SQNR {report['output_sqnr_db']:.1f} dB "
             f"(int8 {report['int8_output_sqnr_db']:.1f} dB), arena {report['arena_bytes']:,} B "
             f"(int8 {report['int8_arena_bytes']:,} B, RAM budget {report['ram_budget_bytes']:,} B) on "
             f"{report['samples']} calibration samples",
             f"  {'layer':<24} {'format':<14} {'bytes':>7} {'arena':>7} {'SQNR dB':>8}"]
    for row in report["candidates"]:
        mark = "  <- chosen" if row["chosen"] else ("  (over the RAM budget)" if not row.get("within_ram", True)
                                                    else "")
        lines.append(f"  {row['layer']:<24} {row['format']:<14} {row['weight_bytes']:>7,} "
                     f"{row['arena_bytes']:>7,} {row['output_sqnr_db']:>8.1f}{mark}")
    return "\n".join(lines)
