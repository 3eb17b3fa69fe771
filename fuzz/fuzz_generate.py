"""Coverage-guided fuzzing (atheris, libFuzzer) of the .tflite reader and the whole generate path.

Every input must end in a loaded model or a clean McutoolError (what the CLI prints as one
`error:` line); anything else is a crash. A float model that loads is quantized on random
calibration data; an int8 one (or the quantized float one) is compiled and its C generated;
distinct generated programs are built with -fsanitize=address,undefined
-fno-sanitize-recover=all and run on a random input, which must succeed.

Mutations are libFuzzer's byte edits, or, half the time, a structure-aware edit of the graph
(a shape, stride, scale, zero point, operator input or weight replaced) written back as .tflite.
The corpus starts from the project's own models: examples/*.tflite and the test builders'.

    python fuzz/fuzz_generate.py [--run-c N] [--summary FILE] CORPUS_DIR [libFuzzer flags]
      e.g. -runs=10000 -seed=1 -timeout=120 -rss_limit_mb=8192
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import sys
import tempfile
from pathlib import Path

import atheris

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

with atheris.instrument_imports(include=["mcutool"]):
    import numpy as np

    from mcutool import api
    from mcutool.errors import McutoolError
    from mcutool.frontends.tflite import read_tflite, write_tflite
    from mcutool.ir import QuantParams
    from mcutool.quantize.pipeline import PtqOptions, quantize_float_graph
    from mcutool.report.inspect import inspect_graph

MAX_C_ARENA = 64 << 20          # larger (valid) programs are generated but not run
MAX_FLOAT_VALUES = 1 << 22      # float models quantized only when their activations are small

STATS = {"inputs": 0, "loaded": 0, "clean_errors": 0, "int8_generated": 0, "c_runs": 0,
         "c_skipped_large": 0, "c_skipped_limit": 0, "float_quantized": 0}
_seen_c: set[str] = set()
_seeds: list[bytes] = []
_run_c_limit: int | None = None
_summary: Path | None = None


def seed_models() -> dict[str, bytes]:
    """The project's own models: the examples and what the tests build."""
    seeds = {p.name: p.read_bytes() for p in sorted((ROOT / "examples").glob("*.tflite"))}
    import float_models
    from test_cli import pool_fc_graph
    from zoo import all_ops_graph
    seeds["all_ops.tflite"] = write_tflite(all_ops_graph()[0])
    seeds["pool_fc_int8.tflite"] = write_tflite(pool_fc_graph().build())
    seeds["pool_fc_float.tflite"] = write_tflite(pool_fc_graph("float32").build())
    for name in ("structural_model", "elementwise_model", "uneven_channels_model"):
        seeds[f"{name}.tflite"] = write_tflite(getattr(float_models, name)())
    return seeds


def _quantize(graph):
    values = sum(int(np.prod(t.shape, dtype=np.float64)) for t in graph.tensors.values() if not t.is_const)
    if values > MAX_FLOAT_VALUES:
        return None
    shape = graph.tensors[graph.inputs[0]].shape
    x = np.random.default_rng(0).uniform(-1, 1, (3, *shape)).astype(np.float32)
    qgraph, _ = quantize_float_graph(graph, x, PtqOptions(method="minmax"))
    STATS["float_quantized"] += 1
    return qgraph


def _run_c(compiled, out_dir: Path) -> None:
    """Build the generated program with ASan/UBSan and run it; any failure raises."""
    if compiled.plan.arena_bytes > MAX_C_ARENA:
        STATS["c_skipped_large"] += 1
        return
    files = sorted((p.relative_to(out_dir).as_posix(), p.read_bytes()) for p in out_dir.rglob("*") if p.is_file())
    digest = hashlib.sha256(repr(files).encode()).hexdigest()
    if digest in _seen_c:
        return
    if _run_c_limit is not None and STATS["c_runs"] >= _run_c_limit:
        STATS["c_skipped_limit"] += 1
        return
    _seen_c.add(digest)
    meta = api.read_metadata(out_dir)
    rng = np.random.default_rng(len(_seen_c))
    sample = [rng.integers(-128, 128, i["shape"]).astype(i["dtype"]) if np.dtype(i["dtype"]).kind == "i"
              else rng.uniform(-1, 1, i["shape"]).astype(i["dtype"]) for i in meta["inputs"]]
    # Raises ToolchainError (a McutoolError) if it fails to build or run: not clean here.
    try:
        api.run(out_dir, [sample], sanitize=True)
    except McutoolError as exc:
        raise AssertionError(f"generated C failed under ASan/UBSan: {exc}") from None
    STATS["c_runs"] += 1


def test_one_input(data: bytes) -> None:
    STATS["inputs"] += 1
    try:
        graph = read_tflite(bytes(data))
        STATS["loaded"] += 1
        inspect_graph(graph)
        if api.float_ops(graph):
            graph = _quantize(graph)
            if graph is None:
                return
        compiled = api.compile_graph(graph)
        with tempfile.TemporaryDirectory(prefix="mcutool-fuzz-") as tmp:
            out = api.generate(compiled, Path(tmp) / "gen")
            STATS["int8_generated"] += 1
            _run_c(compiled, out)
    except McutoolError:
        STATS["clean_errors"] += 1
    finally:
        if _summary is not None and STATS["inputs"] % 100 == 0:
            _summary.write_text(json.dumps(STATS, indent=2) + "\n")


# -- structure-aware mutation ---------------------------------------------------------------------
_INTERESTING = [0, -1, 1, 2, 3, 127, 128, -128, -1000, 255, 65535, 65536, 2**31 - 1, -(2**31)]
_SCALES = [0.0, -1.0, 1e-45, 1e-39, 1e-10, 1e10, 3.4e38, float("inf"), float("nan")]


def _plausible(graph, rng: random.Random) -> None:
    """An edit a real model could have (a scale, zero point or weight within range): these
    mostly load, so the generated C varies and runs under the sanitizers."""
    names = list(graph.tensors)
    t = graph.tensors[rng.choice(names)]
    if t.quant is not None and rng.random() < 0.6:
        scale = t.quant.scale * np.float32(2.0 ** rng.uniform(-6, 6))
        zp = t.quant.zero_point
        if t.dtype == "int8" and t.data is None:
            zp = np.full(zp.shape, rng.randint(-128, 127))
        t.quant = QuantParams(scale.astype(np.float32), zp, t.quant.axis)
    elif t.data is not None and t.data.size:
        flat = t.data.reshape(-1).copy()
        k = rng.randrange(flat.size)
        if flat.dtype.kind == "f":
            flat[k] = rng.uniform(-4, 4)
        elif flat.dtype == np.int8:
            flat[k] = rng.randint(-127, 127)
        t.data = flat.reshape(t.data.shape)


def _mutate_graph(graph, rng: random.Random) -> None:
    if rng.random() < 0.5:
        _plausible(graph, rng)
        return
    names = list(graph.tensors)
    choice = rng.randrange(7)
    if choice == 0 and names:  # a dimension
        t = graph.tensors[rng.choice(names)]
        if t.shape and t.data is None:
            shape = list(t.shape)
            shape[rng.randrange(len(shape))] = rng.choice(_INTERESTING[2:])
            t.shape = tuple(abs(d) or 1 for d in shape)
    elif choice == 1 and names:  # a scale
        t = graph.tensors[rng.choice(names)]
        if t.quant is not None:
            scale = t.quant.scale.copy()
            scale[rng.randrange(scale.size)] = rng.choice(_SCALES)
            t.quant = QuantParams(scale, t.quant.zero_point, t.quant.axis)
    elif choice == 2 and names:  # a zero point
        t = graph.tensors[rng.choice(names)]
        if t.quant is not None:
            t.quant = QuantParams(t.quant.scale, np.full(t.quant.scale.shape, rng.choice(_INTERESTING)),
                                  t.quant.axis)
    elif choice == 3 and graph.operators:  # an attribute
        attrs = rng.choice(graph.operators).attrs
        fields = [f for f, v in vars(attrs).items() if isinstance(v, int) and not isinstance(v, bool)]
        if fields:
            setattr(attrs, rng.choice(fields), rng.choice(_INTERESTING))
    elif choice == 4 and graph.operators:  # an operator input: another tensor, absent or dropped
        op = rng.choice(graph.operators)
        if op.inputs:
            k = rng.randrange(len(op.inputs))
            what = rng.randrange(3)
            if what == 0:
                op.inputs[k] = rng.choice(names)
            elif what == 1:
                op.inputs[k] = ""
            else:
                del op.inputs[k]
    elif choice == 5 and names:  # constant data
        t = graph.tensors[rng.choice(names)]
        if t.data is not None and t.data.size:
            flat = t.data.reshape(-1).copy()
            if flat.dtype.kind == "f":
                flat[rng.randrange(flat.size)] = rng.choice([np.nan, np.inf, 1e30, 0.0])
            else:
                info = np.iinfo(flat.dtype)
                flat[rng.randrange(flat.size)] = rng.choice([info.min, info.max, 0])
            t.data = flat.reshape(t.data.shape)
    elif graph.operators:  # order of two operators
        i, j = rng.randrange(len(graph.operators)), rng.randrange(len(graph.operators))
        graph.operators[i], graph.operators[j] = graph.operators[j], graph.operators[i]


def custom_mutator(data: bytes, max_size: int, seed: int) -> bytes:
    rng = random.Random(seed)
    if rng.random() < 0.4:
        return atheris.Mutate(data, max_size)
    if _seeds and rng.random() < 0.25:  # back to a valid model now and then: more C to check
        data = rng.choice(_seeds)
    try:
        graph = read_tflite(bytes(data), check=False)
        for _ in range(rng.randint(1, 3)):
            _mutate_graph(graph, rng)
        out = write_tflite(graph)
    except Exception:  # noqa: BLE001 - any graph the writer cannot express: mutate bytes instead
        return atheris.Mutate(data, max_size)
    return out if len(out) <= max_size else atheris.Mutate(data, max_size)


def main(argv: list[str]) -> None:
    global _run_c_limit, _summary
    args = list(argv)
    if "--run-c" in args:
        k = args.index("--run-c")
        _run_c_limit = int(args[k + 1])
        del args[k:k + 2]
    if "--summary" in args:
        k = args.index("--summary")
        _summary = Path(args[k + 1])
        del args[k:k + 2]
    corpus = next((Path(a) for a in args[1:] if not a.startswith("-")), None)
    seeds = seed_models()
    _seeds.extend(seeds.values())
    if corpus is not None:
        corpus.mkdir(parents=True, exist_ok=True)
        if not any(corpus.iterdir()):
            for name, model in seeds.items():
                (corpus / name).write_bytes(model)
    if not any(a.startswith("-max_len") for a in args):
        args.append("-max_len=200000")
    if _summary is not None:
        import atexit
        atexit.register(lambda: _summary.write_text(json.dumps(STATS, indent=2) + "\n"))
    os.environ.setdefault("MCUTOOL_FUZZ", "1")
    atheris.Setup(args, test_one_input, custom_mutator=custom_mutator)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
