"""Generate the C sources of one model: <prefix>.h, <prefix>.c, <prefix>_weights.c, a host
main, the runtime sources it needs, and mcutool.json (what `run` and `validate` read back)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import jinja2
import numpy as np

from mcutool import __version__
from mcutool.codegen.names import c_identifier, c_prefix, comment_text
from mcutool.codegen.prototypes import load_prototypes
from mcutool.codegen.render import CTYPES, ArrayDecl, CallRenderer, CodegenError, RenderedCall
from mcutool.codegen.runtime_subset import needed_runtime_files
from mcutool.ir import Graph
from mcutool.ir.analysis import op_macs
from mcutool.ir.dtypes import pack_int4
from mcutool.lower import LoweredGraph
from mcutool.lower.codebook import flash_bytes
from mcutool.plan import MemoryPlan
from mcutool.resources import templates_dir


@dataclass
class IoSpec:
    tensor: str
    macro: str        # e.g. MODEL_INPUT or MODEL_INPUT1
    param: str        # C parameter name of invoke()
    ctype: str
    shape: list[int]
    size: int
    nbytes: int
    offset: int
    scale: float | None
    zero_point: int | None
    slot: int = 0     # offset in the test programs' word-aligned I/O buffer


@dataclass
class OpBlock:
    index: int
    comment: str
    calls: list[RenderedCall] = field(default_factory=list)
    traces: list[tuple[int, int, int]] = field(default_factory=list)  # (output index, offset, bytes)


def _io_specs(graph: Graph, plan: MemoryPlan, names: list[str], kind: str, prefix: str) -> list[IoSpec]:
    specs = []
    for i, name in enumerate(names):
        t = graph.tensors[name]
        suffix = "" if len(names) == 1 else str(i)
        specs.append(IoSpec(
            tensor=name,
            macro=f"{prefix.upper()}_{kind.upper()}{suffix}",
            param=f"{kind}{suffix}",
            ctype=CTYPES[t.dtype],
            shape=list(t.shape),
            size=t.size,
            nbytes=t.nbytes,
            offset=plan.tensor_offset(name),
            scale=t.scale if t.quant is not None else None,
            zero_point=t.zero_point if t.quant is not None else None,
        ))
    slot = 0
    for spec in specs:  # each input or output starts on a word, so float ones are aligned
        spec.slot = slot
        slot = (slot + spec.nbytes + 3) // 4 * 4
    return specs


def _float_macro(value: float) -> str:
    return f"{float(np.float32(value)):.9g}f"


class ModelSources:
    """Everything the templates need for one model, computed once."""

    def __init__(self, lowered: LoweredGraph, plan: MemoryPlan, prefix: str, source_name: str,
                 target: str = "host"):
        self.graph = graph = lowered.graph
        self.isa = lowered.isa
        self.target = target
        self.prefix = c_prefix(prefix)
        self.arena = f"{prefix}_arena"
        self.plan = plan
        self.source_name = comment_text(source_name, 80)
        self.weights: dict[str, ArrayDecl] = {}
        self.codebook_bytes = 0   # codebook weights: packed indices and tables, declared with the calls
        self.inputs = _io_specs(graph, plan, graph.inputs, "input", prefix)
        self.outputs = _io_specs(graph, plan, graph.outputs, "output", prefix)
        renderer = CallRenderer(load_prototypes(), self._tensor_expr, self.arena)
        self.ops: list[OpBlock] = []
        for i, (op, low) in enumerate(zip(graph.operators, lowered.ops)):
            ins = ", ".join("x".join(map(str, graph.tensors[n].shape)) for n in op.inputs
                            if n and not graph.tensors[n].is_const)
            outs = ", ".join("x".join(map(str, graph.tensors[n].shape)) for n in op.outputs)
            block = OpBlock(i, f"#{i} {op.type} {comment_text(op.name)}: {ins} -> {outs}")
            for k, call in enumerate(low.calls):
                tag = f"op{i}" + (f"_{k}" if len(low.calls) > 1 else "")
                self.codebook_bytes += flash_bytes(call)
                block.calls.append(renderer.render(call, tag, plan.scratch_offset(i)))
            for k, name in enumerate(op.outputs):
                if plan.const_root(name, graph) is None:
                    block.traces.append((k, plan.tensor_offset(name), graph.tensors[name].nbytes))
            self.ops.append(block)

    def _tensor_expr(self, name: str, ptype: str) -> str:
        name = self.plan.const_root(name, self.graph) or name
        t = self.graph.tensors[name]
        if t.is_const:
            if not ptype.startswith("const"):
                raise CodegenError(f"a kernel would write to constant tensor {name!r}")
            if name not in self.weights:
                index = list(self.graph.tensors).index(name)
                ident = f"{self.prefix}_w{index}_{c_identifier(name, 32)}"
                if t.dtype == "int4":   # packed two per byte, as the s4 kernels read them
                    packed = pack_int4(np.asarray(t.values)).view(np.int8)
                    self.weights[name] = ArrayDecl(ident, "int8_t", packed, align=8)
                else:
                    self.weights[name] = ArrayDecl(ident, CTYPES[t.dtype], t.values, align=8)
            return f"({ptype}){self.weights[name].name}"
        return f"({ptype})({self.arena} + {self.plan.tensor_offset(name)})"

    @property
    def weight_bytes(self) -> int:
        return self.codebook_bytes + sum(int(np.asarray(w.values).nbytes) for w in self.weights.values())

    def metadata(self) -> dict:
        def io(spec: IoSpec) -> dict:
            return {"name": spec.tensor, "shape": spec.shape, "dtype": self.graph.tensors[spec.tensor].dtype,
                    "scale": spec.scale, "zero_point": spec.zero_point, "bytes": spec.nbytes}
        return {
            "generator": f"mcutool {__version__}",
            "prefix": self.prefix,
            "source": self.source_name,
            "target": self.target,   # the --board given to generate
            "isa": self.isa,         # the code path the kernels' contexts are laid out for
            "arena_bytes": self.plan.arena_bytes,
            "weight_bytes": self.weight_bytes,
            "inputs": [io(s) for s in self.inputs],
            "outputs": [io(s) for s in self.outputs],
            "ops": [{"index": i, "type": op.type, "name": op.name, "macs": op_macs(self.graph, op),
                     "arena_live_bytes": self.plan.live_bytes(i),
                     "inputs": [list(self.graph.tensors[n].shape) for n in op.inputs
                                if n and not self.graph.tensors[n].is_const],
                     "outputs": [{"name": n, "shape": list(self.graph.tensors[n].shape),
                                  "dtype": self.graph.tensors[n].dtype} for n in op.outputs]}
                    for i, op in enumerate(self.graph.operators)],
        }


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["fmacro"] = _float_macro
    return env


def render_sources(lowered: LoweredGraph, plan: MemoryPlan, prefix: str = "model",
                   source_name: str = "model", target: str = "host") -> dict[str, str]:
    """File name -> text, for the model itself (no runtime, no main)."""
    model = ModelSources(lowered, plan, prefix, source_name, target)
    runtime_files = needed_runtime_files({c.kernel for c in lowered.calls})
    env = _environment()
    ctx = {"m": model, "version": __version__,
           "runtime_sources": [f for f in runtime_files if f.endswith(".c")]}
    files = {
        f"{prefix}.h": env.get_template("model.h.j2").render(ctx),
        f"{prefix}.c": env.get_template("model.c.j2").render(ctx),
        f"{prefix}_weights.c": env.get_template("model_weights.c.j2").render(ctx),
        "main_host.c": env.get_template("main_host.c.j2").render(ctx),
        "main_board.c": env.get_template("main_board.c.j2").render(ctx),
        f"{prefix}.mk": env.get_template("model.mk.j2").render(ctx),
        "Makefile": env.get_template("Makefile.j2").render(ctx),
        "CMakeLists.txt": env.get_template("CMakeLists.txt.j2").render(ctx),
        "README.md": env.get_template("README.md.j2").render(ctx),
        "mcutool.json": json.dumps({**model.metadata(), "runtime_files": runtime_files},
                                   indent=2, sort_keys=True) + "\n",
    }
    return files
