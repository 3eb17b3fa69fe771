"""int16 activations as a per-layer format (`--layer-bits NAME=int16`, and a candidate of
`--flash-budget`): which tensors become int16, the QUANTIZE ops between the int8 and int16
parts, bit-exact with TFLite-Micro through the twins and the host C (and, slow, on mps2-an386)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from bitexact import assert_same, check_bit_exact
from clirun import cli
from float_models import F, _w

from mcutool import api
from mcutool.data import to_model_input
from mcutool.frontends.tflite import read_tflite, write_tflite
from mcutool.ir.attrs import ConcatenationAttrs, Conv2DAttrs, FullyConnectedAttrs, Pool2DAttrs
from mcutool.ir.builder import GraphBuilder
from mcutool.lower import data_type
from mcutool.quantize.mixed_activations import int16_tensors
from mcutool.quantize.pipeline import PtqOptions, run_ptq
from mcutool.quantize.prepare import prepare

ROOT = Path(__file__).resolve().parent.parent
DIGITS = ROOT / "examples" / "digits_cnn_float.tflite"
CALIB = ROOT / "examples" / "digits_calib.npz"


def chain_model(seed: int = 0, outlier: float = 0.0):
    """conv -> max pool -> conv -> reshape -> fully connected -> softmax. outlier: the bias of
    c1's channel 0, a channel c2 hardly reads (it widens c1's int8 range for nothing)."""
    rng = np.random.default_rng(seed)
    b = GraphBuilder("chain")
    b.input("x", (1, 8, 8, 3), dtype=F)
    b.const("c1/w", _w(rng, (8, 3, 3, 3)))
    bias = _w(rng, 8, 0.1)
    bias[0] += outlier
    b.const("c1/b", bias)
    b.tensor("c1", (1, 8, 8, 8), dtype=F)
    b.op("CONV_2D", ["x", "c1/w", "c1/b"], ["c1"], Conv2DAttrs(1, 1, padding="SAME", activation="RELU"))
    b.tensor("p", (1, 4, 4, 8), dtype=F)
    b.op("MAX_POOL_2D", ["c1"], ["p"], Pool2DAttrs(2, 2, 2, 2, "VALID"))
    w2 = _w(rng, (12, 3, 3, 8))
    if outlier:
        w2[..., 0] *= 1e-3
    b.const("c2/w", w2)
    b.const("c2/b", _w(rng, 12, 0.1))
    b.tensor("c2", (1, 2, 2, 12), dtype=F)
    b.op("CONV_2D", ["p", "c2/w", "c2/b"], ["c2"], Conv2DAttrs(2, 2, padding="SAME", activation="RELU"))
    b.const("flat/shape", np.array([1, 48], np.int32))
    b.tensor("flat", (1, 48), dtype=F)
    b.op("RESHAPE", ["c2", "flat/shape"], ["flat"])
    b.const("fc/w", _w(rng, (10, 48), 0.2))
    b.const("fc/b", _w(rng, 10, 0.1))
    b.tensor("fc", (1, 10), dtype=F)
    b.op("FULLY_CONNECTED", ["flat", "fc/w", "fc/b"], ["fc"], FullyConnectedAttrs())
    b.tensor("probs", (1, 10), dtype=F)
    b.op("SOFTMAX", ["fc"], ["probs"])
    b.output("probs")
    return b.build()


def residual_model(seed: int = 1):
    """c1 -> c2, ADD(c1, c2), c3(c1), CONCATENATION(add, c3) -> average pool -> reshape -> FC
    -> softmax."""
    rng = np.random.default_rng(seed)
    b = GraphBuilder("residual")
    b.input("x", (1, 6, 6, 4), dtype=F)
    for name, src, cin in (("c1", "x", 4), ("c2", "c1", 8), ("c3", "c1", 8)):
        b.const(f"{name}/w", _w(rng, (8, 3, 3, cin)))
        b.const(f"{name}/b", _w(rng, 8, 0.1))
        b.tensor(name, (1, 6, 6, 8), dtype=F)
        b.op("CONV_2D", [src, f"{name}/w", f"{name}/b"], [name], Conv2DAttrs(1, 1, padding="SAME", activation="RELU"))
    b.tensor("add", (1, 6, 6, 8), dtype=F)
    b.op("ADD", ["c1", "c2"], ["add"])
    b.tensor("cat", (1, 6, 6, 16), dtype=F)
    b.op("CONCATENATION", ["add", "c3"], ["cat"], ConcatenationAttrs(axis=3))
    b.tensor("avg", (1, 3, 3, 16), dtype=F)
    b.op("AVERAGE_POOL_2D", ["cat"], ["avg"], Pool2DAttrs(2, 2, 2, 2, "VALID"))
    b.const("flat/shape", np.array([1, 144], np.int32))
    b.tensor("flat", (1, 144), dtype=F)
    b.op("RESHAPE", ["avg", "flat/shape"], ["flat"])
    b.const("fc/w", _w(rng, (10, 144), 0.1))
    b.const("fc/b", _w(rng, 10, 0.1))
    b.tensor("fc", (1, 10), dtype=F)
    b.op("FULLY_CONNECTED", ["flat", "fc/w", "fc/b"], ["fc"], FullyConnectedAttrs())
    b.tensor("probs", (1, 10), dtype=F)
    b.op("SOFTMAX", ["fc"], ["probs"])
    b.output("probs")
    return b.build()


def calib_for(graph, n: int = 40, seed: int = 2) -> np.ndarray:
    shape = graph.tensors[graph.inputs[0]].shape
    return np.random.default_rng(seed).uniform(-1, 1, (n, *shape)).astype(np.float32)


def quantized(graph, bits: dict[str, str]):
    return run_ptq(graph, calib_for(graph), PtqOptions(layer_bits=bits)).int8


def samples_for(q, graph, n: int = 6) -> list:
    return [[s] for s in to_model_input(q, calib_for(graph, n, seed=9))]


def dtypes(q) -> dict[str, str]:
    return {n: t.dtype for n, t in q.tensors.items() if not t.is_const}


# -- which tensors are int16 --------------------------------------------------------------------
def test_int16_tensors_walk_back_to_the_layer_before_and_forward_to_the_output():
    g = prepare(chain_model())
    assert int16_tensors(g, {"c2": "int16"}) == {"c1", "p"}          # through the pool, to c1
    assert int16_tensors(g, {"fc": "int16"}) == {"c2", "flat", "fc", "probs"}   # and to the output
    assert int16_tensors(g, {"c1": "int16"}) == {"x"}                # the model input
    assert int16_tensors(g, {"c1": "int8", "c2": "codebook:8"}) == set()


def test_int16_tensors_close_shared_scale_groups():
    g = prepare(residual_model())
    # c2 reads c1 only; the concatenation's inputs share its scale, so fc's walk takes them all
    assert int16_tensors(g, {"c2": "int16"}) == {"c1"}
    assert int16_tensors(g, {"fc": "int16"}) == {"c1", "c2", "c3", "add", "cat", "avg", "flat", "fc", "probs"}


# -- the quantized graphs -------------------------------------------------------------------------
def test_chain_int16_layer_layout():
    """c2 int16: c1 and the pool are stored int16 (c1 computes in int16 from a requantized
    input), c2 writes int16 then a QUANTIZE to its int8 tensor; biases int64 only there."""
    q = quantized(chain_model(), {"c2": "int16"})
    kinds = {op.name: data_type(q, op) for op in q.operators}
    assert kinds["c1"] == kinds["c2"] == kinds["p"] == "int16" and kinds["fc"] == kinds["probs"] == "int8"
    quantize_ops = [(op.inputs[0], op.outputs[0]) for op in q.operators if op.type == "QUANTIZE"]
    assert quantize_ops == [("x", "x/int16"), ("c2/int16", "c2")]
    assert dtypes(q)["x"] == "int8" and dtypes(q)["probs"] == "int8"
    biases = {op.name: q.tensors[op.inputs[2]].dtype for op in q.operators if len(op.inputs) > 2}
    assert biases == {"c1": "int64", "c2": "int64", "fc": "int32"}
    assert all(int(q.tensors[n].quant.zero_point[0]) == 0 for n, d in dtypes(q).items() if d == "int16")


def test_last_layer_int16_makes_the_output_int16():
    q = quantized(chain_model(), {"fc": "int16"})
    out = q.tensors[q.outputs[0]]
    assert out.dtype == "int16" and float(out.quant.scale[0]) == pytest.approx(1 / 32768)
    assert q.tensors[q.inputs[0]].dtype == "int8"


@pytest.mark.parametrize("bits", [{"c2": "int16"}, {"fc": "int16"}, {"c1": "int16", "fc": "int16"}],
                         ids="+".join)
def test_chain_bit_exact(bits, c_path):
    g = chain_model()
    q = quantized(g, bits)
    check_bit_exact(q, samples=samples_for(q, g))


@pytest.mark.parametrize("bits", [{"c2": "int16"}, {"c3": "int16", "fc": "int16"}, {"fc": "int16"}],
                         ids="+".join)
def test_residual_bit_exact(bits, c_path):
    """An ADD and a CONCATENATION between int8 and int16 parts."""
    g = residual_model()
    q = quantized(g, bits)
    assert any(op.type == "QUANTIZE" for op in q.operators)
    check_bit_exact(q, samples=samples_for(q, g))


def test_one_quantize_per_tensor_and_type():
    """c2 computes in int16 and writes c2/int16; the ADD, in int16 too, reads that, not a second copy."""
    q = quantized(residual_model(), {"c2": "int16"})
    sources = [op.inputs[0] for op in q.operators if op.type == "QUANTIZE"]
    assert len(sources) == len(set(sources))
    add = next(op for op in q.operators if op.type == "ADD")
    assert add.inputs == ["c1", "c2/int16"] and data_type(q, add) == "int16"


def test_written_tflite_reads_back_and_validates():
    q = quantized(residual_model(), {"c3": "int16", "fc": "int16"})
    back = read_tflite(write_tflite(q))
    back.validate()
    assert dtypes(back) == dtypes(q)
    assert [data_type(back, op) for op in back.operators] == [data_type(q, op) for op in q.operators]


def test_int16_layer_beside_a_codebook_layer():
    """A codebook layer next to an int16 one computes in int8 (no 16x8 codebook kernel) and its
    output is requantized to int16; the other weights are not stored as codebooks."""
    g = chain_model()
    q = quantized(g, {"c1": "codebook:8", "c2": "int16"})
    kinds = {op.name: data_type(q, op) for op in q.operators}
    assert kinds["c1"] == "int8cb" and kinds["c2"] == "int16"
    check_bit_exact(q, samples=samples_for(q, g), run_c=False)


def test_int16_layer_in_an_int4_model():
    """--weights int4 with one int16 layer: the int4 layer before it computes in int8 (no 16x8
    int4 kernel) and is requantized; the operators after it compute in int16."""
    g = chain_model()
    q = run_ptq(g, calib_for(g), PtqOptions(weights="int4", layer_bits={"fc": "int16"})).int8
    kinds = {op.name: data_type(q, op) for op in q.operators}
    assert kinds["c2"] == "int8w4" and kinds["flat"] == kinds["fc"] == kinds["probs"] == "int16"
    assert [op.name for op in q.operators if op.type == "QUANTIZE"] == ["c2/to_int16"]
    check_bit_exact(q, samples=samples_for(q, g), run_c=False)


def test_hard_swish_ends_the_walk_and_computes_in_int8(c_path):
    """HARD_SWISH has no 16x8 kernel: its output is int16 for the int16 layer after it, written
    in int8 and requantized; the walk does not go through it."""
    rng = np.random.default_rng(4)
    b = GraphBuilder("hard_swish")
    b.input("x", (1, 6, 6, 3), dtype=F)
    b.const("c1/w", _w(rng, (8, 3, 3, 3)))
    b.const("c1/b", _w(rng, 8, 0.1))
    b.tensor("c1", (1, 6, 6, 8), dtype=F)
    b.op("CONV_2D", ["x", "c1/w", "c1/b"], ["c1"], Conv2DAttrs(1, 1, padding="SAME"))
    b.tensor("hs", (1, 6, 6, 8), dtype=F)
    b.op("HARD_SWISH", ["c1"], ["hs"])
    b.const("c2/w", _w(rng, (4, 3, 3, 8)))
    b.const("c2/b", _w(rng, 4, 0.1))
    b.tensor("c2", (1, 6, 6, 4), dtype=F)
    b.op("CONV_2D", ["hs", "c2/w", "c2/b"], ["c2"], Conv2DAttrs(1, 1, padding="SAME"))
    b.output("c2")
    g = b.build()
    assert int16_tensors(prepare(g), {"c2": "int16"}) == {"hs", "c2"}
    q = quantized(g, {"c2": "int16"})
    assert [(op.type, data_type(q, op)) for op in q.operators] == [
        ("CONV_2D", "int8"), ("HARD_SWISH", "int8"), ("QUANTIZE", "int16"), ("CONV_2D", "int16")]
    check_bit_exact(q, samples=samples_for(q, g))


@pytest.mark.slow  # every layer of two models, each against TFLite-Micro
@pytest.mark.parametrize("model", ["int16_ops", "structural"])
def test_every_single_int16_layer_of_the_op_models(model):
    """Each layer in turn int16 in the models that use every operator with a 16x8 kernel (logistic,
    tanh, MUL, SUB, MEAN, PAD, LEAKY_RELU, SQUEEZE, ...): TFLite-Micro == twins."""
    from float_models import structural_model
    from test_int16_boards import int16_ops_float_model

    from mcutool.quantize.layer_bits import weight_layers
    g = int16_ops_float_model() if model == "int16_ops" else structural_model()
    for layer in weight_layers(prepare(g)):
        q = quantized(g, {layer: "int16"})
        check_bit_exact(q, samples=samples_for(q, g, 3), run_c=False)


# -- the command line ---------------------------------------------------------------------------
def test_quantize_cli_layer_bits_int16_then_validate(capsys, tmp_path):
    out_path = tmp_path / "m.tflite"
    code, out, _ = cli(capsys, "quantize", DIGITS, "--calib", CALIB, "-o", out_path, "--samples", "40",
                       "--layer-bits", "conv1/conv=int16")
    assert code in (0, None) and "(1 int16 activations, 3 int8)" in out and "int8/int16 ops" in out
    assert "conv1/conv=int16" in out
    graph = read_tflite(out_path.read_bytes())
    conv1 = next(op for op in graph.operators if op.name == "conv1/conv" or op.outputs[0] == "conv1/relu")
    assert data_type(graph, conv1) == "int16" and graph.tensors[graph.inputs[0]].dtype == "int16"
    test = np.load(ROOT / "examples" / "digits_test.npz")
    data = tmp_path / "few.npz"
    np.savez(data, x=test["x"][:6], y=test["y"][:6])
    code, out, err = cli(capsys, "validate", out_path, "--data", data, "--json")
    assert code in (0, None), err
    assert json.loads(out)["mismatches"] == 0


def test_generate_and_validate_calib_take_layer_bits(capsys, tmp_path):
    test = np.load(ROOT / "examples" / "digits_test.npz")
    data = tmp_path / "few.npz"
    np.savez(data, x=test["x"][:4], y=test["y"][:4])
    code, out, err = cli(capsys, "generate", DIGITS, "--calib", CALIB, "--samples", "30", "-o", tmp_path / "gen",
                         "--layer-bits", "logits=int16")
    assert code in (0, None), err
    assert "layers: conv1/conv=int8, dw1/conv=int8, pw1/conv=int8, logits=int16" in err
    meta = api.read_metadata(tmp_path / "gen")
    assert meta["weight_bytes"] > 0
    code, out, err = cli(capsys, "validate", DIGITS, "--calib", CALIB, "--samples", "30", "--data", data,
                         "--layer-bits", "pw1/conv=int16", "--json")
    assert code in (0, None), err
    report = json.loads(out)
    assert report["mismatches"] == 0 and report["quantization"]["layer_formats"]["pw1/conv"] == "int16"


@pytest.mark.parametrize("args, message", [
    (["--activations", "int16", "--layer-bits", "logits=int16"],
     "error: --layer-bits NAME=int16 gives one layer int16 activations in an int8 model; with --activations "
     "int16 every layer has them already"),
    (["--layer-bits", "pool=int16"],
     "error: --layer-bits: no convolution, depthwise or fully connected layer named 'pool'"),
    (["--layer-bits", "logits=int16:x"], "error: --layer-bits: format 'int16:x' is not supported"),
])
def test_bad_int16_layer_options_exit_2(capsys, tmp_path, args, message):
    out_path = tmp_path / "q.tflite"
    code, _, err = cli(capsys, "quantize", DIGITS, "--calib", CALIB, "-o", out_path, *args)
    assert code == 2 and not out_path.exists()
    assert err.startswith(message) and err.count("\n") == 1, err


def test_layer_bits_without_calib_is_an_error(capsys, tmp_path):
    int8 = tmp_path / "int8.tflite"
    assert cli(capsys, "quantize", DIGITS, "--calib", CALIB, "--samples", "20", "-o", int8)[0] in (0, None)
    code, _, err = cli(capsys, "generate", int8, "-o", tmp_path / "gen", "--layer-bits", "logits=int16")
    assert code == 2 and err.strip() == ("error: --layer-bits chooses formats while quantizing a float model; "
                                         "it needs --calib")


# -- the budget search --------------------------------------------------------------------------
@pytest.mark.slow  # three budget searches
def test_budget_chooses_int16_where_an_outlier_spoils_int8():
    """c1's channel 0 has a huge range that c2 hardly reads: in int8 it leaves the other channels
    a few codes, in int16 they keep their detail. With room for it in flash and RAM, the search
    gives c2 int16 activations, and the model's output error drops; without the RAM (by default
    the int8 arena) it keeps int8."""
    g = chain_model(outlier=60.0)
    x = calib_for(g, 60)
    int8 = run_ptq(g, x, PtqOptions()).int8
    from mcutool.ir.analysis import weight_bytes
    budget = weight_bytes(int8) + 400
    same_ram = run_ptq(g, x, PtqOptions(flash_budget=budget))
    assert "int16" not in same_ram.summary["layer_formats"].values()
    report = same_ram.summary["budget"]
    assert report["arena_bytes"] == report["int8_arena_bytes"] == report["ram_budget_bytes"]
    over = {row["format"] for row in report["candidates"] if not row["within_ram"]}
    assert "int16" in over   # and the codebook convolutions, whose scratch is larger than int8's
    r = run_ptq(g, x, PtqOptions(flash_budget=budget, ram_budget=10 * report["int8_arena_bytes"]))
    report = r.summary["budget"]
    assert r.summary["layer_formats"]["c2"] == "int16"
    assert report["weight_bytes"] <= budget
    assert report["output_sqnr_db"] > report["int8_output_sqnr_db"] + 3
    assert report["arena_bytes"] > report["int8_arena_bytes"]   # int16 tensors take more RAM
    rows = {(row["layer"], row["format"]): row for row in report["candidates"]}
    assert rows["c2", "int16"]["weight_bytes"] > rows["c2", "int8"]["weight_bytes"]   # int64 biases
    check_bit_exact(r.int8, samples=samples_for(r.int8, g), run_c=False)


# -- on a board ---------------------------------------------------------------------------------
@pytest.mark.slow
def test_mixed_int16_models_bit_exact_on_mps2_an386(tmp_path):
    from mcutool.oracle.tflm import run_tflm_batch
    for k, (g, bits) in enumerate([(chain_model(), {"c2": "int16"}), (residual_model(), {"c2": "int16"}),
                                   (residual_model(), {"c3": "int16", "fc": "int16"})]):
        q = quantized(g, bits)
        samples = samples_for(q, g, 4)
        out = api.generate(api.compile_graph(q, "mps2-an386"), tmp_path / f"gen{k}")
        assert_same(run_tflm_batch(write_tflite(q), samples), api.run(out, samples, board="mps2-an386"),
                    f"{g.name} {bits} on mps2-an386 vs TFLite-Micro")


def test_budget_withdraws_int16_when_the_chosen_peak_is_over_the_ram_budget():
    """Arena bytes are a peak, not a sum: when the chosen model's arena is over the RAM budget
    although each candidate was measured within it, the int16 choice is withdrawn."""
    from mcutool.lower import lower_graph
    from mcutool.plan import plan_memory
    from mcutool.quantize import budget
    from mcutool.quantize.pipeline import build_quantized, calibrate_graph
    g = residual_model()
    cal = calibrate_graph(g, calib_for(g, 20), PtqOptions())
    int8 = {"c1": "int8", "c2": "int8", "c3": "int8", "fc": "int8"}

    def arena(formats):
        return plan_memory(lower_graph(build_quantized(cal, formats)[0])).arena_bytes

    int8_arena, wide_arena = arena(int8), arena({**int8, "c2": "int16"})
    assert wide_arena > int8_arena
    # c2's int16 row claims the int8 arena; the real model with it needs more
    layers = [(name, [("int8", 100, 0.0, 1.0, int8_arena)] +
               ([("int16", 120, -0.5, 0.5, int8_arena)] if name == "c2" else []))
              for name in int8]
    formats, _, got = budget._choose(cal, layers, 1000, int8_arena)
    assert formats == int8 and got == int8_arena
    formats, _, got = budget._choose(cal, layers, 1000, wide_arena)
    assert formats["c2"] == "int16" and got == wide_arena


@pytest.mark.parametrize("options, message", [
    ({"ram_budget": 5000}, "--ram-budget bounds the arena the --flash-budget search may spend"),
    ({"ram_budget": 0, "flash_budget": 5000}, "--ram-budget must be at least 1 byte, got 0"),
    ({"ram_budget": 100, "flash_budget": 5000}, "--ram-budget 100 cannot be met: the model's arena takes 956 "
                                                "bytes with int8 activations, 856 bytes over the budget"),
])
def test_ram_budget_errors(options, message):
    from mcutool.errors import McutoolError
    g = chain_model()
    with pytest.raises(McutoolError, match=re.escape(message)):
        run_ptq(g, calib_for(g, 20), PtqOptions(**options))


@pytest.mark.slow  # a budget search through the command line
def test_ram_budget_on_the_command_line(capsys, tmp_path):
    g = chain_model(outlier=60.0)
    model, calib = tmp_path / "f.tflite", tmp_path / "c.npy"
    model.write_bytes(write_tflite(g))
    np.save(calib, calib_for(g, 60))
    code, out, err = cli(capsys, "quantize", model, "--calib", calib, "-o", tmp_path / "q.tflite",
                         "--flash-budget", 100000, "--ram-budget", 100000)
    assert code in (0, None), err
    assert "RAM budget 100,000 B" in out and "(over the RAM budget)" not in out
    assert re.search(r"\n  c2 +int16 .*<- chosen\n", out)
    q = read_tflite((tmp_path / "q.tflite").read_bytes())
    assert any(t.dtype == "int16" for t in q.tensors.values())
    code, _, err = cli(capsys, "generate", model, "-o", tmp_path / "gen", "--ram-budget", 5000)
    assert code == 2 and err.startswith("error: --ram-budget chooses formats while quantizing a float model")
