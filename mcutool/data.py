"""Input data files: `.npz` with `x` (inputs in the model's float domain, or already int8) and
optional `y` (integer labels); a `.npy` holds `x` alone. A model with several inputs takes
`x` (or `x0`), `x1`, `x2`, ... in the order of its inputs. Checked before anything runs."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mcutool.errors import McutoolError
from mcutool.fixedpoint import tflite_round
from mcutool.ir import Graph


class DataError(McutoolError):
    pass


@dataclass
class Dataset:
    x: np.ndarray
    y: np.ndarray | None = None
    more: list[np.ndarray] = field(default_factory=list)  # x1, x2, ... for multi-input models

    def __len__(self) -> int:
        return len(self.x)


NPY_MAGIC = b"\x93NUMPY"
ZIP_MAGIC = b"PK\x03\x04"


def load_data(path: str | Path) -> Dataset:
    """Read every array the file holds for us now, so that a damaged member (bad CRC or header,
    an object array) is reported here as a DataError, not later as a traceback."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"data file {path} does not exist")
    if path.is_dir():
        raise DataError(f"data file {path} is a folder; give a .npz or .npy file")
    with path.open("rb") as f:
        magic = f.read(len(NPY_MAGIC))
    if not (magic.startswith(NPY_MAGIC) or magic.startswith(ZIP_MAGIC)):
        raise DataError(f"{path} is not a .npz or .npy file (it does not start like one)")
    more: list[np.ndarray] = []
    member = "the array"
    try:
        loaded = np.load(path, allow_pickle=False)
        if isinstance(loaded, np.lib.npyio.NpzFile):
            with loaded:
                first = "x" if "x" in loaded.files else "x0"
                if first not in loaded.files:
                    raise DataError(f"{path} has no array named 'x' (it has: {', '.join(loaded.files) or 'nothing'})")
                member = f"array {first!r}"
                x = np.asarray(loaded[first])
                y = None
                if "y" in loaded.files:
                    member = "array 'y'"
                    y = np.asarray(loaded["y"])
                while f"x{len(more) + 1}" in loaded.files:
                    member = f"array 'x{len(more) + 1}'"
                    more.append(np.asarray(loaded[f"x{len(more) + 1}"]))
        else:
            x, y = np.asarray(loaded), None
    except DataError:
        raise
    except Exception as exc:  # numpy and zipfile raise many types for damaged files
        detail = " ".join(str(exc).split())[:200] or type(exc).__name__
        if "allow_pickle" in detail or "Object arrays" in detail:
            detail = "it holds Python objects, not numbers"
        raise DataError(f"{path}: {member} cannot be read ({detail})") from None
    for name, a in (("x", x), *((f"x{k + 1}", m) for k, m in enumerate(more))):
        if a.dtype.kind not in "fiub":
            raise DataError(f"{path}: array {name!r} must hold numbers, got dtype {a.dtype}")
    if y is not None:
        y = _checked_labels(y, x, path)
    return Dataset(x, y, more)


def _checked_labels(y: np.ndarray, x: np.ndarray, path: Path) -> np.ndarray:
    """Labels are one non-negative integer class per sample: shape [N] (or [N, 1])."""
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.reshape(-1)
    if y.ndim != 1:
        raise DataError(f"{path}: labels y must be one integer class per sample (shape [N]), "
                        f"got shape {list(y.shape)}")
    if y.dtype.kind not in "iu":
        raise DataError(f"{path}: labels y must be integer classes, got dtype {y.dtype}")
    if x.ndim == 0 or len(y) != len(x):
        raise DataError(f"{path}: labels y has {len(y)} entries but x has {len(x) if x.ndim else 0} samples")
    if len(y) and int(y.min()) < 0:
        raise DataError(f"{path}: labels y must be classes 0, 1, 2, ...; found {int(y.min())}")
    return y


def check_labels(y: np.ndarray | None, classes: int) -> None:
    """Every label names one of the model's `classes` outputs."""
    if y is not None and len(y) and int(y.max()) >= classes:
        raise DataError(f"labels y go up to {int(y.max())} but the model has {classes} output classes")


def check_samples(data: Dataset, shape: tuple[int, ...], what: str = "input") -> np.ndarray:
    """Return x as (N, *shape) after checking size, dtype and values."""
    x = data.x
    if x.dtype.kind not in "fiu":
        raise DataError(f"{what} data must be numbers, got dtype {x.dtype}")
    if x.ndim == 0 or x.shape[0] == 0:
        raise DataError(f"{what} data is empty")
    per_sample = int(np.prod(shape))
    if x.shape[1:] == tuple(shape) or (shape and shape[0] == 1 and x.shape[1:] == tuple(shape[1:])):
        pass
    else:
        raise DataError(f"{what} data has samples of shape {list(x.shape[1:])}; the model expects "
                        f"{list(shape)} (or {list(shape[1:])} per sample)")
    if x.dtype.kind == "f" and not np.all(np.isfinite(x)):
        bad = int(np.count_nonzero(~np.isfinite(x)))
        raise DataError(f"{what} data contains {bad} NaN or infinite value(s)")
    if data.y is not None and data.y.ndim == 2 and data.y.shape[1] == 1:
        data.y = data.y.reshape(-1)
    if data.y is not None and data.y.ndim != 1:
        raise DataError(f"labels y must be one integer class per sample (shape [N]), got shape {list(data.y.shape)}")
    if data.y is not None and len(data.y) != len(x):
        raise DataError(f"labels y has {len(data.y)} entries but x has {len(x)} samples")
    if data.y is not None and data.y.dtype.kind not in "iu":
        raise DataError(f"labels y must be integers, got dtype {data.y.dtype}")
    return x.reshape((x.shape[0], per_sample)).reshape((x.shape[0], *shape))


def encode_input(x: np.ndarray, dtype: str, scale: float | None, zero_point: int | None) -> np.ndarray:
    """Samples -> an input's dtype. Float data is quantized with the input's parameters
    (TFLite's rounding); integer data is taken as already quantized."""
    target = np.dtype(dtype)
    if target.kind == "f":
        return x.astype(target)
    info = np.iinfo(target)
    if x.dtype.kind in "iu":
        if x.min() < info.min or x.max() > info.max:
            raise DataError(f"integer input data does not fit {target}")
        return x.astype(target)
    if scale is None:
        raise DataError(f"the model's {target} input has no quantization parameters")
    q = tflite_round(x.astype(np.float32) / np.float32(scale)) + zero_point
    return np.clip(q, info.min, info.max).astype(target)


def to_model_input(graph: Graph, x: np.ndarray, index: int = 0) -> np.ndarray:
    t = graph.tensors[graph.inputs[index]]
    quantized = t.quant is not None
    return encode_input(x, t.dtype, t.scale if quantized else None, t.zero_point if quantized else None)


@dataclass(frozen=True)
class InputSpec:
    shape: tuple[int, ...]
    dtype: str
    scale: float | None
    zero_point: int | None


def graph_input_specs(graph: Graph) -> list[InputSpec]:
    specs = []
    for name in graph.inputs:
        t = graph.tensors[name]
        q = t.quant is not None
        specs.append(InputSpec(t.shape, t.dtype, t.scale if q else None, t.zero_point if q else None))
    return specs


def encode_samples(data: Dataset, specs: list[InputSpec]) -> list[list[np.ndarray]]:
    """A data file -> one list of model inputs per sample, checked and encoded. An array of
    exactly one input's shape is a single sample."""
    arrays = [data.x, *data.more]
    if len(arrays) != len(specs):
        raise DataError(f"the model has {len(specs)} input(s) but the data has {len(arrays)} "
                        "(name them x, x1, x2, ... in the model's input order)")
    encoded = []
    for i, (x, spec) in enumerate(zip(arrays, specs)):
        shape = tuple(spec.shape)
        if x.shape == shape or (shape and shape[0] == 1 and x.shape == shape[1:]):
            x = x.reshape((1, *shape))
        what = "input" if len(specs) == 1 else f"input {i} (x{i if i else ''})"
        checked = check_samples(Dataset(x, data.y if i == 0 else None), shape, what)
        encoded.append(encode_input(checked, spec.dtype, spec.scale, spec.zero_point))
    counts = {len(e) for e in encoded}
    if len(counts) != 1:
        raise DataError(f"the inputs have different numbers of samples: {sorted(counts)}")
    return [[e[k] for e in encoded] for k in range(len(encoded[0]))]
