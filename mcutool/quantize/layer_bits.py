"""Per-layer weight formats (`--layer-bits NAME=int4,NAME=codebook:8` or a TOML file of
`NAME = "int4"` lines): which conv, depthwise and fully connected layers get which format.

A layer is named by its operator name or its output tensor name as `inspect` shows them for the
quantized model (the prepared float graph has the same names). Formats:
  int8             per-channel int8 (the default of `--weights int8`)
  int4             4-bit weights, rounded to nearest (quantize/int4.py)
  int4:adaround    4-bit weights, rounding learned on the calibration data (quantize/adaround.py)
  codebook:K       K = 2..16 shared int8 values (quantize/codebook.py)
  int16            int8 weights, int16 activations (TFLite's 16x8 kernel) for this layer in an
                   int8 model (quantize/mixed_activations.py); --activations int8 only
"""
from __future__ import annotations

from pathlib import Path

from mcutool import toml
from mcutool.errors import McutoolError
from mcutool.ir import Graph
from mcutool.ops import find
from mcutool.quantize.codebook import OPS as CODEBOOK_OPS
from mcutool.quantize.codebook import parse_weights
from mcutool.quantize.int4 import INT4_OPS

ADAROUND = "int4:adaround"
INT16 = "int16"
FORMATS = ("int8", "int4", ADAROUND, "codebook:K", INT16)


class LayerBitsError(McutoolError):
    pass


def check_format(fmt: str, where: str = "--layer-bits") -> str:
    """The format, normalised ("int4:nearest" -> "int4"); a LayerBitsError when unsupported."""
    fmt = fmt.strip()
    if fmt == "int4:nearest":
        return "int4"
    if fmt in ("int8", "int4", ADAROUND, INT16):
        return fmt
    try:
        if parse_weights(fmt) is not None:
            return fmt
    except McutoolError as e:
        raise LayerBitsError(f"{where}: {e}") from None
    raise LayerBitsError(f"{where}: format {fmt!r} is not supported; choose {', '.join(FORMATS)}")


def parse_layer_bits(spec: str) -> dict[str, str]:
    """`NAME=FMT,NAME=FMT` or the path of a .toml file -> {name: format} (names not resolved yet)."""
    spec = spec.strip()
    if spec.endswith(".toml") or Path(spec).is_file():
        return _from_toml(Path(spec))
    found: dict[str, str] = {}
    for item in filter(None, (s.strip() for s in spec.split(","))):
        name, eq, fmt = item.rpartition("=")
        if not eq or not name.strip():
            raise LayerBitsError(f"--layer-bits: {item!r} is not NAME=FORMAT")
        found[name.strip()] = check_format(fmt)
    if not found:
        raise LayerBitsError("--layer-bits: no NAME=FORMAT given")
    return found


def _from_toml(path: Path) -> dict[str, str]:
    try:
        table = toml.loads(path.read_text())
    except FileNotFoundError:
        raise LayerBitsError(f"--layer-bits: {path} does not exist") from None
    except (OSError, UnicodeDecodeError, toml.TOMLDecodeError) as e:
        raise LayerBitsError(f"--layer-bits: {path} is not a readable TOML file ({e})") from None
    table = table.get("layers", table)   # a [layers] table, or the names at the top level
    found: dict[str, str] = {}
    for name, fmt in table.items():
        if not isinstance(fmt, str):
            raise LayerBitsError(f"--layer-bits: {path}: {name!r} must be a format string like \"int4\"")
        found[name] = check_format(fmt, f"--layer-bits {path}")
    if not found:
        raise LayerBitsError(f"--layer-bits: {path} names no layer")
    return found


def weight_layers(graph: Graph) -> list[str]:
    """Operator names of the layers a format can be chosen for, in graph order."""
    return [op.name for op in graph.operators
            if op.type in CODEBOOK_OPS and len(op.inputs) > 1 and op.inputs[1]]


def resolve(graph: Graph, layer_bits: dict[str, str]) -> dict[str, str]:
    """{operator name: format} for a prepared float graph (or its quantized graph); unknown
    names and formats a layer cannot take raise a LayerBitsError naming them."""
    by_name: dict[str, str] = {}
    kinds: dict[str, str] = {}
    for op in graph.operators:
        if op.type in CODEBOOK_OPS and len(op.inputs) > 1 and op.inputs[1]:
            by_name[op.name] = by_name[op.outputs[0]] = op.name
            kinds[op.name] = op.type
    unknown = sorted(n for n in layer_bits if n not in by_name)
    if unknown:
        raise LayerBitsError(f"--layer-bits: no convolution, depthwise or fully connected layer named "
                             f"{', '.join(map(repr, unknown))}; the layers are {', '.join(weight_layers(graph))}")
    resolved: dict[str, str] = {}
    for name, fmt in layer_bits.items():
        op_name = by_name[name]
        if op_name in resolved and resolved[op_name] != fmt:
            raise LayerBitsError(f"--layer-bits: layer {op_name!r} is given two formats "
                                 f"({resolved[op_name]} and {fmt})")
        if fmt.startswith("int4") and kinds[op_name] not in INT4_OPS:
            raise LayerBitsError(f"--layer-bits: {kinds[op_name]} {op_name!r} cannot take int4 weights")
        if fmt == INT16 and not _has_16x8(kinds[op_name]):
            raise LayerBitsError(f"--layer-bits: {kinds[op_name]} {op_name!r} cannot take int16 activations "
                                 "(no 16x8 kernel)")
        resolved[op_name] = fmt
    return resolved


def _has_16x8(op_type: str) -> bool:
    opdef = find(op_type)
    return opdef is not None and INT16 in opdef.lower


def int4_layers(formats: dict[str, str]) -> set[str]:
    return {n for n, f in formats.items() if f.startswith("int4")}
