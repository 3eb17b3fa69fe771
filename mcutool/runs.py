"""`mcutool run`: feed a data file to a generated project on a board."""
from __future__ import annotations

from pathlib import Path

from mcutool import api
from mcutool.data import DataError, check_samples, encode_input, load_data


def load_project_samples(project: str | Path, input_path: str | Path):
    """A data file -> samples in a generated project's input encoding."""
    meta = api.read_metadata(project)
    if len(meta["inputs"]) != 1:
        raise DataError("`mcutool run` feeds single-input models; use the Python API for more")
    spec = meta["inputs"][0]
    shape = tuple(spec["shape"])
    data = load_data(input_path)
    x = data.x
    if x.shape == shape or (shape and shape[0] == 1 and x.shape == shape[1:]):
        x = x.reshape((1, *shape))  # a single sample
    x = check_samples(type(data)(x), shape)
    q = encode_input(x, spec["dtype"], spec["scale"], spec["zero_point"])
    return [[q[i]] for i in range(len(q))]


def run_project(project: str | Path, input_path: str | Path, board: str = api.HOST):
    return api.run(project, load_project_samples(project, input_path), board=board)
