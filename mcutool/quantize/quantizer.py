"""Float graph + activation ranges -> full-integer int8 graph, per TFLite's quantization spec.

What it writes is what TensorFlow's converter writes with int8 input and output types:
- no QUANTIZE/DEQUANTIZE at the edges: the graph's inputs and outputs are int8 tensors;
- weights symmetric int8 per channel along TFLite's axes (CONV_2D dim 0, DEPTHWISE_CONV_2D
  dim 3, FULLY_CONNECTED dim 0), or per tensor; int32 bias at input_scale * weight_scale;
- activations asymmetric per tensor from the calibrated ranges;
- fixed outputs: SOFTMAX and LOGISTIC (1/256, -128), TANH (1/128, 0);
- one shared scale across pooling, RESHAPE, SQUEEZE, PAD, CONCATENATION and RELU6 (TFLite-Micro
  copies codes through those, or, for RELU6, clamps codes without rescaling). A concatenated
  input whose parameters are fixed elsewhere is requantized with an int8 QUANTIZE.
- non-weight constants (a MUL or ADD operand) are int8 per tensor.
Which op gets which treatment is its OpDef's QuantRule (mcutool/ops/).
"""
from __future__ import annotations

import copy

import numpy as np

from mcutool.errors import McutoolError, UnsupportedOpsError
from mcutool.ir import Graph, Operator, QuantParams, Tensor
from mcutool.ops import OpDef, QuantRule, find, get
from mcutool.quantize import int16 as q16
from mcutool.quantize import params as qp
from mcutool.quantize.int4 import INT4_MAX, weight_format
from mcutool.quantize.mixed_activations import computes_int16, int16_tensors


class QuantizeError(McutoolError):
    pass


def check_quantizable(g: Graph) -> None:
    """Name every operator that cannot be quantized, all at once."""
    problems = []
    for i, op in enumerate(g.operators):
        opdef = find(op.type)
        if opdef is None or opdef.float_eval is None or not opdef.quant.quantizable:
            problems.append((i, op.type, "cannot be quantized (no int8 equivalent in mcutool)"))
        elif opdef.quant.weight_axis is not None and not (g.tensors[op.inputs[1]].is_const
                                             and g.tensors[op.inputs[1]].dtype == "float32"):
            problems.append((i, op.type, "weights are not a float constant"))
    if problems:
        raise UnsupportedOpsError(problems)


class _Groups:
    """Union-find over tensor names that must share one (scale, zero point)."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, n: str) -> str:
        self.parent.setdefault(n, n)
        while self.parent[n] != n:
            self.parent[n] = self.parent[self.parent[n]]
            n = self.parent[n]
        return n

    def union(self, a: str, b: str) -> None:
        self.parent[self.find(a)] = self.find(b)


def scale_groups(g: Graph) -> _Groups:
    """The tensors that must share one (scale, zero point): a shared-scale op's output with its
    input(s), except the inputs whose parameters are fixed elsewhere (those are requantized)."""
    fixed = {op.outputs[0] for op in g.operators if _rule(op).fixed_output is not None}
    groups = _Groups()
    for op in g.operators:
        if _rule(op).shared_scale == "input":
            groups.union(op.inputs[0], op.outputs[0])
    for op in g.operators:  # after the others, so "is this input's group fixed" is known
        if _rule(op).shared_scale == "inputs":
            fixed_roots = {groups.find(n) for n in fixed}
            for n in op.inputs:
                if not g.tensors[n].is_const and groups.find(n) not in fixed_roots:
                    groups.union(n, op.outputs[0])
    return groups


def activation_quant_params(g: Graph, ranges: dict[str, tuple[float, float]],
                            activations: str = "int8") -> dict[str, QuantParams]:
    """(scale, zero point) of every activation tensor, honouring fixed and shared scales;
    activations="int16": symmetric int16 (mcutool.quantize.int16)."""
    int16 = activations == "int16"
    fixed: dict[str, tuple[float, int]] = {}
    for op in g.operators:
        pinned = _rule(op).fixed_output
        if pinned is not None:
            fixed[op.outputs[0]] = q16.FIXED_OUTPUT if int16 else pinned
    groups = scale_groups(g)

    names_in_range = [n for n in ranges if n in g.tensors and not g.tensors[n].is_const]
    members: dict[str, list[str]] = {}
    for n in names_in_range:
        members.setdefault(groups.find(n), []).append(n)
    extra = _concat_constant_ranges(g, groups)
    result: dict[str, QuantParams] = {}
    for root, names in members.items():
        pins = [fixed[n] for n in names if n in fixed]
        if pins:
            scale, zp = pins[0]
            if any(p != pins[0] for p in pins):
                raise QuantizeError(f"tensors {', '.join(names)} must share one scale but two of them "
                                    "have different fixed output parameters")
        else:
            lo = min(ranges[n][0] for n in names)
            hi = max(ranges[n][1] for n in names)
            for c_lo, c_hi in extra.get(root, []):
                lo, hi = min(lo, c_lo), max(hi, c_hi)
            scale, zp = (q16.activation_params if int16 else qp.activation_params)(lo, hi)
        for n in names:
            result[n] = QuantParams.per_tensor(scale, zp)
    if not int16:   # HARD_SWISH's floor is TFLite-Micro's int8 rule
        _respect_min_output_scale(g, result, groups, members)
    return result


def _rule(op: Operator) -> QuantRule:
    return get(op.type).quant


def _concat_constant_ranges(g: Graph, groups: _Groups) -> dict[str, list[tuple[float, float]]]:
    """Constant inputs of a shared-scale concatenation widen the shared range."""
    extra: dict[str, list[tuple[float, float]]] = {}
    for op in g.operators:
        if _rule(op).shared_scale == "inputs":
            for n in op.inputs:
                if g.tensors[n].is_const:
                    d = g.tensors[n].values
                    extra.setdefault(groups.find(op.outputs[0]), []).append((float(d.min()), float(d.max())))
    return extra


def _respect_min_output_scale(g: Graph, result, groups: _Groups, members) -> None:
    """TFLite-Micro refuses e.g. a HARD_SWISH output scale below input_scale / 128: widen it."""
    for op in g.operators:
        ratio = _rule(op).min_output_scale
        if ratio is None:
            continue
        floor = np.float32(result[op.inputs[0]].scale[0]) / np.float32(1.0 / ratio)
        out = result[op.outputs[0]]
        if out.scale[0] < floor:
            k = float(floor) / float(out.scale[0]) * 1.0001
            lo = (-128 - int(out.zero_point[0])) * float(out.scale[0]) * k
            hi = (127 - int(out.zero_point[0])) * float(out.scale[0]) * k
            widened = qp.activation_quant(lo, hi)
            for n in members[groups.find(op.outputs[0])]:
                result[n] = copy.deepcopy(widened)


class _Builder:
    """Collects the int8 graph, giving a constant a fresh name when it is quantized twice."""

    def __init__(self, g: Graph, activations: str = "int8"):
        self.src = g
        self.out = Graph(name=g.name, description=g.description)
        self.activations = activations   # the dtype the current op computes in
        self.as_type: dict[tuple[str, str], str] = {}   # (tensor, dtype) -> its copy of that dtype

    def add(self, t: Tensor) -> str:
        name, k = t.name, 1
        while name in self.out.tensors:
            name, k = f"{t.name}_{k}", k + 1
        t.name = name
        self.out.add_tensor(t)
        return name

    def copy_const(self, name: str) -> str:
        if name in self.out.tensors:
            return name
        t = self.src.tensors[name]
        return self.add(Tensor(name, t.shape, t.dtype, copy.deepcopy(t.quant), t.values.copy()))

    def converted(self, name: str, dtype: str, quant: QuantParams) -> str:
        """The tensor as `dtype`: one QUANTIZE per (tensor, dtype), shared by its readers."""
        if (name, dtype) not in self.as_type:
            t = self.src.tensors[name]
            copy_name = self.add(Tensor(f"{name}/{dtype}", t.shape, dtype, copy.deepcopy(quant)))
            self.out.add_op(Operator("QUANTIZE", [name], [copy_name], name=f"{name}/to_{dtype}"))
            self.as_type[name, dtype] = copy_name
        return self.as_type[name, dtype]


def quantize_graph(g: Graph, ranges: dict[str, tuple[float, float]], per_channel: bool = True,
                   weights: str = "int8", activations: str = "int8",
                   layer_weights: dict[str, str] | None = None) -> Graph:
    """The int8 graph for a prepared float graph and its calibrated activation ranges.

    weights="int4": the weights of the ops in mcutool.quantize.int4.INT4_OPS become int4
    (rounded to nearest; AdaRound re-rounds them afterwards). activations="int16": TFLite's
    16x8 scheme (mcutool.quantize.int16). layer_weights: operator name -> weight format for
    that layer instead of `weights` (quantize/layer_bits.py); "int16" there gives that layer
    int8 weights and int16 activations (quantize/mixed_activations.py), with QUANTIZE ops
    between the int8 and int16 parts."""
    layer_weights = layer_weights or {}
    check_quantizable(g)
    q16.check_activation_options(activations, weights)
    whole16 = activations == q16.INT16
    if whole16 and q16.INT16 in layer_weights.values():
        raise QuantizeError("a layer format int16 needs --activations int8 (with --activations int16 "
                            "every layer already computes in int16)")
    stored16 = ({n for n, t in g.tensors.items() if not t.is_const} if whole16
                else int16_tensors(g, layer_weights))
    params = {"int8": activation_quant_params(g, ranges, "int8") if not whole16 else {},
              q16.INT16: activation_quant_params(g, ranges, q16.INT16) if stored16 else {}}

    def stored(n: str) -> str:
        return q16.INT16 if n in stored16 else "int8"

    b = _Builder(g, activations)
    for name, t in g.tensors.items():
        if not t.is_const:
            if name not in params[stored(name)]:
                raise QuantizeError(f"tensor {name!r} has no calibrated range")
            b.out.add_tensor(Tensor(name, t.shape, stored(name), params[stored(name)][name]))
    for op in g.operators:
        new = Operator(op.type, list(op.inputs), list(op.outputs), copy.deepcopy(op.attrs), op.name)
        opdef = get(op.type)
        fmt = layer_weights.get(op.name, weights) if opdef.quant.weight_axis is not None else "int8"
        compute = q16.INT16 if whole16 or computes_int16(g, op, stored16, fmt) else "int8"
        act = params[compute]
        b.activations = compute
        if opdef.quant.weight_axis is not None:
            _weights_and_bias(b, opdef, op, new, act[op.inputs[0]], per_channel,
                              "int8" if fmt == q16.INT16 else fmt)
        else:
            _operands(b, opdef, op, new, act, stored)
        for slot, n in enumerate(op.inputs):   # an input stored as the other type is converted first
            if n and new.inputs[slot] == n and not g.tensors[n].is_const and stored(n) != compute:
                new.inputs[slot] = b.converted(n, compute, act[n])
        after = []
        for slot, n in enumerate(op.outputs):   # written as `compute`, then converted to its type
            if stored(n) != compute:
                fresh = b.add(Tensor(f"{n}/{compute}", g.tensors[n].shape, compute, copy.deepcopy(act[n])))
                new.outputs[slot] = b.as_type[n, compute] = fresh
                after.append(Operator("QUANTIZE", [fresh], [n], name=f"{n}/to_{stored(n)}"))
        b.out.add_op(new)
        for q in after:
            b.out.add_op(q)
    b.out.inputs = list(g.inputs)
    b.out.outputs = list(g.outputs)
    b.out.validate()
    return b.out


def _operands(b: _Builder, opdef: OpDef, op: Operator, new: Operator, act: dict[str, QuantParams],
              stored) -> None:
    """Constant operands per the op's rule; an input whose parameters (or type) differ from the
    output's in a shared-scale ("inputs") op is requantized first."""
    g = b.src
    rule = opdef.quant
    out_q = act[op.outputs[0]]
    for slot, n in enumerate(op.inputs):
        if not n:
            continue
        t = g.tensors[n]
        if t.is_const and (t.dtype == "float32" or rule.float_constants == "own"):
            if rule.float_constants == "reject":
                raise QuantizeError(f"{op.type} {op.name!r} has a float constant operand {n!r} "
                                    "that cannot be quantized")
            quant = None if rule.float_constants == "own" else copy.deepcopy(out_q)
            new.inputs[slot] = (_int16_const(b, t, quant) if b.activations == "int16"
                                else _int8_const(b, t, quant))
        elif t.is_const:
            new.inputs[slot] = b.copy_const(n)
        elif rule.shared_scale == "inputs" and (not act[n].equals(out_q) or stored(n) != b.activations):
            # Its parameters are pinned elsewhere (a softmax, logistic or tanh output): rescale.
            name = b.add(Tensor(f"{n}/requantized", t.shape, b.activations, copy.deepcopy(out_q)))
            b.out.add_op(Operator("QUANTIZE", [n], [name], name=f"{op.name}/requantize{slot}"))
            new.inputs[slot] = name


def _weights_and_bias(b: _Builder, opdef: OpDef, op: Operator, new: Operator, in_q: QuantParams,
                      per_channel: bool, weights: str = "int8") -> None:
    g = b.src
    w_t = g.tensors[op.inputs[1]]
    weight_axis = opdef.quant.weight_axis
    assert weight_axis is not None
    # "int4:adaround" is int4 here (AdaRound re-rounds it later); codebooks are int8 here
    w_dtype, per_channel = weight_format(op.type, weights.split(":")[0], per_channel)
    int16 = b.activations == "int16"
    if int16 and op.type == "FULLY_CONNECTED":
        per_channel = False   # arm_fully_connected_s16 takes one multiplier
    qmax = INT4_MAX if w_dtype == "int4" else 127
    axis = weight_axis if per_channel else None
    channels = w_t.shape[weight_axis]
    in_scale = float(in_q.scale[0])
    if len(op.inputs) > 2 and op.inputs[2]:
        bias = g.tensors[op.inputs[2]].values.reshape(-1).astype(np.float64)
        if bias.size != channels:
            raise QuantizeError(f"{op.type} {op.name!r}: bias has {bias.size} values for {channels} channels")
        bias_name = op.inputs[2]
    else:
        # TensorFlow's converter always writes a bias, and TFLite-Micro's kernels are only
        # dependable with one: an absent bias becomes zeros.
        bias, bias_name = np.zeros(channels), f"{op.name}/bias"
        new.inputs = (new.inputs + [""] * 3)[:3]
    # the int32 bias guard does not apply to the int64 bias of int16 activations
    scales = qp.weight_scales(w_t.values, axis, None if int16 else bias, in_scale, qmax)
    w_q = qp.quantize_weights(w_t.values, scales, axis, qmax)
    new.inputs[1] = b.add(Tensor(w_t.name, w_t.shape, w_dtype, QuantParams(scales, np.zeros(1, np.int64), axis), w_q))
    per_channel_scales = np.broadcast_to(scales, (channels,))
    b_q, b_scales = (q16.quantize_bias if int16 else qp.quantize_bias)(bias, in_scale, per_channel_scales)
    zero = np.zeros(1, np.int64)
    quant = QuantParams(b_scales, zero, 0) if axis is not None else QuantParams(b_scales[:1], zero)
    new.inputs[2] = b.add(Tensor(bias_name, (channels,), "int64" if int16 else "int32", quant, b_q))


def _int8_const(b: _Builder, t: Tensor, quant: QuantParams | None) -> str:
    """A float constant as int8 per tensor, over its own range unless parameters are given."""
    if quant is None:
        quant = qp.activation_quant(float(t.values.min()), float(t.values.max()))
    q = qp.quantize_activation_values(t.values, float(quant.scale[0]), int(quant.zero_point[0]))
    return b.add(Tensor(t.name, t.shape, "int8", quant, q))


def _int16_const(b: _Builder, t: Tensor, quant: QuantParams | None) -> str:
    """A float constant as int16 symmetric per tensor, over its own range unless parameters are given."""
    if quant is None:
        quant = q16.constant_quant(t.values)
    return b.add(Tensor(t.name, t.shape, "int16", quant, q16.quantize_values(t.values, float(quant.scale[0]))))
