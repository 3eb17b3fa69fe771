"""Cross-layer equalization keeps the float function and evens out weight ranges; bias
correction removes the mean output shift that weight rounding causes. Both measured."""
import copy

import float_models as fm
import numpy as np

from mcutool.data import to_model_input
from mcutool.ir import Conv2DAttrs, DepthwiseConv2DAttrs, Pool2DAttrs
from mcutool.ir.builder import GraphBuilder
from mcutool.lower import lower_graph
from mcutool.quantize import PtqOptions, quantize_float_graph, run_float
from mcutool.quantize.bias_correction import correct_biases
from mcutool.quantize.equalize import equalize, find_pairs
from mcutool.quantize.prepare import prepare
from mcutool.reference import run_reference

F = "float32"


def separable_model(seed: int = 0):
    """conv+ReLU -> depthwise+ReLU -> pointwise+ReLU -> max-pool -> flatten -> dense, with
    output channels of each layer scaled unevenly (what batch-norm folding leaves)."""
    rng = np.random.default_rng(seed)
    k = np.geomspace(0.05, 3.0, 8).astype(np.float32)
    rng.shuffle(k)
    b = GraphBuilder("separable")
    b.input("x", (1, 6, 6, 2), dtype=F)
    b.const("c/w", rng.normal(0, 0.5, (8, 3, 3, 2)).astype(np.float32) * k[:, None, None, None])
    b.const("c/b", rng.normal(0, 0.1, 8).astype(np.float32) * k)
    b.tensor("c", (1, 6, 6, 8), dtype=F)
    b.op("CONV_2D", ["x", "c/w", "c/b"], ["c"], Conv2DAttrs(activation="RELU"))
    b.const("d/w", rng.normal(0, 0.5, (1, 3, 3, 8)).astype(np.float32) / k)
    b.const("d/b", rng.normal(0, 0.1, 8).astype(np.float32))
    b.tensor("d", (1, 6, 6, 8), dtype=F)
    b.op("DEPTHWISE_CONV_2D", ["c", "d/w", "d/b"], ["d"], DepthwiseConv2DAttrs(activation="RELU"))
    b.const("p/w", rng.normal(0, 0.5, (8, 1, 1, 8)).astype(np.float32))
    b.tensor("p", (1, 6, 6, 8), dtype=F)
    b.op("CONV_2D", ["d", "p/w", ""], ["p"], Conv2DAttrs(activation="RELU"))
    b.tensor("pool", (1, 3, 3, 8), dtype=F)
    b.op("MAX_POOL_2D", ["p"], ["pool"], Pool2DAttrs(2, 2, 2, 2, "VALID"))
    b.const("shape", np.array([1, 72], np.int32))
    b.tensor("flat", (1, 72), dtype=F)
    b.op("RESHAPE", ["pool", "shape"], ["flat"])
    b.const("fc/w", rng.normal(0, 0.3, (5, 72)).astype(np.float32))
    b.const("fc/b", np.zeros(5, np.float32))
    b.tensor("y", (1, 5), dtype=F)
    b.op("FULLY_CONNECTED", ["flat", "fc/w", "fc/b"], ["y"])
    b.output("y")
    return b.build()


def output_errors(graph, q, x):
    """(SQNR dB of the output, mean per-channel output shift) of int8 vs float on x."""
    expected = run_float(graph, [x])[0].reshape(len(x), -1).astype(np.float64)
    lowered = lower_graph(q)
    t = q.tensors[q.outputs[0]]
    got = np.stack([run_reference(lowered, [s])[0].reshape(-1) for s in to_model_input(q, x)])
    got = (got.astype(np.float64) - t.zero_point) * t.scale
    sqnr = 10 * np.log10((expected ** 2).sum() / ((expected - got) ** 2).sum())
    return sqnr, float(np.abs((got - expected).mean(axis=0)).mean())


def test_pairs_found_through_pool_and_flatten():
    g = prepare(separable_model())
    pairs = [(a.name, b.name) for a, b in find_pairs(g)]
    assert pairs == [("c", "d"), ("d", "p"), ("p", "y")]


def test_equalization_keeps_the_function_and_evens_ranges():
    g = prepare(separable_model())
    before = copy.deepcopy(g)
    assert equalize(g) == 3
    x = fm.samples(g, 8)
    np.testing.assert_allclose(run_float(g, [x])[0], run_float(before, [x])[0], rtol=1e-4, atol=1e-5)
    # After equalization, conv c's output channel ranges equal the depthwise's input ranges.
    r1 = np.abs(g.tensors[g.operators[0].inputs[1]].data).max(axis=(1, 2, 3))
    r2 = np.abs(g.tensors[g.operators[1].inputs[1]].data).max(axis=(0, 1, 2))
    np.testing.assert_allclose(r1, r2, rtol=0.05)


def test_equalization_helps_per_tensor_weights():
    graph = separable_model()
    x, test = fm.samples(graph, 64, seed=1), fm.samples(graph, 32, seed=2)
    plain, _ = quantize_float_graph(graph, x, PtqOptions(per_channel=False, method="minmax"))
    cle, _ = quantize_float_graph(graph, x, PtqOptions(per_channel=False, method="minmax", equalize=True))
    assert output_errors(graph, cle, test)[0] > output_errors(graph, plain, test)[0] + 3.0


def test_bias_correction_removes_mean_shift():
    graph = fm.uneven_channels_model()
    x = np.abs(fm.uneven_samples(64, seed=3))       # positive inputs: rounding shifts the mean
    test = np.abs(fm.uneven_samples(64, seed=4))
    plain, _ = quantize_float_graph(graph, x, PtqOptions(per_channel=False))
    corrected, summary = quantize_float_graph(graph, x, PtqOptions(per_channel=False, bias_correction=True))
    assert summary["bias_corrected_layers"] == 1
    sqnr_plain, shift_plain = output_errors(graph, plain, test)
    sqnr_bc, shift_bc = output_errors(graph, corrected, test)
    assert shift_bc < 0.5 * shift_plain
    assert sqnr_bc > sqnr_plain


def test_bias_correction_in_float_matches_fake_quantized_weights():
    """The corrected float layer with fake-quantized weights has the same mean output as the
    original layer on the calibration data."""
    from mcutool.quantize.params import fake_quantize_weights
    g = prepare(fm.uneven_channels_model())
    x = np.abs(fm.uneven_samples(32, seed=5))
    original = run_float(g, [x])[0].reshape(-1, 8).mean(axis=0)
    correct_biases(g, x, per_channel=False)
    w = g.tensors[g.operators[0].inputs[1]]
    w.data = fake_quantize_weights(w.data, None)
    corrected = run_float(g, [x])[0].reshape(-1, 8).mean(axis=0)
    np.testing.assert_allclose(corrected, original, atol=1e-5)
