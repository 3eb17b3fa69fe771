"""The acceptance test of post-training quantization, on the bundled digits example: the int8
model mcutool makes is bit-exact in TFLite-Micro and the generated C, and its top-1 accuracy
is within 1 point of the float model's."""
import json
import sys

import numpy as np
import pytest
from bitexact import check_bit_exact
from conftest import ROOT

from mcutool.api import float_ops, load_model, quantize_model
from mcutool.cli import main
from mcutool.data import load_data, to_model_input
from mcutool.validate.run import format_validation

EXAMPLES = ROOT / "examples"
MODEL = EXAMPLES / "digits_cnn_float.tflite"
CALIB = EXAMPLES / "digits_calib.npz"
TEST = EXAMPLES / "digits_test.npz"


def test_example_files():
    graph = load_model(MODEL)
    types = [op.type for op in graph.operators]
    assert types.count("MUL") == 3 and types.count("ADD") == 3 and types.count("RELU") == 3  # unfolded BN
    assert float_ops(graph)
    calib, test = load_data(CALIB), load_data(TEST)
    assert calib.x.shape == (300, 8, 8, 1) and calib.x.dtype == np.float32
    assert test.x.shape == (540, 8, 8, 1) and test.y.shape == (540,)


def test_validate_with_calib_accuracy_within_one_point(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["validate", str(MODEL), "--calib", str(CALIB), "--data", str(TEST), "--json"])
    out, _ = capsys.readouterr()
    report = json.loads(out)
    assert exit_info.value.code == 0
    assert report["samples"] == 540 and report["mismatches"] == 0
    assert report["float_accuracy"] > 0.95
    assert report["accuracy"] == report["reference_accuracy"]
    assert abs(report["float_accuracy"] - report["accuracy"]) <= 0.01, report
    text = format_validation(report)
    assert "float model" in text and "generated C" in text


def test_quantized_digits_bit_exact_in_tflm_and_c():
    graph = load_model(MODEL)
    x = load_data(CALIB).x
    q, summary = quantize_model(graph, x, bias_correction=True, equalize=True)
    assert summary["ops_after_prepare"] == 7
    samples = [[s] for s in to_model_input(q, load_data(TEST).x[:16])]
    check_bit_exact(q, samples=samples)


def test_exporter_matches_torch():
    torch = pytest.importorskip("torch")
    sys.path.insert(0, str(EXAMPLES))
    try:
        import train_digits
    finally:
        sys.path.remove(str(EXAMPLES))
    from mcutool.quantize import run_float
    torch.manual_seed(0)
    model = train_digits.make_model().eval()
    for m in model:
        if isinstance(m, torch.nn.BatchNorm2d):  # non-trivial batch-norm statistics
            m.running_mean.uniform_(-1, 1)
            m.running_var.uniform_(0.5, 2)
            m.weight.data.uniform_(0.5, 2)
            m.bias.data.uniform_(-1, 1)
    x = np.random.default_rng(0).uniform(0, 1, (8, 8, 8, 1)).astype(np.float32)
    with torch.no_grad():
        expected = torch.softmax(model(torch.from_numpy(x).permute(0, 3, 1, 2)), dim=1).numpy()
    got = run_float(train_digits.to_graph(model), [x])[0].reshape(8, 10)
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_litert_loads_and_runs_the_int8_model(tmp_path):
    """LiteRT (optional extra `litert`) runs the written model too; it is not bit-exact with
    TFLite-Micro (XNNPACK and its FULLY_CONNECTED round differently), so only the accuracy is
    compared."""
    litert = pytest.importorskip("ai_edge_litert.interpreter")
    from mcutool.quantize.command import write_model
    graph = load_model(MODEL)
    q, _ = quantize_model(graph, load_data(CALIB).x)
    path = write_model(q, tmp_path / "digits_int8.tflite")
    it = litert.Interpreter(model_path=str(path))
    it.allocate_tensors()
    d, o = it.get_input_details()[0], it.get_output_details()[0]
    assert d["dtype"] == np.int8 and o["dtype"] == np.int8
    test = load_data(TEST)
    hits = 0
    for x, y in zip(to_model_input(q, test.x), test.y):
        it.set_tensor(d["index"], x[None])
        it.invoke()
        hits += int(it.get_tensor(o["index"]).argmax() == y)
    assert hits / len(test.y) > 0.97
