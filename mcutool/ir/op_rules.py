"""The model-check rules that operators choose from: shapes and window parameters, the
effective scales of the int8 kernels and the length of their int32 sums. Each OpDef lists the
rules that apply to it (`OpDef.checks`); mcutool.ir.validate runs them, with the arity the
OpDef declares, right after a model is read. Every rule has the signature
`rule(where, graph, op)` and raises ModelCheckError naming the tensor and the rule.
"""
from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from mcutool.errors import ModelCheckError
from mcutool.fixedpoint import MAX_SHIFT, MultiplierRangeError, quantize_multiplier
from mcutool.ir.graph import Graph, Operator
from mcutool.ir.tensor import Tensor

INT32_MAX = (1 << 31) - 1
ADD_LEFT_SHIFT = 20           # TFLite's int8 ADD/SUB input left shift
PRODUCT_MAX = 255 * 128       # |(x - input zero point) * w| for int8 x, w and zero point


def fail(where: str, rule: str) -> None:
    raise ModelCheckError(f"{where}: {rule}")


# -- effective scales: multipliers and shifts the C can perform -------------------------------
def _multiplier(where: str, tensor: str, what: str, reals: np.ndarray) -> None:
    for c, real in enumerate(np.atleast_1d(reals)):
        try:
            quantize_multiplier(float(real))
        except MultiplierRangeError as exc:
            channel = f" (channel {c})" if np.size(reals) > 1 else ""
            shift = f"a left shift of {exc.shift}" if exc.shift is not None else "no finite multiplier"
            fail(f"{where}: tensor {tensor!r}",
                 f"effective scale {what} = {float(real):g}{channel} needs {shift}; "
                 f"the C kernels shift by at most {MAX_SHIFT}")


def _scale(graph: Graph, name: str) -> np.ndarray | None:
    t = graph.tensors[name] if name else None
    return None if t is None or t.quant is None else np.asarray(t.quant.scale, np.float64)


def _int8(graph: Graph, op: Operator) -> bool:
    """The scale and sum rules are about the int8 kernels: first input and output int8."""
    names = [n for n in op.inputs[:1] + op.outputs[:1] if n]
    return bool(names) and all(graph.tensors[n].dtype == "int8" for n in names)


def _scales(graph: Graph, op: Operator) -> tuple[list[np.ndarray | None], np.ndarray | None]:
    ins = [_scale(graph, n) for n in op.inputs]
    out = _scale(graph, op.outputs[0]) if op.outputs else None
    return ins, out


def weighted_scales(where: str, graph: Graph, op: Operator) -> None:
    """Convolution and fully connected: input * weight / output, per channel."""
    ins, out = _scales(graph, op)
    if _int8(graph, op) and out is not None and ins[0] is not None and len(ins) > 1 and ins[1] is not None:
        with np.errstate(all="ignore"):
            _multiplier(where, op.inputs[1], "input * weight / output", ins[0] * ins[1] / out)


def add_sub_scales(where: str, graph: Graph, op: Operator) -> None:
    """ADD and SUB rescale both inputs to twice the larger scale, shifted left by 20."""
    ins, out = _scales(graph, op)
    if _int8(graph, op) and out is not None and ins[0] is not None and ins[1] is not None:
        twice_max = 2 * max(float(ins[0][0]), float(ins[1][0]))
        with np.errstate(all="ignore"):
            _multiplier(where, op.outputs[0], "2 * max(input scales) / (2^20 * output)",
                        np.array([twice_max / ((1 << ADD_LEFT_SHIFT) * out[0])]))


def mul_scales(where: str, graph: Graph, op: Operator) -> None:
    ins, out = _scales(graph, op)
    if _int8(graph, op) and out is not None and ins[0] is not None and ins[1] is not None:
        with np.errstate(all="ignore"):
            _multiplier(where, op.outputs[0], "input1 * input2 / output", ins[0][:1] * ins[1][:1] / out[:1])


def rescale_scales(where: str, graph: Graph, op: Operator) -> None:
    """Ops that requantize their input to the output's scale: input / output."""
    ins, out = _scales(graph, op)
    if _int8(graph, op) and out is not None and ins[0] is not None:
        with np.errstate(all="ignore"):
            _multiplier(where, op.outputs[0], "input / output", ins[0][:1] / out[:1])


def leaky_relu_scales(where: str, graph: Graph, op: Operator) -> None:
    """LEAKY_RELU: input / output, and alpha * input / output for the negative side."""
    rescale_scales(where, graph, op)
    ins, out = _scales(graph, op)
    if _int8(graph, op) and out is not None and ins[0] is not None:
        with np.errstate(all="ignore"):
            _multiplier(where, op.outputs[0], "alpha * input / output",
                        np.abs(np.float64(op.attrs.alpha)) * ins[0][:1] / out[:1])


Rule = Callable[[str, Graph, Operator], None]


def weighted_sums(products_per_output: Callable[[tuple[int, ...]], int]) -> Rule:
    """The int8 kernels accumulate in int32: the longest sum (products per output, from the
    weights' shape, plus the bias) must not overflow it (signed overflow is undefined in C)."""
    def rule(where: str, graph: Graph, op: Operator) -> None:
        w = graph.tensors[op.inputs[1]]
        if not _int8(graph, op) or w.dtype not in ("int8", "int4"):
            return
        terms = products_per_output(w.shape)
        product_max = PRODUCT_MAX if w.dtype == "int8" else 255 * 8
        bias = graph.tensors[op.inputs[2]] if len(op.inputs) > 2 and op.inputs[2] else None
        largest_bias = (int(np.abs(bias.data.astype(np.int64)).max(initial=0))
                        if bias is not None and bias.data is not None else 0)
        worst = terms * product_max + largest_bias
        if worst > INT32_MAX:
            fail(f"{where}: tensor {w.name!r}", f"sums {terms:,} products (and a bias) into an int32 "
                                                f"accumulator: up to {worst:,}, more than 2^31-1")
    return rule


def _window_sums(where: str, x: Tensor, terms: int) -> None:
    if terms * 255 > INT32_MAX:
        fail(f"{where}: input {x.name!r}", f"sums {terms:,} values into an int32 accumulator, "
                                           "which can overflow 2^31-1")


def pool_sums(where: str, graph: Graph, op: Operator) -> None:
    if _int8(graph, op):
        _window_sums(where, graph.tensors[op.inputs[0]], op.attrs.filter_h * op.attrs.filter_w)


def mean_sums(where: str, graph: Graph, op: Operator) -> None:
    if _int8(graph, op):
        x, y = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
        _window_sums(where, x, math.prod(x.shape) // max(math.prod(y.shape), 1))


def check_arity(where: str, op: Operator, inputs: tuple[int, int | None], optional: tuple[int, ...],
                outputs: int) -> None:
    """The operand counts an OpDef declares: (min, max) inputs, optional slots, outputs."""
    low, high = inputs
    n = len(op.inputs)
    if n < low or (high is not None and n > high):
        want = f"{low}" if high == low else f"{low} to {high}" if high else f"at least {low}"
        fail(where, f"has {n} input(s); {op.type} takes {want}")
    for k, name in enumerate(op.inputs):
        if not name and k not in optional:
            fail(where, f"input {k} is absent (-1) but {op.type} requires it")
    if len(op.outputs) != outputs:
        fail(where, f"has {len(op.outputs)} output(s); {op.type} has {outputs}")


def _rank(where: str, t: Tensor, rank: int, role: str) -> tuple[int, ...]:
    if len(t.shape) != rank:
        fail(f"{where}: {role} {t.name!r}", f"shape {list(t.shape)} must be {rank}-D")
    return t.shape


def _out_size(where: str, padding: str, in_size: int, k: int, stride: int, dilation: int,
              axis: str, x: Tensor) -> int:
    """TFLite's ComputeOutSize, after bounding its arguments by the input."""
    bound = max(in_size, 2)
    if not 1 <= stride <= bound:
        fail(f"{where}: input {x.name!r}", f"stride_{axis} {stride} must be between 1 and {bound} "
                                           f"(the input's {axis} size {in_size})")
    if not 1 <= k <= 2 * in_size:
        fail(f"{where}: input {x.name!r}", f"filter {axis} size {k} must be between 1 and {2 * in_size} "
                                           f"(twice the input's {axis} size)")
    if dilation < 1 or (k > 1 and dilation > in_size):
        fail(f"{where}: input {x.name!r}", f"dilation_{axis} {dilation} must be between 1 and {in_size} "
                                           f"(the input's {axis} size)")
    extent = (k - 1) * dilation + 1
    if padding == "VALID":
        if extent > in_size:
            fail(f"{where}: input {x.name!r}", f"the filter spans {extent} along {axis} but the input has "
                                               f"{in_size} and padding is VALID")
        return (in_size - extent) // stride + 1
    if padding != "SAME":
        fail(where, f"padding {padding!r} must be SAME or VALID")
    return (in_size + stride - 1) // stride


def _spatial(where: str, graph: Graph, op: Operator, k_h: int, k_w: int, dilated: bool) -> None:
    x, y = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    a = op.attrs
    n, h, w, _ = _rank(where, x, 4, "input")
    yn, yh, yw, _ = _rank(where, y, 4, "output")
    dh, dw = (a.dilation_h, a.dilation_w) if dilated else (1, 1)
    out_h = _out_size(where, a.padding, h, k_h, a.stride_h, dh, "h", x)
    out_w = _out_size(where, a.padding, w, k_w, a.stride_w, dw, "w", x)
    if (yn, yh, yw) != (n, out_h, out_w):
        fail(f"{where}: output {y.name!r}", f"shape {list(y.shape)} should be [{n}, {out_h}, {out_w}, ...] "
                                            f"for input {list(x.shape)}")


def _bias(where: str, graph: Graph, op: Operator, channels: int) -> None:
    if len(op.inputs) > 2 and op.inputs[2]:
        b = graph.tensors[op.inputs[2]]
        if math.prod(b.shape) != channels:
            fail(f"{where}: input 2 {b.name!r}", f"bias of shape {list(b.shape)} must hold {channels} values")


def conv_shapes(where: str, graph: Graph, op: Operator) -> None:
    x, w, y = (graph.tensors[n] for n in (op.inputs[0], op.inputs[1], op.outputs[0]))
    _rank(where, x, 4, "input")
    o, kh, kw, depth = _rank(where, w, 4, "input 1")
    if x.shape[3] % depth:
        fail(f"{where}: input 1 {w.name!r}", f"filter depth {depth} does not divide the input depth {x.shape[3]}")
    _spatial(where, graph, op, kh, kw, True)
    if y.shape[3] != o:
        fail(f"{where}: output {y.name!r}", f"{y.shape[3]} channels but the filter has {o}")
    _bias(where, graph, op, o)


def depthwise_shapes(where: str, graph: Graph, op: Operator) -> None:
    x, w, y = (graph.tensors[n] for n in (op.inputs[0], op.inputs[1], op.outputs[0]))
    c = _rank(where, x, 4, "input")[3]
    one, kh, kw, o = _rank(where, w, 4, "input 1")
    if one != 1 or o % c:
        fail(f"{where}: input 1 {w.name!r}", f"filter {list(w.shape)} must be [1, h, w, a multiple of {c}]")
    _spatial(where, graph, op, kh, kw, True)
    if y.shape[3] != o:
        fail(f"{where}: output {y.name!r}", f"{y.shape[3]} channels but the filter has {o}")
    _bias(where, graph, op, o)


def fully_connected_shapes(where: str, graph: Graph, op: Operator) -> None:
    x, w, y = (graph.tensors[n] for n in (op.inputs[0], op.inputs[1], op.outputs[0]))
    units, depth = _rank(where, w, 2, "input 1")
    if not y.shape or y.shape[-1] != units:
        fail(f"{where}: output {y.name!r}", f"shape {list(y.shape)} must end in the {units} units of the weights")
    rows = math.prod(y.shape) // units
    if math.prod(x.shape) != rows * depth:
        fail(f"{where}: input 0 {x.name!r}", f"shape {list(x.shape)} does not hold {rows} row(s) of depth {depth}")
    _bias(where, graph, op, units)


def pool_shapes(where: str, graph: Graph, op: Operator) -> None:
    x, y = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    _spatial(where, graph, op, op.attrs.filter_h, op.attrs.filter_w, False)
    if y.shape[3] != x.shape[3]:
        fail(f"{where}: output {y.name!r}", f"{y.shape[3]} channels but the input has {x.shape[3]}")


def broadcast_shapes(where: str, graph: Graph, op: Operator) -> None:
    a, b, y = (graph.tensors[n] for n in (op.inputs[0], op.inputs[1], op.outputs[0]))
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        fail(f"{where}: input 1 {b.name!r}", f"shape {list(b.shape)} does not broadcast with {list(a.shape)}")
    if tuple(shape) != tuple(y.shape):
        fail(f"{where}: output {y.name!r}", f"shape {list(y.shape)} should be the broadcast shape {list(shape)}")


def same_shape(where: str, graph: Graph, op: Operator) -> None:
    x, y = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    if x.shape != y.shape:
        fail(f"{where}: output {y.name!r}", f"shape {list(y.shape)} must equal the input's {list(x.shape)}")


def same_size(where: str, graph: Graph, op: Operator) -> None:
    x, y = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    if math.prod(x.shape) != math.prod(y.shape):
        fail(f"{where}: output {y.name!r}", f"shape {list(y.shape)} holds a different number of "
                                            f"elements than the input's {list(x.shape)}")


def pad_shapes(where: str, graph: Graph, op: Operator) -> None:
    x, p, y = graph.tensors[op.inputs[0]], graph.tensors[op.inputs[1]], graph.tensors[op.outputs[0]]
    if p.data is None:
        return  # lowering refuses non-constant paddings by name
    pads = np.asarray(p.data, np.int64).reshape(-1)
    if pads.size != 2 * len(x.shape) or (pads < 0).any():
        fail(f"{where}: input 1 {p.name!r}", f"paddings {pads.tolist()} must be {len(x.shape)} "
                                             "non-negative (before, after) pairs")
    want = [d + int(pads[2 * k]) + int(pads[2 * k + 1]) for k, d in enumerate(x.shape)]
    if list(y.shape) != want:
        fail(f"{where}: output {y.name!r}", f"shape {list(y.shape)} should be {want}")


def concat_shapes(where: str, graph: Graph, op: Operator) -> None:
    y = graph.tensors[op.outputs[0]]
    rank = len(y.shape)
    axis = op.attrs.axis + rank if op.attrs.axis < 0 else op.attrs.axis
    if not 0 <= axis < max(rank, 1):
        fail(f"{where}: output {y.name!r}", f"axis {op.attrs.axis} is outside its rank {rank}")
    total = 0
    for name in op.inputs:
        t = graph.tensors[name]
        if len(t.shape) != rank or any(d != e for k, (d, e) in enumerate(zip(t.shape, y.shape)) if k != axis):
            fail(f"{where}: input {name!r}", f"shape {list(t.shape)} does not match the output "
                                             f"{list(y.shape)} outside axis {axis}")
        total += t.shape[axis] if rank else 0
    if rank and total != y.shape[axis]:
        fail(f"{where}: output {y.name!r}", f"size {y.shape[axis]} along axis {axis} should be {total}")


def mean_shapes(where: str, graph: Graph, op: Operator) -> None:
    x, axes, y = graph.tensors[op.inputs[0]], graph.tensors[op.inputs[1]], graph.tensors[op.outputs[0]]
    if axes.data is None:
        return  # lowering refuses a computed axis by name
    rank = len(x.shape)
    reduced = set()
    for v in np.asarray(axes.data).reshape(-1).tolist():
        if not -rank <= int(v) < rank:
            fail(f"{where}: input 1 {axes.name!r}", f"axis {v} is outside the input's rank {rank}")
        reduced.add(int(v) % rank)
    kept = math.prod(d for k, d in enumerate(x.shape) if k not in reduced)
    if math.prod(y.shape) != kept:
        fail(f"{where}: output {y.name!r}", f"shape {list(y.shape)} does not hold the {kept} mean(s) of "
                                            f"{list(x.shape)} over axes {sorted(reduced)}")
