"""Test models built with the project's own writer: one graph that uses every supported op,
with activation scales tuned by running mcutool's reference executor (so that no layer
saturates or collapses)."""
from __future__ import annotations

import numpy as np

from mcutool.ir import (
    ActivationAttrs,
    ConcatenationAttrs,
    Conv2DAttrs,
    DepthwiseConv2DAttrs,
    FullyConnectedAttrs,
    LeakyReluAttrs,
    Pool2DAttrs,
    QuantParams,
    ReducerAttrs,
    SqueezeAttrs,
)
from mcutool.ir.builder import GraphBuilder
from mcutool.lower import lower_graph
from mcutool.reference import run_reference

FIXED_OR_SHARED = {"MAX_POOL_2D", "AVERAGE_POOL_2D", "PAD", "RESHAPE", "SQUEEZE", "CONCATENATION",
                   "SOFTMAX", "LOGISTIC", "TANH", "DEQUANTIZE", "RELU6", "QUANTIZE"}


class Zoo:
    def __init__(self, name: str, seed: int = 0):
        self.b = GraphBuilder(name)
        self.rng = np.random.default_rng(seed)
        self.samples: list[list[np.ndarray]] = []
        self.count = 0

    def _name(self, kind: str) -> str:
        self.count += 1
        return f"{kind}{self.count}"

    def weights(self, shape, axis):
        w = self.rng.integers(-127, 128, shape).astype(np.int8)
        scale = self.rng.uniform(0.002, 0.02, shape[axis]).astype(np.float32)
        return w, scale

    def out(self, shape, scale=0.05, zero_point=0):
        return self.b.tensor(self._name("t"), shape, scale=scale, zero_point=zero_point)

    def tune(self, tensor: str) -> None:
        """Adjust tensor's scale (and zero point) until its outputs use most of int8."""
        t = self.b.graph.tensors[tensor]
        for _ in range(12):
            self.b.graph.outputs = [tensor]
            lowered = lower_graph(self.b.graph)
            q = np.stack([run_reference(lowered, s)[0] for s in self.samples]).astype(np.int32)
            lo, hi = int(q.min()), int(q.max())
            if (lo <= -127 and hi >= 126) or hi - lo < 60:
                real_lo = (lo - t.zero_point) * t.scale
                real_hi = (hi - t.zero_point) * t.scale
                factor = 4.0 if (lo <= -127 or hi >= 126) else max((hi - lo) / 200.0, 1e-3)
                width = max(real_hi - real_lo, 1e-6) * factor
                scale = width / 255.0
                centre = (real_lo + real_hi) / 2
                zp = int(np.clip(np.round(-centre / scale), -100, 100))
                t.quant = QuantParams.per_tensor(scale, zp)
                continue
            if lo <= -128 or hi >= 127:
                t.quant = QuantParams.per_tensor(t.scale * 1.3, t.zero_point)
                continue
            break

    def bias_for(self, in_t: str, w_scale, n):
        s_in = self.b.graph.tensors[in_t].scale
        return self.b.const(self._name("bias"), self.rng.integers(-3000, 3000, n).astype(np.int32),
                            scale=(np.float32(s_in) * w_scale).astype(np.float32), zero_point=0, axis=0)


def all_ops_graph(seed: int = 0, n_samples: int = 6):
    """A float-in, float-out graph whose int8 body uses every supported op once or more."""
    z = Zoo("all_ops", seed)
    b = z.b
    x = b.input("x", (1, 9, 9, 3), dtype="float32", scale=0.02, zero_point=-5)
    z.samples = [[z.rng.uniform(-2.5, 2.5, (1, 9, 9, 3)).astype(np.float32)] for _ in range(n_samples)]
    q = b.tensor("xq", (1, 9, 9, 3), scale=0.02, zero_point=-5)
    b.op("QUANTIZE", [x], [q])
    # PAD then PADV2 with the zero point as its constant: the same 10x10 result as one PAD.
    pads = b.const("pads", np.array([[0, 0], [1, 0], [0, 0], [0, 0]], np.int32))
    p = b.tensor("padded_h", (1, 10, 9, 3), scale=0.02, zero_point=-5)
    b.op("PAD", [q, pads], [p])
    pads = b.const("pads_w", np.array([[0, 0], [0, 0], [0, 1], [0, 0]], np.int32))
    value = b.const("pad_value", np.array(-5, np.int8), scale=0.02, zero_point=-5)
    p2 = b.tensor("padded", (1, 10, 10, 3), scale=0.02, zero_point=-5)
    b.op("PADV2", [p, pads, value], [p2])
    p = p2

    w, ws = z.weights((8, 3, 3, 3), 0)
    wt = b.const("conv_w", w, scale=ws, zero_point=0, axis=0)
    c = z.out((1, 8, 8, 8))
    b.op("CONV_2D", [p, wt, z.bias_for(p, ws, 8)], [c], Conv2DAttrs(padding="VALID", activation="RELU"))
    z.tune(c)

    w, ws = z.weights((1, 3, 3, 16), 3)
    wt = b.const("dw_w", w, scale=ws, zero_point=0, axis=3)
    d = z.out((1, 8, 8, 16))
    b.op("DEPTHWISE_CONV_2D", [c, wt, z.bias_for(c, ws, 16)], [d],
         DepthwiseConv2DAttrs(depth_multiplier=2, activation="RELU6"))
    z.tune(d)

    t = b.graph.tensors
    mp = b.tensor("maxpool", (1, 4, 4, 16), scale=t[d].scale, zero_point=t[d].zero_point)
    b.op("MAX_POOL_2D", [d], [mp], Pool2DAttrs(2, 2, 2, 2, "VALID"))
    ap = b.tensor("avgpool", (1, 4, 4, 16), scale=t[d].scale, zero_point=t[d].zero_point)
    b.op("AVERAGE_POOL_2D", [mp], [ap], Pool2DAttrs(3, 3, 1, 1, "SAME"))

    lr = z.out((1, 4, 4, 16))
    b.op("LEAKY_RELU", [ap], [lr], LeakyReluAttrs(alpha=0.3))
    z.tune(lr)
    hs = z.out((1, 4, 4, 16))
    b.op("HARD_SWISH", [lr], [hs])
    z.tune(hs)
    add = z.out((1, 4, 4, 16))
    b.op("ADD", [hs, ap], [add], ActivationAttrs())
    z.tune(add)
    k = b.const("mul_k", z.rng.integers(-127, 128, (1, 1, 1, 16)).astype(np.int8), scale=0.01, zero_point=3)
    mul = z.out((1, 4, 4, 16))
    b.op("MUL", [add, k], [mul], ActivationAttrs())
    z.tune(mul)
    sub = z.out((1, 4, 4, 16))
    b.op("SUB", [mul, lr], [sub], ActivationAttrs(activation="RELU_N1_TO_1"))
    z.tune(sub)

    th = b.tensor("tanh", (1, 4, 4, 16), scale=1 / 128, zero_point=0)
    b.op("TANH", [sub], [th])
    lg = b.tensor("logistic", (1, 4, 4, 16), scale=1 / 256, zero_point=-128)
    b.op("LOGISTIC", [mul], [lg])
    rq = b.tensor("requant", (1, 4, 4, 16), scale=1 / 128, zero_point=0)
    b.op("QUANTIZE", [lg], [rq])
    cat = b.tensor("concat", (1, 4, 4, 32), scale=1 / 128, zero_point=0)
    b.op("CONCATENATION", [th, rq], [cat], ConcatenationAttrs(axis=3))
    relu = z.out((1, 4, 4, 32))
    b.op("RELU", [cat], [relu])
    z.tune(relu)
    r6 = b.tensor("relu6", (1, 4, 4, 32), scale=t[relu].scale, zero_point=t[relu].zero_point)
    b.op("RELU6", [relu], [r6])

    axes = b.const("axes", np.array([1, 2], np.int32))
    mean = z.out((1, 1, 1, 32))
    b.op("MEAN", [r6, axes], [mean], ReducerAttrs(keep_dims=True))
    z.tune(mean)
    sq = b.tensor("squeeze", (1, 32), scale=t[mean].scale, zero_point=t[mean].zero_point)
    b.op("SQUEEZE", [mean], [sq], SqueezeAttrs((1, 2)))
    shape = b.const("shape", np.array([1, 32], np.int32))
    rs = b.tensor("reshape", (1, 32), scale=t[mean].scale, zero_point=t[mean].zero_point)
    b.op("RESHAPE", [sq, shape], [rs])

    w, ws = z.weights((10, 32), 0)
    wt = b.const("fc_w", w, scale=ws, zero_point=0, axis=0)
    fc = z.out((1, 10))
    b.op("FULLY_CONNECTED", [rs, wt, z.bias_for(rs, ws, 10)], [fc], FullyConnectedAttrs())
    z.tune(fc)
    sm = b.tensor("softmax", (1, 10), scale=1 / 256, zero_point=-128)
    b.op("SOFTMAX", [fc], [sm])
    y = b.tensor("y", (1, 10), dtype="float32")
    b.op("DEQUANTIZE", [sm], [y])
    b.graph.outputs = [y]
    return b.build(), z.samples
