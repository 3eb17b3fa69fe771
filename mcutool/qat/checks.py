"""Everything QAT checks before it trains (no torch needed): the model, the data, the options.
Each problem is one QatError with one clear message, raised before anything is written."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mcutool.data import Dataset, check_samples
from mcutool.errors import UnsupportedOpsError
from mcutool.ir import Graph
from mcutool.ops import find
from mcutool.qat import QatError
from mcutool.qat.grid import WEIGHT_FORMATS
from mcutool.quantize.codebook import CodebookError, parse_weights

BATCH_NORM_MODES = ("frozen", "batch")


@dataclass
class QatOptions:
    epochs: int = 5
    lr: float = 1e-4                # fine-tuning a trained model: small steps (benchmarks/qat.py)
    batch_size: int = 64
    weights: str = "int8"           # int8 or int4 (symmetric, per channel; FC per tensor), or
                                    # codebook:K (K shared int8 values per layer, mcutool/qat/codebook.py)
    learn_scales: bool = False      # LSQ step sizes for weights and activations
    seed: int = 0
    calib_samples: int = 1000       # PTQ calibration on the first N training samples
    method: str = "mse"             # PTQ range estimator the scales start from
    batch_norm: str = "frozen"      # "frozen": train prepare()'s fold; "batch": batch statistics
                                    # for the first half of the epochs (mcutool/qat/batchnorm.py)
    activations: str = "int8"       # "int16": TFLite's 16x8 scheme (quantize/int16.py)
    # layer name -> weight format for that layer instead of `weights` (quantize/layer_bits.py)
    layer_bits: dict[str, str] | None = None
    flash_budget: int | None = None  # bytes: formats per layer from the PTQ search (qat/formats.py)
    ram_budget: int | None = None    # arena bytes that search may use (default: the int8 model's arena)
    codebook_reassign: bool = True  # codebook:K: weights to their nearest centroid once per epoch,
                                    # else the initial clustering's indices stay (other formats:
                                    # ignored). Measured: benchmarks/qat_codebook.py

    def check(self) -> None:
        if self.epochs < 1:
            raise QatError(f"--epochs must be at least 1, got {self.epochs}")
        if not self.lr > 0:
            raise QatError(f"--lr must be positive, got {self.lr}")
        if self.batch_size < 1:
            raise QatError(f"--batch must be at least 1, got {self.batch_size}")
        try:
            codebook = parse_weights(self.weights)
        except CodebookError as e:
            raise QatError(str(e)) from None
        if self.weights not in WEIGHT_FORMATS and codebook is None:
            raise QatError(f"--weights must be one of {', '.join(WEIGHT_FORMATS)} or codebook:K, got {self.weights!r}")
        named = any(f.startswith("codebook") for f in (self.layer_bits or {}).values())
        if (codebook is not None or named or self.flash_budget is not None) and self.batch_norm == "batch":
            # the codebook fixes the weights' values, which batch statistics would rescale every step
            raise QatError("batch_norm='batch' does not combine with codebook weights (or a --flash-budget, "
                           "which may choose them); use 'frozen'")
        if self.batch_norm not in BATCH_NORM_MODES:
            raise QatError(f"batch_norm must be one of {', '.join(BATCH_NORM_MODES)}, got {self.batch_norm!r}")
        if self.calib_samples < 1:
            raise QatError(f"calib_samples must be at least 1, got {self.calib_samples}")
        self._check_like_quantize()

    def _check_like_quantize(self) -> None:
        """--activations, --layer-bits and --flash-budget with quantize's checks and messages."""
        from mcutool.quantize.budget import check_budget_weights
        from mcutool.quantize.pipeline import PtqOptions
        ptq = PtqOptions(method=self.method, weights=self.weights, activations=self.activations,
                         layer_bits=self.layer_bits, flash_budget=self.flash_budget,
                         ram_budget=self.ram_budget)
        ptq.check()
        self.layer_bits = ptq.layer_bits   # normalised ("int4:nearest" -> "int4")
        if self.flash_budget is not None:
            check_budget_weights(self.weights)


def check_expressible(prepared: Graph) -> None:
    """Name every operator of the (prepared) float graph the QAT engine has no torch form of."""
    problems = []
    for i, op in enumerate(prepared.operators):
        opdef = find(op.type)
        if opdef is None or opdef.torch_forward is None:
            problems.append((i, op.type, "has no quantization-aware training form in mcutool"))
    if problems:
        raise UnsupportedOpsError(problems)
    if len(prepared.outputs) != 1:
        raise QatError(f"QAT trains single-output classifiers; the model has {len(prepared.outputs)} outputs")
    # The training batch takes the place of every activation's leading dimension of 1.
    names = list(prepared.inputs) + [n for op in prepared.operators for n in op.outputs]
    odd = [n for n in names if not prepared.tensors[n].shape or prepared.tensors[n].shape[0] != 1]
    if odd:
        t = prepared.tensors[odd[0]]
        raise QatError(f"QAT needs a batch dimension of 1 first in every activation; {t.name!r} has shape "
                       f"{list(t.shape)}")


def classes_of(graph: Graph) -> int:
    """The number of classes: the output's values per sample (the loss and the accuracy take
    the argmax over all of them)."""
    return graph.tensors[graph.outputs[0]].size


def labelled_samples(graph: Graph, data: Dataset, what: str) -> tuple[np.ndarray, np.ndarray]:
    """(x float32 (N, *input shape), y int64 (N,)) of a training or validation file, checked."""
    if data.more:
        raise QatError(f"the {what} data has {1 + len(data.more)} inputs; the model has one")
    if data.y is None:
        raise QatError(f"the {what} data has no labels: QAT needs integer class labels `y` beside `x`")
    if data.x.dtype.kind != "f":
        raise QatError(f"the {what} data x must be float values in the float model's input domain, "
                       f"got dtype {data.x.dtype} (convert it with x.astype(np.float32))")
    shape = graph.tensors[graph.inputs[0]].shape
    x = check_samples(data, shape, what=what)
    assert data.y is not None
    y = data.y.reshape(-1)
    classes = classes_of(graph)
    if len(y) and (int(y.min()) < 0 or int(y.max()) >= classes):
        bad = int(y.min()) if int(y.min()) < 0 else int(y.max())
        raise QatError(f"the {what} labels must be classes 0..{classes - 1} (the model's output has "
                       f"{classes} values), found {bad}")
    return x.astype(np.float32), y.astype(np.int64)
