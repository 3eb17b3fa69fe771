"""Mixed precision: per-layer weight formats (--layer-bits) and the flash-budget search
(--flash-budget), on the digits example; bit-exact with TFLite-Micro on the decoded model."""
from __future__ import annotations

import itertools
import json
import tempfile
from pathlib import Path

import numpy as np
import pytest
from bitexact import assert_same, check_bit_exact

from mcutool import api
from mcutool.cli import main
from mcutool.codegen.project import render_sources
from mcutool.frontends.tflite import read_tflite, write_tflite
from mcutool.ir.codebook import codebook_k
from mcutool.lower import data_type, lower_graph
from mcutool.plan import plan_memory
from mcutool.quantize.budget import format_budget, knapsack
from mcutool.quantize.layer_bits import LayerBitsError, parse_layer_bits
from mcutool.quantize.pipeline import PtqOptions, run_ptq

ROOT = Path(__file__).resolve().parent.parent
DIGITS = ROOT / "examples" / "digits_cnn_float.tflite"
CALIB = ROOT / "examples" / "digits_calib.npz"
INT8_BYTES = 3000          # the digits example's int8 weights as generate stores them
INT8_TOP1 = 0.9852


@pytest.fixture(scope="module")
def digits():
    test = np.load(ROOT / "examples" / "digits_test.npz")
    return api.load_model(DIGITS), np.load(CALIB)["x"], test["x"], test["y"]


@pytest.fixture(scope="module")
def mixed(digits):
    graph, calib, _, _ = digits
    bits = {"conv1/conv": "int4", "dw1/conv": "codebook:8", "logits": "codebook:16"}
    return run_ptq(graph, calib, PtqOptions(layer_bits=bits)).int8


@pytest.fixture(scope="module")
def budget60(digits):
    graph, calib, _, _ = digits
    return run_ptq(graph, calib, PtqOptions(flash_budget=int(0.6 * INT8_BYTES)))


def _quantized_inputs(graph, x):
    t = graph.tensors[graph.inputs[0]]
    q = np.clip(np.round(x / t.scale) + t.zero_point, -128, 127).astype(np.int8)
    return [[s.reshape(t.shape)] for s in q]


def _accuracy(graph, x, y) -> float:
    out = api.reference(api.compile_graph(graph), _quantized_inputs(graph, x))
    return float(np.mean([o[0].argmax() for o in out] == np.asarray(y)))


def _flash_bytes(graph) -> int:
    lowered = lower_graph(graph)
    return int(json.loads(render_sources(lowered, plan_memory(lowered))["mcutool.json"])["weight_bytes"])


# -- parsing ------------------------------------------------------------------------------------
def test_parse_layer_bits_text_and_toml(tmp_path):
    assert parse_layer_bits("conv1/conv=int4, logits=codebook:8,dw1/relu=int4:nearest") == {
        "conv1/conv": "int4", "logits": "codebook:8", "dw1/relu": "int4"}
    toml = tmp_path / "bits.toml"
    toml.write_text('[layers]\n"conv1/conv" = "int4:adaround"\nlogits = "codebook:16"\n')
    assert parse_layer_bits(str(toml)) == {"conv1/conv": "int4:adaround", "logits": "codebook:16"}
    for bad in ("conv1/conv=int3", "logits", "logits=codebook:40", "=int4"):
        with pytest.raises(LayerBitsError):
            parse_layer_bits(bad)


def testknapsack_is_optimal():
    rng = np.random.default_rng(3)
    for _ in range(30):
        layers = [[(int(b), float(v)) for b, v in zip(rng.integers(1, 40, 4), rng.random(4))]
                  for _ in range(4)]
        cap = int(rng.integers(10, 120))
        fits = [c for c in itertools.product(range(4), repeat=4)
                if sum(layers[i][j][0] for i, j in enumerate(c)) <= cap]
        if not fits:
            continue
        best = min(sum(layers[i][j][1] for i, j in enumerate(c)) for c in fits)
        picks = knapsack(layers, cap)
        assert sum(layers[i][j][0] for i, j in enumerate(picks)) <= cap
        assert sum(layers[i][j][1] for i, j in enumerate(picks)) == pytest.approx(best)


# -- --layer-bits -------------------------------------------------------------------------------
def test_layer_bits_mixed_formats_lower_and_bit_exact(digits, mixed, c_path):
    """int4, codebook:8, codebook:16 and int8 layers in one model: each lowers to its kernel
    family, and TFLite-Micro (decoded model), the twins and the host C agree."""
    _, _, x, _ = digits
    kinds = {op.name: data_type(mixed, op) for op in mixed.operators if len(op.inputs) > 1}
    assert kinds["conv1/conv"] == "int8w4" and kinds["dw1/conv"] == "int8cb"
    assert kinds["pw1/conv"] == "int8" and kinds["logits"] == "int8cb"
    dw = mixed.tensors[next(op for op in mixed.operators if op.name == "dw1/conv").inputs[1]]
    assert np.unique(dw.values).size <= 8 and codebook_k(mixed.description) == 16
    check_bit_exact(mixed, samples=_quantized_inputs(mixed, x[:12]))
    # the .tflite keeps what generate needs (int4 type, codebook marker)
    back = read_tflite(write_tflite(mixed, description=mixed.description))
    assert [data_type(back, op) for op in back.operators] == [data_type(mixed, op) for op in mixed.operators]


def test_layer_bits_by_output_tensor_name_same_as_operator_name(digits):
    graph, calib, _, _ = digits
    a = run_ptq(graph, calib[:50], PtqOptions(layer_bits={"pw1/conv": "int4"})).int8
    out = next(op.outputs[0] for op in a.operators if op.name == "pw1/conv")
    b = run_ptq(graph, calib[:50], PtqOptions(layer_bits={out: "int4"})).int8
    assert all(np.array_equal(a.tensors[n].values, b.tensors[n].values)
               for n, t in a.tensors.items() if t.is_const)


@pytest.mark.parametrize("spec, message", [
    ("nope=int4", "error: --layer-bits: no convolution, depthwise or fully connected layer named 'nope'"),
    ("conv1/conv=int5", "error: --layer-bits: format 'int5' is not supported"),
    ("conv1/conv=codebook:1", "error: --layer-bits: --weights 'codebook:1': write codebook:K"),
    ("missing.toml", "error: --layer-bits: missing.toml does not exist"),
])
def test_layer_bits_bad_input_exit_2(capsys, tmp_path, spec, message):
    out_path = tmp_path / "q.tflite"
    with pytest.raises(SystemExit) as exit_info:
        main(["quantize", str(DIGITS), "--calib", str(CALIB), "-o", str(out_path), "--layer-bits", spec])
    _, err = capsys.readouterr()
    assert exit_info.value.code == 2 and not out_path.exists()
    assert err.startswith(message) and err.count("\n") == 1, err


# -- --flash-budget ------------------------------------------------------------------------------
@pytest.mark.slow  # the budget search on all 300 calibration images, then a host C build
def test_budget_60_percent_acceptance(digits, budget60, c_path):
    """60% of the int8 weight bytes: within the budget, within 1 point of int8's top-1, and
    bit-exact with TFLite-Micro."""
    _, _, x, y = digits
    graph, summary = budget60.int8, budget60.summary
    assert _flash_bytes(graph) <= 0.6 * INT8_BYTES
    assert summary["budget"]["weight_bytes"] <= summary["budget"]["budget_bytes"] == 1800
    assert _accuracy(graph, x, y) >= INT8_TOP1 - 0.01
    assert set(summary["layer_formats"]) == {"conv1/conv", "dw1/conv", "pw1/conv", "logits"}
    assert summary["layer_formats"]["logits"] != "int8"   # 2,560 of the 3,000 bytes
    rows = summary["budget"]["candidates"]
    assert len(rows) == 4 * 7 and sum(r["chosen"] for r in rows) == 4
    check_bit_exact(graph, samples=_quantized_inputs(graph, x[:12]))


@pytest.mark.slow  # measures every candidate on the digits example
def test_budget_cli_prints_the_table_and_json(capsys, tmp_path):
    out_path = tmp_path / "b.tflite"
    with pytest.raises(SystemExit) as exit_info:
        main(["quantize", str(DIGITS), "--calib", str(CALIB), "-o", str(out_path), "--flash-budget", "2000",
              "--samples", "60", "--json"])
    out, _ = capsys.readouterr()
    assert exit_info.value.code in (0, None)
    budget = json.loads(out)["budget"]
    assert budget["weight_bytes"] <= 2000 and budget["samples"] == 60
    text = format_budget(budget)   # what the command prints without --json
    assert text.startswith("flash budget 2,000 B") and text.count("<- chosen") == 4


def test_budget_too_small_says_by_how_much(capsys, tmp_path):
    out_path = tmp_path / "b.tflite"
    with pytest.raises(SystemExit) as exit_info:
        main(["quantize", str(DIGITS), "--calib", str(CALIB), "-o", str(out_path), "--flash-budget", "500",
              "--samples", "30"])
    _, err = capsys.readouterr()
    assert exit_info.value.code == 2 and not out_path.exists()
    last = err.strip().splitlines()[-1]   # after the progress lines
    assert last == ("error: --flash-budget 500 cannot be met: the smallest weights mcutool can make are "
                    "900 bytes, 400 bytes over the budget")
    assert err.count("error:") == 1


@pytest.mark.slow  # measures every candidate on the digits example
def test_budget_keeps_the_layers_named_by_layer_bits(digits):
    graph, calib, _, _ = digits
    r = run_ptq(graph, calib[:60], PtqOptions(flash_budget=2400, layer_bits={"logits": "codebook:4"}))
    assert r.summary["layer_formats"]["logits"] == "codebook:4"
    assert [row["format"] for row in r.summary["budget"]["candidates"] if row["layer"] == "logits"] == ["codebook:4"]


@pytest.mark.slow
def test_budget_model_bit_exact_on_mps2_an386(digits, budget60):
    from mcutool.oracle.tflm import run_tflm_batch
    _, _, x, _ = digits
    graph = budget60.int8
    samples = _quantized_inputs(graph, x[:20])
    expected = run_tflm_batch(write_tflite(graph), samples)
    with tempfile.TemporaryDirectory(prefix="mcutool-mixed-") as tmp:
        out = api.generate(api.compile_graph(graph, "mps2-an386"), Path(tmp) / "gen")
        assert_same(expected, api.run(out, samples, board="mps2-an386"), "mps2-an386 vs TFLite-Micro")


@pytest.mark.slow  # measures every candidate on the digits example
def test_api_layer_bits_and_budget(digits):
    graph, calib, _, _ = digits
    q, summary = api.quantize_model(graph, calib[:60], layer_bits={"logits": "int4"})
    assert summary["layer_formats"]["logits"] == "int4" and q.tensors[
        next(op.inputs[1] for op in q.operators if op.name == "logits")].dtype == "int4"
    from mcutool.quantize.command import summary_line
    assert "mixed per-channel weights (3 int8, 1 int4)" in summary_line(summary)
    q, summary = api.quantize_model(graph, calib[:60], flash_budget=2200)
    assert summary["budget"]["weight_bytes"] <= 2200


@pytest.mark.slow  # measures every candidate on the digits example
def test_budget_with_room_keeps_int8_weights(digits):
    """No weights are compressed when they fit; int16 activations are spent where the error is
    when the RAM budget allows them: the classifier, whose int16 softmax output is about 15 dB
    closer to the float model's (arena 3,136 B instead of int8's 1,600 B, the default budget)."""
    graph, calib, _, _ = digits
    r = run_ptq(graph, calib[:40], PtqOptions(flash_budget=10_000))
    assert set(r.summary["layer_formats"].values()) == {"int8"} and codebook_k(r.int8.description) is None
    assert r.summary["budget"]["arena_bytes"] == 1600
    r = run_ptq(graph, calib[:40], PtqOptions(flash_budget=10_000, ram_budget=3136))
    assert r.summary["layer_formats"] == {"conv1/conv": "int8", "dw1/conv": "int8", "pw1/conv": "int8",
                                          "logits": "int16"}
    assert r.summary["budget"]["arena_bytes"] == 3136


def test_layer_bits_toml_file_on_the_command_line(capsys, tmp_path):
    bits = tmp_path / "bits.toml"
    bits.write_text('"pw1/conv" = "int4"\nlogits = "codebook:8"\n')
    out_path = tmp_path / "m.tflite"
    with pytest.raises(SystemExit) as exit_info:
        main(["quantize", str(DIGITS), "--calib", str(CALIB), "-o", str(out_path), "--samples", "30",
              "--layer-bits", str(bits)])
    out, _ = capsys.readouterr()
    assert exit_info.value.code in (0, None) and "(2 int8, 1 int4, 1 codebook:8)" in out
    graph = read_tflite(out_path.read_bytes())
    kinds = {op.outputs[0]: data_type(graph, op) for op in graph.operators
             if op.type in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")}
    assert sorted(kinds.values()) == ["int8", "int8", "int8cb", "int8w4"] and codebook_k(graph.description) == 8


@pytest.mark.parametrize("extra, message", [
    (["--flash-budget", "2000"], "error: --flash-budget chooses weight formats for int8 activations; "
                                 "it does not combine with --activations int16"),
    (["--layer-bits", "logits=int4"], "error: --activations int16 takes int8 weights, not int4"),
])
def test_int16_activations_take_no_low_bit_layers(capsys, tmp_path, extra, message):
    out_path = tmp_path / "q.tflite"
    with pytest.raises(SystemExit) as exit_info:
        main(["quantize", str(DIGITS), "--calib", str(CALIB), "-o", str(out_path), "--activations", "int16"]
             + extra)
    _, err = capsys.readouterr()
    assert exit_info.value.code == 2 and not out_path.exists() and err.strip() == message, err
