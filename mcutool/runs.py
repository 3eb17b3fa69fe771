"""`mcutool run`: feed a data file to a generated project on a board."""
from __future__ import annotations

from pathlib import Path

from mcutool import api
from mcutool.data import InputSpec, encode_samples, load_data


def load_project_samples(project: str | Path, input_path: str | Path):
    """A data file -> samples in a generated project's input encoding."""
    meta = api.read_metadata(project)
    specs = [InputSpec(tuple(i["shape"]), i["dtype"], i["scale"], i["zero_point"]) for i in meta["inputs"]]
    return encode_samples(load_data(input_path), specs)


def run_project(project: str | Path, input_path: str | Path, board: str = api.HOST):
    return api.run(project, load_project_samples(project, input_path), board=board)
