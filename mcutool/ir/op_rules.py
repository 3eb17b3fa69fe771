"""The rules of mcutool.ir.validate that depend on the operator type: inputs and outputs
(arity), shapes and window parameters, the effective scales of the int8 kernels and the
length of their int32 sums.

TO MOVE into mcutool/ops (one OpDef per operator, with arity fields) when that lands: this
module is the only op-keyed part of the validation pass.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

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


def check_multipliers(where: str, graph: Graph, op: Operator) -> None:
    ins = [_scale(graph, n) for n in op.inputs]
    out = _scale(graph, op.outputs[0]) if op.outputs else None
    if out is None or not ins or ins[0] is None:
        return
    y = op.outputs[0]
    with np.errstate(all="ignore"):
        if op.type in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED") and ins[1] is not None:
            _multiplier(where, op.inputs[1], "input * weight / output", ins[0] * ins[1] / out)
        elif op.type in ("ADD", "SUB") and ins[1] is not None:
            twice_max = 2 * max(float(ins[0][0]), float(ins[1][0]))
            _multiplier(where, y, "2 * max(input scales) / (2^20 * output)",
                        np.array([twice_max / ((1 << ADD_LEFT_SHIFT) * out[0])]))
        elif op.type == "MUL" and ins[1] is not None:
            _multiplier(where, y, "input1 * input2 / output", ins[0][:1] * ins[1][:1] / out[:1])
        elif op.type in ("QUANTIZE", "MEAN", "AVERAGE_POOL_2D", "MAX_POOL_2D", "RELU", "RELU6", "LEAKY_RELU"):
            _multiplier(where, y, "input / output", ins[0][:1] / out[:1])
            if op.type == "LEAKY_RELU":
                _multiplier(where, y, "alpha * input / output",
                            np.abs(np.float64(op.attrs.alpha)) * ins[0][:1] / out[:1])


def check_sums(where: str, graph: Graph, op: Operator) -> None:
    """The int8 kernels accumulate in int32: the longest sum must not overflow it (signed
    overflow is undefined behaviour in C)."""
    if op.type in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
        w = graph.tensors[op.inputs[1]]
        if w.dtype != "int8":
            return
        terms = {"CONV_2D": math.prod(w.shape[1:]), "DEPTHWISE_CONV_2D": math.prod(w.shape[1:3]),
                 "FULLY_CONNECTED": w.shape[-1]}[op.type]
        bias = graph.tensors[op.inputs[2]] if len(op.inputs) > 2 and op.inputs[2] else None
        largest_bias = int(np.abs(bias.data.astype(np.int64)).max(initial=0)) if bias is not None and \
            bias.data is not None else 0
        worst = terms * PRODUCT_MAX + largest_bias
        if worst > INT32_MAX:
            fail(f"{where}: tensor {w.name!r}", f"sums {terms:,} products (and a bias) into an int32 "
                                                f"accumulator: up to {worst:,}, more than 2^31-1")
    elif op.type in ("AVERAGE_POOL_2D", "MEAN"):
        x, y = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
        terms = (op.attrs.filter_h * op.attrs.filter_w if op.type == "AVERAGE_POOL_2D"
                 else math.prod(x.shape) // max(math.prod(y.shape), 1))
        if terms * 255 > INT32_MAX:
            fail(f"{where}: input {x.name!r}", f"sums {terms:,} values into an int32 accumulator, "
                                               "which can overflow 2^31-1")


@dataclass(frozen=True)
class Arity:
    min_inputs: int
    max_inputs: int | None        # None: any number
    optional: frozenset[int] = frozenset()  # input positions that may be absent (-1)
    outputs: int = 1


_ONE = Arity(1, 1)
_WEIGHTED = Arity(2, 3, frozenset({2}))  # bias optional
ARITY: dict[str, Arity] = {
    "CONV_2D": _WEIGHTED, "DEPTHWISE_CONV_2D": _WEIGHTED, "FULLY_CONNECTED": _WEIGHTED,
    "AVERAGE_POOL_2D": _ONE, "MAX_POOL_2D": _ONE, "MEAN": Arity(2, 2),
    "ADD": Arity(2, 2), "SUB": Arity(2, 2), "MUL": Arity(2, 2),
    "RESHAPE": Arity(1, 2, frozenset({1})), "SQUEEZE": _ONE,
    "PAD": Arity(2, 2), "PADV2": Arity(3, 3), "CONCATENATION": Arity(1, None),
    "SOFTMAX": _ONE, "LOGISTIC": _ONE, "TANH": _ONE, "RELU": _ONE, "RELU6": _ONE,
    "LEAKY_RELU": _ONE, "HARD_SWISH": _ONE, "QUANTIZE": _ONE, "DEQUANTIZE": _ONE,
}


def check_arity(where: str, op: Operator) -> None:
    arity = ARITY.get(op.type)
    if arity is None:  # unknown to mcutool: lowering names it as unsupported
        return
    n = len(op.inputs)
    if n < arity.min_inputs or (arity.max_inputs is not None and n > arity.max_inputs):
        want = (f"{arity.min_inputs}" if arity.max_inputs == arity.min_inputs else
                f"{arity.min_inputs} to {arity.max_inputs}" if arity.max_inputs else f"at least {arity.min_inputs}")
        fail(where, f"has {n} input(s); {op.type} takes {want}")
    for k, name in enumerate(op.inputs):
        if not name and k not in arity.optional:
            fail(where, f"input {k} is absent (-1) but {op.type} requires it")
    if len(op.outputs) != arity.outputs:
        fail(where, f"has {len(op.outputs)} output(s); {op.type} has {arity.outputs}")


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


def _conv(where: str, graph: Graph, op: Operator) -> None:
    x, w, y = (graph.tensors[n] for n in (op.inputs[0], op.inputs[1], op.outputs[0]))
    _rank(where, x, 4, "input")
    o, kh, kw, depth = _rank(where, w, 4, "input 1")
    if x.shape[3] % depth:
        fail(f"{where}: input 1 {w.name!r}", f"filter depth {depth} does not divide the input depth {x.shape[3]}")
    _spatial(where, graph, op, kh, kw, True)
    if y.shape[3] != o:
        fail(f"{where}: output {y.name!r}", f"{y.shape[3]} channels but the filter has {o}")
    _bias(where, graph, op, o)


def _depthwise(where: str, graph: Graph, op: Operator) -> None:
    x, w, y = (graph.tensors[n] for n in (op.inputs[0], op.inputs[1], op.outputs[0]))
    c = _rank(where, x, 4, "input")[3]
    one, kh, kw, o = _rank(where, w, 4, "input 1")
    if one != 1 or o % c:
        fail(f"{where}: input 1 {w.name!r}", f"filter {list(w.shape)} must be [1, h, w, a multiple of {c}]")
    _spatial(where, graph, op, kh, kw, True)
    if y.shape[3] != o:
        fail(f"{where}: output {y.name!r}", f"{y.shape[3]} channels but the filter has {o}")
    _bias(where, graph, op, o)


def _fully_connected(where: str, graph: Graph, op: Operator) -> None:
    x, w, y = (graph.tensors[n] for n in (op.inputs[0], op.inputs[1], op.outputs[0]))
    units, depth = _rank(where, w, 2, "input 1")
    if not y.shape or y.shape[-1] != units:
        fail(f"{where}: output {y.name!r}", f"shape {list(y.shape)} must end in the {units} units of the weights")
    rows = math.prod(y.shape) // units
    if math.prod(x.shape) != rows * depth:
        fail(f"{where}: input 0 {x.name!r}", f"shape {list(x.shape)} does not hold {rows} row(s) of depth {depth}")
    _bias(where, graph, op, units)


def _pool(where: str, graph: Graph, op: Operator) -> None:
    x, y = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    _spatial(where, graph, op, op.attrs.filter_h, op.attrs.filter_w, False)
    if y.shape[3] != x.shape[3]:
        fail(f"{where}: output {y.name!r}", f"{y.shape[3]} channels but the input has {x.shape[3]}")


def _broadcast(where: str, graph: Graph, op: Operator) -> None:
    a, b, y = (graph.tensors[n] for n in (op.inputs[0], op.inputs[1], op.outputs[0]))
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        fail(f"{where}: input 1 {b.name!r}", f"shape {list(b.shape)} does not broadcast with {list(a.shape)}")
    if tuple(shape) != tuple(y.shape):
        fail(f"{where}: output {y.name!r}", f"shape {list(y.shape)} should be the broadcast shape {list(shape)}")


def _same_shape(where: str, graph: Graph, op: Operator) -> None:
    x, y = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    if x.shape != y.shape:
        fail(f"{where}: output {y.name!r}", f"shape {list(y.shape)} must equal the input's {list(x.shape)}")


def _same_size(where: str, graph: Graph, op: Operator) -> None:
    x, y = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    if math.prod(x.shape) != math.prod(y.shape):
        fail(f"{where}: output {y.name!r}", f"shape {list(y.shape)} holds a different number of "
                                            f"elements than the input's {list(x.shape)}")


def _pad(where: str, graph: Graph, op: Operator) -> None:
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


def _concat(where: str, graph: Graph, op: Operator) -> None:
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


def _mean(where: str, graph: Graph, op: Operator) -> None:
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


SHAPE_RULES = {
    "CONV_2D": _conv, "DEPTHWISE_CONV_2D": _depthwise, "FULLY_CONNECTED": _fully_connected,
    "AVERAGE_POOL_2D": _pool, "MAX_POOL_2D": _pool, "MEAN": _mean,
    "ADD": _broadcast, "SUB": _broadcast, "MUL": _broadcast,
    "RESHAPE": _same_size, "SQUEEZE": _same_size, "PAD": _pad, "PADV2": _pad,
    "CONCATENATION": _concat,
    **{t: _same_shape for t in ("SOFTMAX", "LOGISTIC", "TANH", "RELU", "RELU6", "LEAKY_RELU",
                                "HARD_SWISH", "QUANTIZE", "DEQUANTIZE")},
}
