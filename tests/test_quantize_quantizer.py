"""The int8 graph follows TFLite's quantization spec, compiles, and runs bit-exact in
TFLite-Micro, the reference executor and the generated C."""
import float_models as fm
import numpy as np
import pytest
from bitexact import check_bit_exact

from mcutool import api
from mcutool.data import to_model_input
from mcutool.errors import McutoolError, UnsupportedOpsError
from mcutool.ir.builder import GraphBuilder
from mcutool.lower import lower_graph
from mcutool.quantize import PtqOptions, quantize_float_graph
from mcutool.reference import run_reference


def quantized(graph, **options):
    x = fm.samples(graph, 48, seed=7, low=-2, high=2)
    q, summary = quantize_float_graph(graph, x, PtqOptions(**options))
    return q, summary, x


def check_weights_and_bias(q):
    for op in q.operators:
        if op.type not in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
            continue
        x, w, b = (q.tensors[n] for n in op.inputs)
        assert w.dtype == "int8" and np.all(w.quant.zero_point == 0)
        assert w.data.min() >= -127 and w.data.max() <= 127
        axis = 3 if op.type == "DEPTHWISE_CONV_2D" else 0
        if w.quant.scale.size > 1:
            assert w.quant.axis == axis and w.quant.scale.size == w.shape[axis]
            # per channel: every channel uses the full [-127, 127] range
            peak = np.abs(np.moveaxis(w.data.astype(int), axis, 0).reshape(w.shape[axis], -1)).max(1)
            assert np.all(peak == 127)
        assert b.dtype == "int32" and np.all(b.quant.zero_point == 0)
        expected = np.float64(np.float32(x.scale)) * w.quant.scale.astype(np.float64)
        np.testing.assert_allclose(b.quant.scale, expected.astype(np.float32), rtol=1e-6)


def test_structural_model_follows_the_spec():
    q, _, x = quantized(fm.structural_model())
    t = q.tensors
    assert t[q.inputs[0]].dtype == "int8" and t[q.outputs[0]].dtype == "int8"
    assert not any(op.type in ("QUANTIZE", "DEQUANTIZE") for op in q.operators)
    check_weights_and_bias(q)
    assert (t["probs"].scale, t["probs"].zero_point) == (np.float32(1 / 256), -128)
    assert t["c1"].zero_point == -128  # fused ReLU: the range starts at 0
    for op in q.operators:  # shared-scale ops copy their input's parameters
        if op.type in ("AVERAGE_POOL_2D", "MAX_POOL_2D", "PAD", "SQUEEZE", "RESHAPE", "CONCATENATION"):
            for name in op.inputs[:1] if op.type != "CONCATENATION" else op.inputs:
                assert t[name].quant.equals(t[op.outputs[0]].quant), (op.type, name)
    check_bit_exact(q, samples=[[s] for s in to_model_input(q, x[:12])])


def test_elementwise_model_fixed_outputs_and_requantized_concat_inputs():
    q, _, x = quantized(fm.elementwise_model())
    t = q.tensors
    assert (t["logistic"].scale, t["logistic"].zero_point) == (np.float32(1 / 256), -128)
    assert (t["tanh"].scale, t["tanh"].zero_point) == (np.float32(1 / 128), 0)
    cat = next(op for op in q.operators if op.type == "CONCATENATION")
    requantized = [op for op in q.operators if op.type == "QUANTIZE"]
    assert sorted(op.inputs[0] for op in requantized) == ["logistic", "tanh"]
    for name in cat.inputs:
        assert t[name].quant.equals(t["cat"].quant)
    hs = next(op for op in q.operators if op.type == "HARD_SWISH")
    assert t[hs.outputs[0]].scale >= t[hs.inputs[0]].scale / 128
    check_bit_exact(q, samples=[[s] for s in to_model_input(q, x[:12])])


# the default estimator in the quick run, the others with `make test`
@pytest.mark.parametrize("method", [pytest.param("minmax", marks=pytest.mark.slow),
                                    pytest.param("percentile", marks=pytest.mark.slow), "mse",
                                    pytest.param("kl", marks=pytest.mark.slow)])
@pytest.mark.parametrize("flags", [{}, {"per_channel": False}, {"bias_correction": True},
                                   {"equalize": True},
                                   {"equalize": True, "bias_correction": True, "per_channel": False}])
def test_every_estimator_and_flag_compiles(method, flags):
    q, summary, _ = quantized(fm.structural_model(), method=method, **flags)
    check_weights_and_bias(q)
    lower_graph(q)
    assert summary["options"]["method"] == method


def channel_sqnr(graph, q, x):
    """Mean over output channels of each channel's SQNR (dB) on samples x."""
    from mcutool.quantize import run_float
    expected = run_float(graph, [x])[0].reshape(len(x), -1, 8).astype(np.float64)
    lowered = lower_graph(q)
    out = q.tensors[q.outputs[0]]
    got = np.stack([run_reference(lowered, [s])[0] for s in to_model_input(q, x)])
    got = ((got.astype(np.float64) - out.zero_point) * out.scale).reshape(expected.shape)
    signal = (expected ** 2).sum(axis=(0, 1))
    noise = ((expected - got) ** 2).sum(axis=(0, 1))
    return float(np.mean(10 * np.log10(signal / noise))), float(10 * np.log10(signal.sum() / noise.sum()))


def test_per_channel_beats_per_tensor_on_uneven_channels():
    graph = fm.uneven_channels_model()
    x = fm.uneven_samples(64, seed=3)
    test = fm.uneven_samples(32, seed=4)
    pc, _ = quantize_float_graph(graph, x, PtqOptions(per_channel=True))
    pt, _ = quantize_float_graph(graph, x, PtqOptions(per_channel=False))
    pc_mean, pc_total = channel_sqnr(graph, pc, test)
    pt_mean, pt_total = channel_sqnr(graph, pt, test)
    assert pc_total > pt_total
    assert pc_mean > pt_mean + 3.0, (pc_mean, pt_mean)


def test_unquantizable_ops_are_named():
    b = GraphBuilder("g")
    b.input("x", (1, 4), dtype="float32")
    b.tensor("e", (1, 4), dtype="float32")
    b.op("EXP", ["x"], ["e"])
    b.tensor("y", (1, 4), dtype="float32")
    b.op("LOG", ["e"], ["y"])
    b.output("y")
    with pytest.raises(UnsupportedOpsError) as info:
        api.quantize_model(b.build(), np.zeros((2, 1, 4), np.float32))
    assert "#0 EXP" in str(info.value) and "#1 LOG" in str(info.value)
    assert "cannot be quantized" in str(info.value)


def test_int8_model_is_refused_with_a_clear_message():
    q, _, x = quantized(fm.uneven_channels_model())
    with pytest.raises(McutoolError, match="already quantized"):
        api.quantize_model(q, x)


@pytest.mark.parametrize("bad, message", [
    (np.zeros((4, 6, 6, 5), np.float32), "shape"),
    (np.zeros((4, 6, 6, 8), np.int8), "must be float"),
    (np.full((4, 6, 6, 8), np.nan, np.float32), "NaN"),
    (np.zeros((0, 6, 6, 8), np.float32), "empty"),
])
def test_bad_calibration_data(bad, message):
    with pytest.raises(McutoolError, match=message):
        api.quantize_model(fm.uneven_channels_model(), bad)


def test_api_quantize_model_report():
    graph = fm.structural_model()
    x = fm.samples(graph, 40, seed=2)
    y = np.random.default_rng(0).integers(0, 6, 40)
    q, summary = api.quantize_model(graph, x, method="minmax", samples=30, report=True, labels=y)
    rep = summary["report"]
    assert summary["samples"] == 30 and rep["samples"] == 30
    assert [r["op"] for r in rep["layers"]] == [op.type for op in q.operators]
    assert all(r["sqnr_db"] > 15 for r in rep["layers"])
    assert 0 <= rep["float_accuracy"] <= 1 and 0 <= rep["int8_accuracy"] <= 1
