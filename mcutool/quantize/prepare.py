"""Float graph preparation before quantization. Each pass keeps the float function unchanged
(up to float rounding) and leaves fewer, larger operators to quantize:

- fold_constants: an operator whose inputs are all constant becomes a constant (e.g. a
  DEQUANTIZE of float16 weights).
- drop_identities: RESHAPE/SQUEEZE to the same shape, PAD by zero, ADD/SUB of 0, MUL by 1,
  single-input CONCATENATION.
- fold_batch_norm: a per-channel MUL/ADD/SUB by constants right after a conv, depthwise conv or
  fully connected layer (what an unfused batch norm exports to) goes into its weights and bias.
- fuse_activations: a RELU/RELU6/RELU_N1_TO_1 after an op with a fused-activation slot becomes
  that slot; the int8 kernel then clamps for free and the range is the clipped one.
- remove_dead: operators whose results nobody reads, and unused tensors.
"""
from __future__ import annotations

import copy

import numpy as np

from mcutool.ir import Graph, Operator
from mcutool.ops import find
from mcutool.quantize.graph_edit import bias_of, is_float_const, own_const, rename_reads, single_reader, weight_axis
from mcutool.reference.float_exec import FloatEnv, eval_op


def prepare(graph: Graph) -> Graph:
    """A prepared copy of a float graph (the argument is not modified)."""
    g = copy.deepcopy(graph)
    changed = True
    while changed:
        changed = any([fold_constants(g), drop_identities(g), fold_batch_norm(g),
                       fuse_activations(g), remove_dead(g)])
    g.validate()
    return g


# -- passes ---------------------------------------------------------------------------------
def fold_constants(g: Graph) -> bool:
    changed = False
    for op in list(g.operators):
        names = [n for n in op.inputs if n]
        if not names or not all(g.tensors[n].is_const for n in names) or op.outputs[0] in g.outputs:
            continue
        if g.tensors[op.outputs[0]].dtype != "float32":
            continue  # integer shape arithmetic is not evaluated here
        value = eval_op(FloatEnv(g, 1), op)
        out = g.tensors[op.outputs[0]]
        out.dtype = "float32"
        out.data = np.asarray(value, np.float32).reshape(out.shape)
        g.operators.remove(op)
        changed = True
    return changed


def _is_identity(g: Graph, op: Operator) -> bool:
    src = g.tensors[op.inputs[0]] if op.inputs and op.inputs[0] else None
    dst = g.tensors[op.outputs[0]]
    if src is None or src.is_const or src.shape != dst.shape:
        return False
    opdef = find(op.type)
    return bool(opdef and opdef.identity and opdef.identity(g, op))


def drop_identities(g: Graph) -> bool:
    changed = False
    for op in list(g.operators):
        if not _is_identity(g, op):
            continue
        src, dst = op.inputs[0], op.outputs[0]
        if dst in g.outputs and (src in g.inputs or src in g.outputs):
            continue  # the graph would have no operator between input and output
        g.operators.remove(op)
        if dst in g.outputs and src not in g.outputs:
            # Keep the output's name: whatever wrote src now writes dst.
            for other in g.operators:
                other.outputs = [dst if n == src else n for n in other.outputs]
            rename_reads(g, src, dst)
        else:
            rename_reads(g, dst, src)
        changed = True
    return changed


def _channel_vector(g: Graph, name: str, channels: int) -> np.ndarray | None:
    """The constant as one value per output channel, if it only varies along the last axis."""
    if not is_float_const(g, name):
        return None
    c = g.tensors[name].values
    if c.size == 1:
        return np.full(channels, c.reshape(()), np.float32)
    if c.size == channels and c.shape[-1] == channels:
        return c.reshape(channels).astype(np.float32)
    return None


def fold_batch_norm(g: Graph) -> bool:
    changed = False
    for op in list(g.operators):
        axis = weight_axis(op)
        if axis is None or op.attrs.activation != "NONE":
            continue
        if not is_float_const(g, op.inputs[1]):
            continue
        nxt = single_reader(g, op.outputs[0])
        if nxt is None or nxt.type not in ("ADD", "SUB", "MUL"):
            continue
        y = op.outputs[0]
        const = nxt.inputs[1] if nxt.inputs[0] == y else nxt.inputs[0]
        if nxt.type == "SUB" and nxt.inputs[0] != y:
            continue  # c - y flips the sign of y; rare enough to leave alone
        if g.tensors[nxt.outputs[0]].shape != g.tensors[y].shape:
            continue  # the constant would broadcast the output to a larger shape
        w = g.tensors[op.inputs[1]].values
        channels = w.shape[axis]
        vec = _channel_vector(g, const, channels)
        if vec is None or g.tensors[y].shape[-1] != channels:
            continue
        bias = bias_of(g, op, channels)
        if nxt.type == "MUL":
            shape = [1] * w.ndim
            shape[axis] = channels
            own_const(g, op, 1, w * vec.reshape(shape))
            bias = bias * vec
        else:
            bias = bias + (vec if nxt.type == "ADD" else -vec)
        own_const(g, op, 2, bias)
        # The conv now computes what the MUL/ADD computed and takes over its activation.
        op.attrs.activation = nxt.attrs.activation
        op.outputs = list(nxt.outputs)
        g.operators.remove(nxt)
        changed = True
    return changed


def fuse_activations(g: Graph) -> bool:
    changed = False
    for op in list(g.operators):
        opdef = find(op.type)
        if opdef is None or not opdef.fuses_activation or op.attrs.activation != "NONE":
            continue
        nxt = single_reader(g, op.outputs[0])
        nxt_def = find(nxt.type) if nxt is not None else None
        fused_as = nxt_def.fused_as if nxt_def is not None else None
        if nxt is None or fused_as is None:
            continue
        op.attrs.activation = fused_as
        op.outputs = list(nxt.outputs)
        g.operators.remove(nxt)
        changed = True
    return changed


def remove_dead(g: Graph) -> bool:
    changed = False
    while True:
        read = {n for op in g.operators for n in op.inputs} | set(g.outputs)
        dead = [op for op in g.operators if not any(n in read for n in op.outputs)]
        if not dead:
            break
        for op in dead:
            g.operators.remove(op)
        changed = True
    used = set(g.inputs) | set(g.outputs) | {n for op in g.operators for n in op.inputs + op.outputs}
    for name in [n for n in g.tensors if n not in used]:
        del g.tensors[name]
    return changed
