"""Quantization-aware training end to end: checks, PTQ calibration (the starting scales), the
fake-quantized module, training, export, and float / PTQ / QAT accuracy side by side.

Batch norm: by default the prepared graph's fold (frozen statistics, already in the weights,
as the .tflite holds only the inference-time affine) is what QAT trains, re-quantized every
step. QatOptions.batch_norm = "batch" re-introduces batch norm with batch statistics for the
first half of the epochs (mcutool/qat/batchnorm.py). Measured on the digits example
(benchmarks/qat.py) the two are within one test image of each other, and the frozen fold is
cheaper and the same in every torchrun process, so it is the default.

Deterministic on the CPU: seeded shuffling and initialisation, one intra-op thread,
torch.use_deterministic_algorithms.
"""
from __future__ import annotations

import sys
import time
from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn.functional as F

from mcutool.ir import Graph
from mcutool.lower import lower_graph
from mcutool.progress import progress_bar
from mcutool.qat.checks import QatOptions
from mcutool.qat.distributed import World, start, stop, wrap
from mcutool.qat.evaluate import float_accuracy, int8_accuracy, weight_flash_bytes
from mcutool.qat.export import export_graph
from mcutool.qat.formats import activation_bits, layer_formats
from mcutool.qat.model import QatModel
from mcutool.quantize.calibrate import calibrate
from mcutool.quantize.quantizer import activation_quant_params


@dataclass
class QatResult:
    int8: Graph              # the trained model (weights on the chosen grid)
    ptq: Graph               # the starting point: PTQ with the same weight format
    summary: dict


def build_model(prepared: Graph, x_calib: np.ndarray, options: QatOptions,
                formats: dict[str, str] | None = None) -> QatModel:
    """The module with PTQ's starting scales; formats: operator name -> weight format (from
    the options' --weights and --layer-bits when None)."""
    ranges = calibrate(prepared, x_calib, options.method)
    formats = layer_formats(prepared, options) if formats is None else formats
    bits = activation_bits(prepared, formats, options.activations)
    act = activation_quant_params(prepared, ranges)
    if 16 in bits.values():   # each tensor starts from PTQ's parameters on its own grid
        act16 = activation_quant_params(prepared, ranges, "int16")
        act = {n: act16[n] if bits.get(n) == 16 else q for n, q in act.items()}
    torch.manual_seed(options.seed)
    model = QatModel(prepared, act, formats, options.learn_scales, bits)
    if options.batch_norm == "batch":
        model.batch_statistics(torch.from_numpy(np.ascontiguousarray(x_calib, np.float32)))
    return model


def train(model: QatModel, x: np.ndarray, y: np.ndarray, options: QatOptions, world: World,
          progress: bool) -> list[float]:
    """Adam with a cosine schedule on cross-entropy of the fake-quantized logits; the mean loss
    per epoch (this process's share)."""
    net = wrap(model, world)
    opt = torch.optim.Adam(model.parameters(), lr=options.lr)
    per_rank = len(x) // world.size
    local_batch = max(1, options.batch_size // world.size)
    steps = (per_rank + local_batch - 1) // local_batch
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, max(1, options.epochs * steps))
    gen = torch.Generator().manual_seed(options.seed)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    show = progress and world.main and sys.stderr.isatty()
    losses = []
    for epoch in range(options.epochs):
        if len(model.bn) and epoch >= (options.epochs + 1) // 2:
            model.freeze_batch_statistics()  # the last epochs train with the statistics exported
        if options.codebook_reassign and epoch:
            model.reassign_codebooks()  # before the epoch, so the last one trains the final indices
        model.train()
        mine = torch.randperm(len(x), generator=gen)[world.rank::world.size][:per_rank]
        total = 0.0
        with progress_bar(steps, f"epoch {epoch + 1}/{options.epochs}", show) as bar:
            for idx in mine.split(local_batch):
                opt.zero_grad()
                logits, _ = net(xt[idx])
                loss = F.cross_entropy(logits.reshape(len(idx), -1), yt[idx])
                loss.backward()
                opt.step()
                sched.step()
                total += loss.item() * len(idx)
                bar.update(1)
        losses.append(total / max(1, per_rank))
    model.eval()
    return losses


def run_qat(graph: Graph, prepared: Graph, x: np.ndarray, y: np.ndarray, x_val: np.ndarray, y_val: np.ndarray,
            options: QatOptions, world: World, progress: bool = False,
            formats: dict[str, str] | None = None) -> QatResult | None:
    """Train; rank 0 gets the result, other ranks None. Inputs are checked already; formats:
    operator name -> weight format (qat/formats.py; from the options when None)."""
    threads = torch.get_num_threads()
    deterministic = torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    try:
        start(world)
        t0 = time.perf_counter()
        model = build_model(prepared, x[:options.calib_samples], options, formats)
        ptq = export_graph(model)
        lower_graph(ptq)   # an operator without a kernel for these types fails before training
        t1 = time.perf_counter()
        losses = train(model, x, y, options, world, progress)
        t2 = time.perf_counter()
        stop(world)
    finally:
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(deterministic)
    if not world.main:
        return None
    qat = export_graph(model)
    summary = {
        "options": asdict(options),
        "layer_formats": dict(model.formats),
        "world_size": world.size,
        "train_samples": len(x),
        "val_samples": len(x_val),
        "loss": [round(v, 5) for v in losses],
        "accuracy": {"float": float_accuracy(graph, x_val, y_val), "ptq": int8_accuracy(ptq, x_val, y_val),
                     "qat": int8_accuracy(qat, x_val, y_val)},
        "weight_bytes": {"ptq": weight_flash_bytes(ptq), "qat": weight_flash_bytes(qat)},
        "seconds": {"calibration": round(t1 - t0, 3), "training": round(t2 - t1, 3)},
    }
    return QatResult(qat, ptq, summary)
