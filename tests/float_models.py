"""Small float32 test models for the quantizer, built with the IR builder, covering every op
the float executor and the quantizer handle."""
from __future__ import annotations

import numpy as np

from mcutool.ir import (
    ConcatenationAttrs,
    Conv2DAttrs,
    DepthwiseConv2DAttrs,
    FullyConnectedAttrs,
    LeakyReluAttrs,
    Pool2DAttrs,
    ReducerAttrs,
    SqueezeAttrs,
)
from mcutool.ir.builder import GraphBuilder

F = "float32"


def _w(rng, shape, scale=0.3):
    return rng.normal(0, scale, shape).astype(np.float32)


def structural_model(seed: int = 0):
    """conv, depthwise (dilated, multiplier 2), both pools, PAD, CONCATENATION, MEAN, SQUEEZE,
    RESHAPE, FULLY_CONNECTED, ADD and SOFTMAX."""
    rng = np.random.default_rng(seed)
    b = GraphBuilder("structural")
    b.input("x", (1, 9, 9, 3), dtype=F)
    b.const("c1/w", _w(rng, (8, 3, 3, 3)))
    b.const("c1/b", _w(rng, 8, 0.1))
    b.tensor("c1", (1, 5, 5, 8), dtype=F)
    b.op("CONV_2D", ["x", "c1/w", "c1/b"], ["c1"], Conv2DAttrs(2, 2, padding="SAME", activation="RELU"))
    b.const("d1/w", _w(rng, (1, 3, 3, 16)))
    b.const("d1/b", _w(rng, 16, 0.1))
    b.tensor("d1", (1, 5, 5, 16), dtype=F)
    b.op("DEPTHWISE_CONV_2D", ["c1", "d1/w", "d1/b"], ["d1"],
         DepthwiseConv2DAttrs(dilation_h=2, dilation_w=2, padding="SAME", activation="RELU6", depth_multiplier=2))
    b.tensor("p1", (1, 3, 3, 16), dtype=F)
    b.op("AVERAGE_POOL_2D", ["d1"], ["p1"], Pool2DAttrs(3, 3, 2, 2, "SAME"))
    b.tensor("m1", (1, 2, 2, 16), dtype=F)
    b.op("MAX_POOL_2D", ["d1"], ["m1"], Pool2DAttrs(2, 2, 2, 2, "VALID"))
    b.const("pad/amounts", np.array([[0, 0], [0, 1], [1, 0], [0, 0]], np.int32))
    b.tensor("pd", (1, 3, 3, 16), dtype=F)
    b.op("PAD", ["m1", "pad/amounts"], ["pd"])
    b.tensor("cat", (1, 3, 3, 32), dtype=F)
    b.op("CONCATENATION", ["p1", "pd"], ["cat"], ConcatenationAttrs(axis=3))
    b.const("c2/w", _w(rng, (12, 1, 1, 32)))
    b.const("c2/b", _w(rng, 12, 0.1))
    b.tensor("c2", (1, 3, 3, 12), dtype=F)
    b.op("CONV_2D", ["cat", "c2/w", "c2/b"], ["c2"], Conv2DAttrs(padding="VALID"))
    b.const("mean/axes", np.array([1, 2], np.int32))
    b.tensor("mean", (1, 1, 1, 12), dtype=F)
    b.op("MEAN", ["c2", "mean/axes"], ["mean"], ReducerAttrs(keep_dims=True))
    b.tensor("sq", (1, 12), dtype=F)
    b.op("SQUEEZE", ["mean"], ["sq"], SqueezeAttrs((1, 2)))
    b.const("flat/shape", np.array([1, 108], np.int32))
    b.tensor("flat", (1, 108), dtype=F)
    b.op("RESHAPE", ["c2", "flat/shape"], ["flat"])
    b.const("fc1/w", _w(rng, (6, 108), 0.1))
    b.const("fc1/b", _w(rng, 6, 0.1))
    b.tensor("fc1", (1, 6), dtype=F)
    b.op("FULLY_CONNECTED", ["flat", "fc1/w", "fc1/b"], ["fc1"], FullyConnectedAttrs())
    b.const("fc2/w", _w(rng, (6, 12)))
    b.const("fc2/b", _w(rng, 6, 0.1))
    b.tensor("fc2", (1, 6), dtype=F)
    b.op("FULLY_CONNECTED", ["sq", "fc2/w", "fc2/b"], ["fc2"], FullyConnectedAttrs())
    b.tensor("sum", (1, 6), dtype=F)
    b.op("ADD", ["fc1", "fc2"], ["sum"])
    b.tensor("probs", (1, 6), dtype=F)
    b.op("SOFTMAX", ["sum"], ["probs"])
    b.output("probs")
    return b.build()


def elementwise_model(seed: int = 0):
    """ADD, SUB, MUL with broadcast constants, LOGISTIC, TANH, HARD_SWISH, LEAKY_RELU, RELU6,
    RELU, and a CONCATENATION of them all (fixed-scale inputs among them)."""
    rng = np.random.default_rng(seed)
    b = GraphBuilder("elementwise")
    shape = (1, 4, 4, 6)
    b.input("x", shape, dtype=F)
    b.const("shift", _w(rng, 6, 1.0))
    b.tensor("a", shape, dtype=F)
    b.op("ADD", ["x", "shift"], ["a"])
    b.const("half", np.array(0.5, np.float32).reshape(()))
    b.tensor("s", shape, dtype=F)
    b.op("SUB", ["a", "half"], ["s"])
    b.const("gain", _w(rng, (1, 1, 1, 6), 2.0))
    b.tensor("m", shape, dtype=F)
    b.op("MUL", ["x", "gain"], ["m"])
    b.tensor("xm", shape, dtype=F)
    b.op("MUL", ["s", "m"], ["xm"])
    outs = []
    for op, src in (("LOGISTIC", "m"), ("TANH", "s"), ("HARD_SWISH", "a"), ("LEAKY_RELU", "x"),
                    ("RELU6", "xm"), ("RELU", "s")):
        name = op.lower()
        b.tensor(name, shape, dtype=F)
        b.op(op, [src], [name], LeakyReluAttrs(0.1) if op == "LEAKY_RELU" else None)
        outs.append(name)
    b.tensor("cat", (1, 4, 4, 36), dtype=F)
    b.op("CONCATENATION", outs, ["cat"], ConcatenationAttrs(axis=-1))
    b.output("cat")
    return b.build()


# Per-channel input ranges of the uneven model (its inputs come from a layer with uneven
# channels, as after a batch norm fold): channel c of the input spans +-UNEVEN[c].
UNEVEN = np.geomspace(1.0, 0.05, 8).astype(np.float32)


def uneven_channels_model(seed: int = 0):
    """A depthwise conv whose channel weights differ by 20x, inversely to its input channels,
    so every output channel has a similar range. Per-tensor weight scales then waste most of
    int8 on the channels with small weights (those with large inputs)."""
    rng = np.random.default_rng(seed)
    b = GraphBuilder("uneven")
    b.input("x", (1, 6, 6, 8), dtype=F)
    b.const("w", _w(rng, (1, 3, 3, 8)) / UNEVEN)
    b.const("b", np.zeros(8, np.float32))
    b.tensor("y", (1, 6, 6, 8), dtype=F)
    b.op("DEPTHWISE_CONV_2D", ["x", "w", "b"], ["y"], DepthwiseConv2DAttrs(padding="SAME"))
    b.output("y")
    return b.build()


def uneven_samples(n: int, seed: int = 1) -> np.ndarray:
    return (np.random.default_rng(seed).uniform(-1, 1, (n, 1, 6, 6, 8)) * UNEVEN).astype(np.float32)


def samples(graph, n: int, seed: int = 1, low: float = -1.0, high: float = 1.0) -> np.ndarray:
    shape = graph.tensors[graph.inputs[0]].shape
    return np.random.default_rng(seed).uniform(low, high, (n, *shape)).astype(np.float32)
