"""AdaRound (Nagel et al., ICML 2020): learned rounding of the int4 weights, layer by layer.

Rounding each weight to nearest is not what minimises the error of the layer's output: which
weights round up and which down should depend on the inputs the layer sees. For a layer with
float weights W (rows = output channels), scales s and inputs X, AdaRound keeps one continuous
variable V per weight and the soft rounding
    h(V) = clip(sigmoid(V) * (zeta - gamma) + gamma, 0, 1),  zeta = 1.1, gamma = -0.1,
    W~ = s * clip(floor(W / s) + h(V), -7, 7),
and minimises ||X W^T - X W~^T||^2 + lambda * sum(1 - |2h(V) - 1|^beta), beta annealed from 20
to 2 so that h is pushed to 0 or 1; at the end a weight rounds up where h >= 0.5.

Here X are the layer's inputs on the calibration samples as the integer model computes them
(the preceding layers already quantized and re-rounded: the integer reference executor runs
the graph), dequantized. For a linear layer the loss only needs the Gram matrix G = X^T X / M of
the input patches (per input channel for a depthwise layer), so each step costs
O(channels * K^2) and the optimisation (Adam, full batch) runs in numpy, deterministically.
"""
from __future__ import annotations

import sys
import time

import numpy as np

from mcutool.ir import Graph, Operator
from mcutool.quantize import params as qp
from mcutool.quantize.int4 import INT4_MAX

ZETA, GAMMA = 1.1, -0.1
ITERATIONS = 2000
WARMUP = 0.2            # the first 20% of the steps without the rounding regulariser
# Weight of the rounding regulariser (summed over the weights, divided by the row length K)
# against the output error, which is normalised to 1 at nearest rounding. Without it the soft
# rounding stays continuous and thresholding it gives back nearest rounding; on the digits
# example 1.0 gave the lowest errors (0.01 and 0.1 lower them 2-3 times less, 3 to 30 alike).
LAMBDA = 1.0
BETA = (20.0, 2.0)
LEARNING_RATE = 0.01


def _soft(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """h(V) and dh/dV."""
    sig = 1.0 / (1.0 + np.exp(-v))
    raw = sig * (ZETA - GAMMA) + GAMMA
    h = np.clip(raw, 0.0, 1.0)
    grad = np.where((raw > 0) & (raw < 1), sig * (1 - sig) * (ZETA - GAMMA), 0.0)
    return h, grad


def _initial_v(rest: np.ndarray) -> np.ndarray:
    """V with h(V) = rest (the fractional part), so optimisation starts at the float weights."""
    p = np.clip((rest - GAMMA) / (ZETA - GAMMA), 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def optimise_rounding(w: np.ndarray, scales: np.ndarray, gram: np.ndarray, iterations: int = ITERATIONS,
                      lam: float | None = None) -> np.ndarray:
    """int4 codes [rows, K] for float weights w [rows, K] with one scale per row, minimising the
    output error E G E^T per row (gram [rows, K, K], or [K, K] shared by every row)."""
    lam = LAMBDA if lam is None else lam
    w = np.asarray(w, np.float64)
    s = np.asarray(scales, np.float64).reshape(-1, 1)
    g = np.asarray(gram, np.float64)
    base = np.floor(w / s)
    v = _initial_v(w / s - base)

    def error_and_grad(h: np.ndarray) -> tuple[float, np.ndarray]:
        level = base + h
        w_q = s * np.clip(level, -INT4_MAX, INT4_MAX)
        e = w - w_q
        eg = np.einsum("rk,rkj->rj", e, g) if g.ndim == 3 else e @ g
        err = float(np.sum(eg * e))
        inside = (level >= -INT4_MAX) & (level <= INT4_MAX)
        return err, -2.0 * eg * s * inside     # d err / d h

    nearest = np.clip(np.round(w / s), -INT4_MAX, INT4_MAX)   # the error to beat, for scale
    norm = max(error_and_grad(nearest - base)[0], 1e-30)
    m1, m2 = np.zeros_like(v), np.zeros_like(v)
    warm = int(iterations * WARMUP)
    for step in range(iterations):
        h, dh = _soft(v)
        _, grad_h = error_and_grad(h)
        grad_h = grad_h / norm
        if step >= warm:
            t = (step - warm) / max(1, iterations - warm)
            beta = BETA[1] + 0.5 * (BETA[0] - BETA[1]) * (1 + np.cos(np.pi * t))
            d = 2 * h - 1
            grad_h = grad_h + lam / w.shape[1] * (-beta * np.abs(d) ** (beta - 1) * np.sign(d) * 2)
        grad = grad_h * dh
        m1 = 0.9 * m1 + 0.1 * grad
        m2 = 0.999 * m2 + 0.001 * grad * grad
        mh = m1 / (1 - 0.9 ** (step + 1))
        vh = m2 / (1 - 0.999 ** (step + 1))
        v = v - LEARNING_RATE * mh / (np.sqrt(vh) + 1e-8)
    h, _ = _soft(v)
    return np.clip(base + (h >= 0.5), -INT4_MAX, INT4_MAX).astype(np.int8)


# -- the layers' input patches ------------------------------------------------------------------
def _padded(x: np.ndarray, op: Operator, kh: int, kw: int) -> tuple[np.ndarray, int, int]:
    from mcutool.lower.conv_quant import out_size_and_padding
    a = op.attrs
    n, h, w, c = x.shape
    oh, ph = out_size_and_padding(a.padding, h, kh, a.stride_h, a.dilation_h)
    ow, pw = out_size_and_padding(a.padding, w, kw, a.stride_w, a.dilation_w)
    need_h = (oh - 1) * a.stride_h + (kh - 1) * a.dilation_h + 1
    need_w = (ow - 1) * a.stride_w + (kw - 1) * a.dilation_w + 1
    out = np.zeros((n, max(need_h, ph + h), max(need_w, pw + w), c), np.float64)
    out[:, ph:ph + h, pw:pw + w, :] = x
    return out, oh, ow


def _taps(x: np.ndarray, op: Operator, kh: int, kw: int) -> np.ndarray:
    """[M, KH * KW, C]: what each filter tap sees at every output pixel."""
    a = op.attrs
    padded, oh, ow = _padded(x, op, kh, kw)
    taps = []
    for ky in range(kh):
        for kx in range(kw):
            y0, x0 = ky * a.dilation_h, kx * a.dilation_w
            taps.append(padded[:, y0:y0 + (oh - 1) * a.stride_h + 1:a.stride_h,
                               x0:x0 + (ow - 1) * a.stride_w + 1:a.stride_w, :].reshape(-1, x.shape[-1]))
    return np.stack(taps, axis=1)


def layer_problem(op: Operator, w: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, tuple]:
    """(weights as rows [rows, K], Gram matrix/matrices, how to put rows back) for one layer
    with float input x (N, ...)."""
    if op.type == "CONV_2D":
        cout, kh, kw, cin = w.shape
        patches = _taps(x, op, kh, kw).reshape(-1, kh * kw * cin)
        return w.reshape(cout, -1), patches.T @ patches / len(patches), ("conv", w.shape)
    if op.type == "DEPTHWISE_CONV_2D":
        _, kh, kw, cout = w.shape
        taps = _taps(x, op, kh, kw)                              # [M, T, C_IN]
        per_in = np.einsum("mtc,muc->ctu", taps, taps) / len(taps)
        mult = cout // x.shape[-1]
        return w.reshape(kh * kw, cout).T, np.repeat(per_in, mult, axis=0), ("dw", w.shape)
    depth = w.shape[1]
    rows = x.reshape(-1, depth).astype(np.float64)
    return w, rows.T @ rows / len(rows), ("fc", w.shape)


def _back(codes: np.ndarray, how: tuple) -> np.ndarray:
    kind, shape = how
    if kind == "dw":
        return codes.T.reshape(shape)
    return codes.reshape(shape)


def _float_weights(float_graph: Graph, op: Operator) -> np.ndarray:
    """The float weights of the float op that writes the same tensor."""
    for f in float_graph.operators:
        if f.outputs == op.outputs:
            return np.asarray(float_graph.tensors[f.inputs[1]].data, np.float64)
    raise KeyError(f"no float operator writes {op.outputs[0]!r}")


def _layer_inputs(qgraph: Graph, names: list[str], x: np.ndarray) -> dict[str, np.ndarray]:
    """The named tensors, dequantized, for every calibration sample, as the integer reference
    executor computes them."""
    from mcutool.lower import lower_graph
    from mcutool.reference.executor import run_reference
    lowered = lower_graph(qgraph)
    t_in = qgraph.tensors[qgraph.inputs[0]]
    xq = qp.quantize_activation_values(x, t_in.scale, t_in.zero_point)
    got: dict[str, list[np.ndarray]] = {n: [] for n in names}
    for sample in xq:
        values = run_reference(lowered, [sample.reshape(t_in.shape)], keep_all=True)
        for n in names:
            got[n].append(values[n])
    out = {}
    for n in names:
        t = qgraph.tensors[n]
        q = np.concatenate(got[n]).astype(np.float64)
        out[n] = (q - t.zero_point) * t.scale
    return out


def adaround_graph(qgraph: Graph, float_graph: Graph, x: np.ndarray, iterations: int = ITERATIONS,
                   progress: bool = False, only: set[str] | None = None) -> dict:
    """Re-round every int4 weight tensor of qgraph in place (or those of the operators named in
    `only`), first layer first. Returns per-layer statistics (weights changed from nearest
    rounding, output error before and after)."""
    start = time.perf_counter()
    layers = []
    for op in qgraph.operators:
        if len(op.inputs) < 2 or not op.inputs[1] or qgraph.tensors[op.inputs[1]].dtype != "int4":
            continue
        if only is not None and op.name not in only:
            continue
        w_t = qgraph.tensors[op.inputs[1]]
        assert w_t.quant is not None
        x_in = _layer_inputs(qgraph, [op.inputs[0]], x)[op.inputs[0]]
        w_float = _float_weights(float_graph, op)
        rows, gram, how = layer_problem(op, w_float, x_in)
        scales = np.broadcast_to(np.asarray(w_t.quant.scale, np.float64), (rows.shape[0],))
        codes = optimise_rounding(rows, scales, gram, iterations)
        nearest = np.asarray(w_t.data)
        w_t.data = _back(codes, how)

        before = _output_error(rows, scales, gram, _rows_of(nearest, how))
        after = _output_error(rows, scales, gram, codes)
        changed = int(np.sum(w_t.data != nearest))
        layers.append({"op": op.name, "changed": changed, "weights": int(nearest.size),
                       "error_nearest": before, "error_adaround": after})
        if progress:  # the command line's progress, on stderr beside its progress bars
            print(f"adaround {op.name}: {changed}/{nearest.size} weights re-rounded, "
                  f"output error x{after / max(before, 1e-30):.2f}", file=sys.stderr)
    return {"layers": layers, "seconds": round(time.perf_counter() - start, 3)}


def _output_error(rows: np.ndarray, scales: np.ndarray, gram: np.ndarray, codes: np.ndarray) -> float:
    """Mean squared output error (per input patch, summed over channels) of int4 codes."""
    e = rows - scales[:, None] * codes
    eg = np.einsum("rk,rkj->rj", e, gram) if gram.ndim == 3 else e @ gram
    return float(np.sum(eg * e))


def _rows_of(w: np.ndarray, how: tuple) -> np.ndarray:
    kind, shape = how
    if kind == "dw":
        return np.asarray(w).reshape(-1, shape[3]).T
    return np.asarray(w).reshape(shape[0], -1)
