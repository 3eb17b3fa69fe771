"""`mcutool qat` with --activations int16 (TFLite's 16x8), --layer-bits and --flash-budget: the
per-layer weight formats and per-tensor activation bits of the module, the export (16x8 layout,
int64 bias, the module's own parameters), the digits acceptance (bit-exact with TFLite-Micro,
accuracy against PTQ and int8, within the budget) and every bad combination (exit 2, one line)."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from clirun import cli
from conftest import ROOT
from float_models import samples, structural_model

from mcutool import api
from mcutool.codegen.project import render_sources
from mcutool.lower import lower_graph
from mcutool.plan import plan_memory
from mcutool.qat import QatError
from mcutool.qat.checks import QatOptions
from mcutool.qat.evaluate import int8_accuracy, int8_outputs, int8_tensors
from mcutool.qat.export import export_graph, fake_quant_outputs
from mcutool.qat.formats import activation_bits, check_trained_bytes, layer_formats
from mcutool.qat.train import build_model
from mcutool.qat.weight_formats import weight_quantizer
from mcutool.quantize.prepare import prepare

MODEL = ROOT / "examples" / "digits_cnn_float.tflite"
TRAIN = ROOT / "examples" / "digits_train.npz"
TEST = ROOT / "examples" / "digits_test.npz"
CALIB = ROOT / "examples" / "digits_calib.npz"
LAYERS = ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")


@pytest.fixture(scope="module")
def digits():
    train, test = np.load(TRAIN), np.load(TEST)
    return api.load_model(MODEL), train["x"], train["y"], test["x"], test["y"]


@pytest.fixture(scope="module")
def small_train(tmp_path_factory):
    d = np.load(TRAIN)
    path = tmp_path_factory.mktemp("qatmix") / "train.npz"
    np.savez(path, x=d["x"][:300], y=d["y"][:300])
    return path


def weights_of(graph):
    return {op.name: graph.tensors[op.inputs[1]] for op in graph.operators if op.type in LAYERS}


# -- formats and bits, before training ------------------------------------------------------------
def test_activation_bits_whole_model(digits):
    prepared = prepare(digits[0])
    names = [*prepared.inputs, *(op.outputs[0] for op in prepared.operators)]
    formats = {n: "int8" for n in ("conv1/conv", "dw1/conv", "pw1/conv", "logits")}
    assert activation_bits(prepared, formats, "int16") == {n: 16 for n in names}
    assert activation_bits(prepared, formats, "int8") == {n: 8 for n in names}


def test_activation_bits_of_an_int16_layer_are_the_quantizers(digits):
    """A layer with format int16: the tensors the PTQ quantizer stores int16 train on the int16
    grid (pw1 reads dw1's output, so that is int16), the rest on int8's."""
    from mcutool.quantize.mixed_activations import int16_tensors
    prepared = prepare(digits[0])
    formats = {"conv1/conv": "int8", "dw1/conv": "int8", "pw1/conv": "int16", "logits": "int8"}
    bits = activation_bits(prepared, formats, "int8")
    wide = {n for n, b in bits.items() if b == 16}
    dw1 = next(op for op in prepared.operators if op.name == "dw1/conv")
    assert wide == int16_tensors(prepared, formats) and dw1.outputs[0] in wide
    assert bits[prepared.inputs[0]] == 8 and bits[prepared.outputs[0]] == 8


def test_layer_formats_take_layer_bits_by_operator_or_tensor_name(digits):
    prepared = prepare(digits[0])
    logits_out = next(op.outputs[0] for op in prepared.operators if op.name == "logits")
    options = QatOptions(layer_bits={"conv1/conv": "int4:nearest", logits_out: "int4:adaround"})
    options.check()
    # training learns the rounding: AdaRound's int4 is int4 here
    assert layer_formats(prepared, options) == {"conv1/conv": "int4", "dw1/conv": "int8", "pw1/conv": "int8",
                                                 "logits": "int4"}


def test_each_format_gets_its_weight_quantizer():
    from mcutool.qat.codebook import CodebookQuant
    from mcutool.qat.fake_quant import WeightQuant
    w = torch.linspace(-1, 1, 12).reshape(4, 3)
    assert isinstance(weight_quantizer("codebook:8", w, 0, 127, False), CodebookQuant)
    assert isinstance(weight_quantizer("int4", w, 0, 7, False), WeightQuant)


def test_trained_weights_over_the_budget_are_refused():
    check_trained_bytes(1800, {"budget_bytes": 1800, "weight_bytes": 1700})
    with pytest.raises(QatError, match=r"^--flash-budget 1800: the trained model's weights take 1900 bytes, "
                                       r"100 bytes over the budget"):
        check_trained_bytes(1900, {"budget_bytes": 1800, "weight_bytes": 1700})


# -- int16 activations: module and export -----------------------------------------------------------
def test_int16_module_exports_the_16x8_graph_with_its_own_parameters(digits):
    graph, x, _, xv, _ = digits
    m = build_model(prepare(graph), x[:300], QatOptions(activations="int16", method="minmax"))
    assert {a.bits for a in m.act} == {16} and {a.zero_point for a in m.act} == {0}
    q = export_graph(m)
    acts = [t for t in q.tensors.values() if not t.is_const]
    assert {t.dtype for t in acts} == {"int16"} and all(int(t.quant.zero_point[0]) == 0 for t in acts)
    for t in acts:   # the export's scales are exactly the module's
        assert float(t.quant.scale[0]) == m.act_quant(t.name).params()[0], t.name
    out = q.tensors[q.outputs[0]]
    assert float(out.quant.scale[0]) == 1 / 32768
    w = weights_of(q)
    assert {t.dtype for t in w.values()} == {"int8"} and w["logits"].quant.axis is None   # FC per tensor (s16)
    assert w["conv1/conv"].quant.axis == 0
    biases = [q.tensors[op.inputs[2]] for op in q.operators if op.type in LAYERS]
    assert {b.dtype for b in biases} == {"int64"}
    assert "int16 activations" in q.description
    # the module's logits are the exported graph's within one rounding per requantization
    xs = xv[:64]
    with torch.no_grad():
        logits = m(torch.from_numpy(xs))[0].numpy().reshape(len(xs), -1)
    lt = q.tensors[m.logits_name]
    codes = int8_tensors(q, xs, [m.logits_name])[m.logits_name].astype(np.float64)
    assert np.abs(codes - logits / lt.scale).max() <= 2.01


def test_int16_fake_quant_agrees_with_integer_reference_on_many_operators():
    """conv, depthwise, both pools, PAD, CONCATENATION, MEAN, SQUEEZE, RESHAPE, FC, ADD,
    SOFTMAX with int16 activations: the module's output within 1 LSB of the 16x8 graph's."""
    graph = structural_model()
    x = samples(graph, 32)
    m = build_model(prepare(graph), x, QatOptions(activations="int16", method="minmax"))
    q = export_graph(m)
    fq = fake_quant_outputs(m, x).reshape(len(x), -1)
    out = q.tensors[q.outputs[0]]
    assert out.dtype == "int16"
    assert np.abs(int8_outputs(q, x) - fq / out.scale).max() <= 1.01


def test_layer_bits_int4_on_one_layer(digits):
    graph, x, y, xv, yv = digits
    options = QatOptions(epochs=1, layer_bits={"pw1/conv": "int4"}, calib_samples=300)
    result = api.qat_model(graph, x[:300], y[:300], xv[:100], yv[:100], options)
    assert result is not None
    q, summary = result
    w = weights_of(q)
    assert {n: t.dtype for n, t in w.items()} == {"conv1/conv": "int8", "dw1/conv": "int8", "pw1/conv": "int4",
                                                  "logits": "int8"}
    assert np.abs(w["pw1/conv"].data).max() <= 7 and w["pw1/conv"].quant.axis == 0
    assert summary["layer_formats"]["pw1/conv"] == "int4" and summary["accuracy"]["qat"] > 0.9
    assert q.description.endswith("mixed precision (3 int8, 1 int4))")


# -- bad combinations: one `error:` line, exit 2, nothing written -------------------------------------
@pytest.mark.parametrize("args, message", [
    (["--activations", "int16", "--weights", "int4"], "--activations int16 takes int8 weights, not int4"),
    (["--activations", "int16", "--layer-bits", "logits=int4"], "--activations int16 takes int8 weights, not int4"),
    (["--activations", "int4"], "--activations 'int4' is not supported; choose int8 or int16"),
    (["--layer-bits", "nope=int4"], "--layer-bits: no convolution, depthwise or fully connected layer named "
                                    "'nope'; the layers are conv1/conv, dw1/conv, pw1/conv, logits"),
    (["--layer-bits", "conv1/conv=int5"], "--layer-bits: format 'int5' is not supported"),
    (["--flash-budget", "300"], "--flash-budget 300 cannot be met: the smallest weights mcutool can make are "
                                 "900 bytes, 600 bytes over the budget"),
    (["--flash-budget", "0"], "--flash-budget must be at least 1 byte, got 0"),
    (["--flash-budget", "2000", "--activations", "int16"], "--flash-budget chooses weight formats for int8 "
                                                           "activations; it does not combine with --activations int16"),
    (["--flash-budget", "2000", "--weights", "int4"], "--flash-budget chooses the weight format of each layer "
                                                      "itself; leave --weights at int8"),
])
def test_bad_combinations_exit_2(capsys, tmp_path, small_train, args, message):
    out = tmp_path / "q.tflite"
    code, _, err = cli(capsys, "qat", MODEL, "--train", small_train, "--epochs", 1, "-o", out, *args)
    assert code == 2 and err.startswith(f"error: {message}") and len(err.strip().splitlines()) == 1, err
    assert not out.exists()


# -- the digits acceptance --------------------------------------------------------------------------
def _ptq_accuracy(graph, xv, yv, **options) -> float:
    from mcutool.quantize.pipeline import PtqOptions, run_ptq
    return int8_accuracy(run_ptq(graph, np.load(CALIB)["x"], PtqOptions(**options)).int8, xv, yv)


@pytest.mark.slow  # trains on all 1257 images and validates the host C under the sanitizers
def test_qat_int16_acceptance(capsys, tmp_path, digits):
    """Measured: QAT 16x8 98.70% = PTQ 16x8 (quantize, calibration set) 98.70% = float."""
    graph, _, _, xv, yv = digits
    out = tmp_path / "q16.tflite"
    code, stdout, _ = cli(capsys, "qat", MODEL, "--train", TRAIN, "--val", TEST, "--epochs", 5,
                          "--activations", "int16", "-o", out, "--json")
    assert code in (0, None)
    report = json.loads(stdout)
    q = api.load_model(out)
    assert {t.dtype for t in q.tensors.values() if not t.is_const} == {"int16"}
    qat = report["accuracy"]["qat"]
    assert qat == int8_accuracy(q, xv, yv)
    assert qat >= _ptq_accuracy(graph, xv, yv, activations="int16") - 0.005
    from mcutool.validate.run import validate_model
    v = validate_model(out, TEST)
    assert v["mismatches"] == 0 and v["samples"] == len(xv)


@pytest.mark.slow  # the budget search, training on all 1257 images, host C under the sanitizers
def test_qat_flash_budget_60_percent_acceptance(capsys, tmp_path, digits):
    """60% of the int8 weight bytes: the search stores some layers in fewer bytes (int4 or a
    codebook); the trained model stays within a point of QAT and PTQ int8."""
    graph, _, _, xv, yv = digits
    out = tmp_path / "fb.tflite"
    code, stdout, _ = cli(capsys, "qat", MODEL, "--train", TRAIN, "--val", TEST, "--epochs", 5,
                          "--flash-budget", 1800, "-o", out, "--json")
    assert code in (0, None)
    report = json.loads(stdout)
    budget = report["budget"]
    assert budget["budget_bytes"] == 1800 and budget["weight_bytes"] <= 1800
    assert report["weight_bytes"]["qat"] <= 1800 and budget["int8_weight_bytes"] * 0.6 >= 1800
    assert report["layer_formats"] == budget["choice"] and set(budget["choice"].values()) - {"int8"}
    from mcutool.qat.command import format_summary
    text = format_summary(str(out), report)   # what the command prints without --json
    assert text.count("<- chosen") == 4 and "within the flash budget of 1,800 B" in text
    low = lower_graph(api.load_model(out))   # the bytes generate stores
    assert json.loads(render_sources(low, plan_memory(low))["mcutool.json"])["weight_bytes"] <= 1800
    qat = report["accuracy"]["qat"]
    assert qat >= _ptq_accuracy(graph, xv, yv) - 0.01
    int8 = api.qat_model(graph, *digits[1:], QatOptions(epochs=5))
    assert int8 is not None and qat >= int8[1]["accuracy"]["qat"] - 0.01
    from mcutool.validate.run import validate_model
    v = validate_model(out, TEST)
    assert v["mismatches"] == 0


@pytest.mark.slow  # a host C build under the sanitizers
@pytest.mark.parametrize("layer_bits, what", [
    ("conv1/conv=int4", "mixed precision (1 int4, 3 int8)"),
    # dw1 computes in int16 to give pw1 an int16 input; conv1's int8 output is requantized
    ("pw1/conv=int16", "mixed precision (3 int8, 1 int16)"),
    ("logits=int16,conv1/conv=codebook:8", "mixed precision (1 codebook:8, 2 int8, 1 int16)"),
])
def test_qat_layer_bits_model_is_bit_exact(capsys, tmp_path, small_train, layer_bits, what):
    out = tmp_path / "lb.tflite"
    code, stdout, _ = cli(capsys, "qat", MODEL, "--train", small_train, "--epochs", 1,
                          "--layer-bits", layer_bits, "-o", out)
    assert code in (0, None) and what in stdout, stdout
    for item in layer_bits.split(","):
        assert item in stdout.split("layers: ")[1]
    from mcutool.validate.run import validate_model
    v = validate_model(out, TEST)
    assert v["mismatches"] == 0
