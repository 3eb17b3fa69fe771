"""The .tflite reader and writer: round trips, TFLite-Micro acceptance, and every bad input."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import flatbuffers
import numpy as np
import pytest
import tflite

from mcutool.frontends.tflite import (
    ModelFormatError,
    UnsupportedModelError,
    read_tflite,
    write_tflite,
)
from mcutool.ir import Graph, Operator, Tensor
from mcutool.ir.builder import GraphBuilder
from mcutool.ops import all_ops, get
from mcutool.oracle import run_tflm

SINE_FLOAT = Path(__import__("tflite_micro").__file__).parent / "python/tflite_micro/sine_float.tflite"


# -- graphs ---------------------------------------------------------------------------------------
def _weights(gb, rng, name, shape, axis, in_scale):
    """int8 symmetric per-channel weights along `axis` and the matching int32 bias."""
    n = shape[axis]
    w_scale = rng.uniform(0.002, 0.02, n).astype(np.float32)
    w = gb.const(f"{name}_w", rng.integers(-127, 128, shape, dtype=np.int8), scale=w_scale,
                 zero_point=0, axis=axis)
    b = gb.const(f"{name}_b", rng.integers(-2000, 2000, n, dtype=np.int32),
                 scale=np.float32(in_scale) * w_scale, zero_point=0, axis=0)
    return w, b


def all_ops_graph(seed: int = 0) -> Graph:
    """A runnable int8 graph (float edges) that uses every registered op type."""
    rng = np.random.default_rng(seed)
    gb = GraphBuilder("all_ops")
    gb.input("x", (1, 8, 8, 3), "float32")
    q = gb.tensor("xq", (1, 8, 8, 3), scale=0.05, zero_point=-3)
    gb.op("QUANTIZE", ["x"], [q])
    w, b = _weights(gb, rng, "conv", (6, 3, 3, 3), 0, 0.05)
    gb.tensor("c1", (1, 4, 4, 6), scale=0.1, zero_point=-128)
    gb.op("CONV_2D", [q, w, b], ["c1"], dilation_h=2, dilation_w=2, padding="VALID", activation="RELU")
    w, b = _weights(gb, rng, "dw", (1, 3, 3, 12), 3, 0.1)
    gb.tensor("d1", (1, 2, 2, 12), scale=0.1, zero_point=-128)
    gb.op("DEPTHWISE_CONV_2D", ["c1", w, b], ["d1"], stride_h=2, stride_w=2, depth_multiplier=2,
          activation="RELU6")
    gb.tensor("p1", (1, 2, 2, 12), scale=0.1, zero_point=-128)
    gb.op("AVERAGE_POOL_2D", ["d1"], ["p1"], stride_h=1, stride_w=1, padding="SAME")
    gb.tensor("p2", (1, 1, 1, 12), scale=0.1, zero_point=-128)
    gb.op("MAX_POOL_2D", ["p1"], ["p2"], activation="RELU")
    gb.const("mean_axis", np.array([1, 2], np.int32))
    gb.tensor("m1", (1, 1, 1, 6), scale=0.1, zero_point=-128)
    gb.op("MEAN", ["c1", "mean_axis"], ["m1"], keep_dims=True)
    gb.tensor("cat", (1, 1, 1, 18), scale=0.1, zero_point=-128)
    gb.op("CONCATENATION", ["p2", "m1"], ["cat"], axis=3)
    gb.tensor("sq", (1, 18), scale=0.1, zero_point=-128)
    gb.op("SQUEEZE", ["cat"], ["sq"], squeeze_dims=(1, 2))
    gb.const("shape", np.array([1, 18], np.int32))
    gb.tensor("r", (1, 18), scale=0.1, zero_point=-128)
    gb.op("RESHAPE", ["sq", "shape"], ["r"], new_shape=(1, 18))
    w, b = _weights(gb, rng, "fc", (8, 18), 0, 0.1)
    gb.tensor("f", (1, 8), scale=0.2, zero_point=5)
    gb.op("FULLY_CONNECTED", ["r", w, b], ["f"])
    gb.tensor("a", (1, 8), scale=0.3, zero_point=0)
    gb.op("ADD", ["f", "f"], ["a"], activation="RELU6")
    gb.tensor("s", (1, 8), scale=0.3, zero_point=1)
    gb.op("SUB", ["a", "f"], ["s"])
    gb.tensor("mu", (1, 8), scale=0.5, zero_point=-2)
    gb.op("MUL", ["s", "a"], ["mu"], activation="RELU")
    gb.const("paddings", np.array([[0, 0], [0, 1]], np.int32))
    gb.tensor("pd0", (1, 9), scale=0.5, zero_point=-2)
    gb.op("PAD", ["mu", "paddings"], ["pd0"])
    gb.const("paddings2", np.array([[0, 0], [1, 0]], np.int32))
    gb.const("pad_value", np.array(7, np.int8), scale=0.5, zero_point=-2)
    gb.tensor("pd", (1, 10), scale=0.5, zero_point=-2)
    gb.op("PADV2", ["pd0", "paddings2", "pad_value"], ["pd"])
    gb.tensor("lr", (1, 10), scale=0.25, zero_point=10)
    gb.op("LEAKY_RELU", ["pd"], ["lr"], alpha=0.25)
    gb.tensor("hs", (1, 10), scale=0.2, zero_point=-20)
    gb.op("HARD_SWISH", ["lr"], ["hs"])
    gb.tensor("re", (1, 10), scale=0.2, zero_point=-128)
    gb.op("RELU", ["hs"], ["re"])
    gb.tensor("r6", (1, 10), scale=6 / 255, zero_point=-128)
    gb.op("RELU6", ["re"], ["r6"])
    gb.tensor("lg", (1, 10), scale=1 / 256, zero_point=-128)
    gb.op("LOGISTIC", ["r6"], ["lg"])
    gb.tensor("th", (1, 10), scale=1 / 128, zero_point=0)
    gb.op("TANH", ["r6"], ["th"])
    gb.tensor("sm", (1, 10), scale=1 / 256, zero_point=-128)
    gb.op("SOFTMAX", ["r6"], ["sm"], beta=0.5)
    gb.tensor("sm2", (2, 5), scale=1 / 256, zero_point=-128)
    gb.op("RESHAPE", ["sm"], ["sm2"])  # single input, no new_shape: TFLM takes the output shape
    gb.tensor("out", (1, 10), "float32")
    gb.op("DEQUANTIZE", ["th"], ["out"])
    for name in ("lg", "sm2", "out"):
        gb.output(name)
    return gb.build()


def float_graph(seed: int = 1) -> Graph:
    rng = np.random.default_rng(seed)
    gb = GraphBuilder("float")
    gb.input("x", (1, 6, 6, 2), "float32")
    gb.const("w", rng.normal(size=(4, 3, 3, 2)).astype(np.float32))
    gb.const("b", rng.normal(size=4).astype(np.float32))
    gb.tensor("c", (1, 3, 3, 4), "float32")
    gb.op("CONV_2D", ["x", "w", "b"], ["c"], stride_h=2, stride_w=2, activation="RELU")
    gb.tensor("r", (1, 36), "float32")
    gb.op("RESHAPE", ["c"], ["r"], new_shape=(1, -1))
    gb.const("fw", rng.normal(size=(3, 36)).astype(np.float32))
    gb.tensor("y", (1, 3), "float32")
    gb.op("FULLY_CONNECTED", ["r", "fw", ""], ["y"])  # no bias: optional input -1
    gb.output("y")
    return gb.build()


def assert_graphs_equal(a: Graph, b: Graph) -> None:
    assert list(a.tensors) == list(b.tensors)
    for name, ta in a.tensors.items():
        tb = b.tensors[name]
        assert (ta.shape, ta.dtype) == (tb.shape, tb.dtype), name
        assert (ta.quant is None) == (tb.quant is None), name
        if ta.quant is not None:
            assert ta.quant.equals(tb.quant), name
            # A single scale is per-tensor in .tflite, whatever axis the IR carried.
            assert (ta.quant.axis if ta.quant.scale.size > 1 else None) == tb.quant.axis, name
        assert ta.is_const == tb.is_const, name
        if ta.is_const:
            assert ta.data.dtype == tb.data.dtype and np.array_equal(ta.data, tb.data), name
    assert len(a.operators) == len(b.operators)
    for oa, ob in zip(a.operators, b.operators):
        assert (oa.type, oa.inputs, oa.outputs, oa.attrs, oa.name) == \
               (ob.type, ob.inputs, ob.outputs, ob.attrs, ob.name)
    assert (a.inputs, a.outputs) == (b.inputs, b.outputs)


# -- round trips ------------------------------------------------------------------------------------
OP_TYPES = sorted(d.name for d in all_ops())


def test_all_ops_graph_covers_every_registered_op():
    assert {op.type for op in all_ops_graph().operators} == set(OP_TYPES)


@pytest.mark.parametrize("make", [all_ops_graph, float_graph])
def test_round_trip(make):
    graph = make()
    model = write_tflite(graph)
    assert model[4:8] == b"TFL3"
    assert_graphs_equal(graph, read_tflite(model))


def test_written_bytes_are_deterministic():
    assert write_tflite(all_ops_graph()) == write_tflite(all_ops_graph())


def _non_default(value, field_name):
    if field_name == "activation":
        return "RELU_N1_TO_1"
    if field_name == "padding":
        return "VALID" if value == "SAME" else "SAME"
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 2
    if isinstance(value, float):
        return 0.75
    return (0, 2) if field_name == "squeeze_dims" else (3, -1)


@pytest.mark.parametrize("op_type", OP_TYPES)
def test_every_attr_field_round_trips(op_type):
    attrs = get(op_type).attrs()
    for f in dataclasses.fields(attrs):
        setattr(attrs, f.name, _non_default(getattr(attrs, f.name), f.name))
    gb = GraphBuilder()
    gb.input("x", (1, 2, 2, 3), scale=0.1, zero_point=1)
    gb.tensor("y", (1, 2, 2, 3), scale=0.1, zero_point=1)
    gb.op(op_type, ["x"], ["y"], attrs=attrs)
    gb.output("y")
    # One input for every op type: a test of the options tables, not a model that makes sense.
    assert read_tflite(write_tflite(gb.build()), check=False).operators[0].attrs == attrs


def test_custom_and_other_ops_round_trip():
    gb = GraphBuilder()
    gb.input("x", (1, 4), "float32")
    gb.tensor("y", (1, 4), "float32")
    gb.tensor("z", (1, 4), "float32")
    gb.tensor("g", (1, 4), "float32")
    gb.op("CUSTOM:MyOp", ["x"], ["y"])
    gb.op("SIN", ["y"], ["z"])
    gb.op("GELU", ["z"], ["g"])  # builtin code 150: deprecated_builtin_code holds 127
    gb.output("g")
    model = write_tflite(gb.build())
    g = read_tflite(model)
    assert [op.type for op in g.operators] == ["CUSTOM:MyOp", "SIN", "GELU"]
    gelu_code = tflite.Model.GetRootAs(model, 0).OperatorCodes(2)
    assert (gelu_code.DeprecatedBuiltinCode(), gelu_code.BuiltinCode()) == (127, 150)


def test_converter_float_model_reads_and_rewrites_identically():
    graph = read_tflite(SINE_FLOAT)
    assert graph.name == "sine_float"
    assert [op.type for op in graph.operators] == ["FULLY_CONNECTED"] * 3
    assert graph.operators[0].attrs.activation == "RELU"
    assert all(t.quant is None for t in graph.tensors.values())
    rewritten = write_tflite(graph)
    assert_graphs_equal(graph, read_tflite(rewritten))
    x = np.array([[1.25]], np.float32)
    assert np.array_equal(run_tflm(SINE_FLOAT.read_bytes(), [x])[0], run_tflm(rewritten, [x])[0])


# -- TFLite-Micro accepts what the writer writes ------------------------------------------------------
def test_tflm_runs_the_all_ops_model():
    graph = all_ops_graph()
    x = np.random.default_rng(3).uniform(-1, 1, (1, 8, 8, 3)).astype(np.float32)
    outputs = run_tflm(write_tflite(graph), [x])
    for name, value in zip(graph.outputs, outputs):
        t = graph.tensors[name]
        assert (value.shape, str(value.dtype)) == (t.shape, t.dtype)


def test_tflm_runs_the_float_model():
    outputs = run_tflm(write_tflite(float_graph()), [np.ones((1, 6, 6, 2), np.float32)])
    assert outputs[0].shape == (1, 3) and outputs[0].dtype == np.float32


# -- models edited at the flatbuffer level (things the writer never produces) --------------------------
def _edit(model: bytes, change) -> bytes:
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as fb

    obj = fb.ModelT.InitFromPackedBuf(bytearray(model), 0)
    change(obj)
    builder = flatbuffers.Builder(1024)
    builder.Finish(obj.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def _tiny_graph() -> Graph:
    gb = GraphBuilder()
    gb.input("x", (1, 4, 4, 2), scale=0.1, zero_point=0)
    gb.tensor("y", (1, 4, 4, 2), scale=0.1, zero_point=0)
    gb.op("RELU", ["x"], ["y"])
    gb.output("y")
    return gb.build()


def _set_signature(signature):
    def change(obj):
        for t in obj.subgraphs[0].tensors:
            t.shapeSignature = list(signature)
    return change


def test_dynamic_batch_is_read_as_one():
    model = _edit(write_tflite(_tiny_graph()), _set_signature([-1, 4, 4, 2]))
    assert read_tflite(model).tensors["x"].shape == (1, 4, 4, 2)


def test_dynamic_shape_is_rejected_naming_the_tensor():
    model = _edit(write_tflite(_tiny_graph()), _set_signature([1, -1, -1, 2]))
    with pytest.raises(UnsupportedModelError, match=r"tensor 'x' has a dynamic shape \[1, -1, -1, 2\]"):
        read_tflite(model)


def test_duplicate_and_empty_names_are_made_unique():
    def rename(obj):
        obj.subgraphs[0].tensors[0].name = "t"
        obj.subgraphs[0].tensors[1].name = "t"
    g = read_tflite(_edit(write_tflite(_tiny_graph()), rename))
    assert list(g.tensors) == ["t", "t_1"]
    unnamed = _edit(write_tflite(_tiny_graph()), lambda o: setattr(o.subgraphs[0].tensors[0], "name", ""))
    g = read_tflite(unnamed)
    assert list(g.tensors) == ["tensor_0", "y"]


def test_other_subgraphs_are_ignored():
    import copy

    def add_subgraph(obj):
        obj.subgraphs.append(copy.deepcopy(obj.subgraphs[0]))
    assert_graphs_equal(_tiny_graph(), read_tflite(_edit(write_tflite(_tiny_graph()), add_subgraph)))


def test_data_stored_outside_the_flatbuffer_is_read():
    graph = float_graph()
    model = write_tflite(graph)
    w = graph.tensors["w"].data
    moved = {}

    def move_w_out(obj):
        index = [t.name for t in obj.subgraphs[0].tensors].index(b"w")
        buf = obj.buffers[obj.subgraphs[0].tensors[index].buffer]
        buf.data, buf.offset, buf.size = None, 1, w.nbytes  # offset patched below
        moved["index"] = obj.subgraphs[0].tensors[index].buffer
    edited = _edit(model, move_w_out)

    def set_offset(obj):
        obj.buffers[moved["index"]].offset = len(edited)
    edited = _edit(edited, set_offset)  # same size: only the offset value changed
    edited += w.astype("<f4").tobytes()
    assert np.array_equal(read_tflite(edited).tensors["w"].data, w)


def test_wrong_schema_version():
    model = _edit(write_tflite(_tiny_graph()), lambda o: setattr(o, "version", 2))
    with pytest.raises(ModelFormatError, match="schema version 2"):
        read_tflite(model)


def test_string_tensor_is_rejected_by_name():
    model = _edit(write_tflite(_tiny_graph()), lambda o: setattr(o.subgraphs[0].tensors[1], "type", 5))
    with pytest.raises(UnsupportedModelError, match="tensor 'y' has type STRING"):
        read_tflite(model)


def test_five_dim_activation_is_rejected():
    graph = Graph()  # built by hand: GraphBuilder.build() would refuse it already
    graph.add_tensor(Tensor("x", (1, 2, 2, 2, 2), "int8"))
    graph.add_tensor(Tensor("y", (1, 2, 2, 2, 2), "int8"))
    graph.add_op(Operator("RELU", ["x"], ["y"]))
    graph.inputs, graph.outputs = ["x"], ["y"]
    with pytest.raises(UnsupportedModelError, match=r"tensor 'x' has 5 dimensions"):
        read_tflite(write_tflite(graph))


# -- files that are not (whole) .tflite models -------------------------------------------------------
@pytest.mark.parametrize("data, message", [
    (b"", "is empty"),
    (b"\x01\x02\x03", "truncated .tflite file"),
    (b"hello, this is not a model\n", "not a .tflite model: it looks like a text file"),
    (b'{"format": "layers-model"}', "looks like a JSON/text file"),
    (b"\x08\x07\x12\x07pytorch\x1a\x052.1.0:\x90\x01\n\x8d", "looks like an ONNX model"),
    (b"PK\x03\x04\x14\x00\x00\x00" + bytes(40), "looks like a zip archive"),
    (b"\x89HDF\r\n\x1a\n" + bytes(40), "looks like an HDF5 file"),
    (b"\x10\x00\x00\x00CIR0" + bytes(40), "file identifier 'CIR0' instead of 'TFL3'"),
    (bytes(np.random.default_rng(5).integers(0x81, 256, 200, dtype=np.uint8)), "no 'TFL3' file identifier"),
    (b"\x10\x00\x00\x00TFL3" + bytes(np.random.default_rng(6).integers(0, 256, 300, dtype=np.uint8)),
     "truncated or corrupt"),
])
def test_bad_bytes(data, message):
    with pytest.raises(ModelFormatError, match=message):
        read_tflite(data)


@pytest.mark.parametrize("fraction", [0.01, 0.1, 0.3, 0.5, 0.9, 0.999])
def test_truncated_model(fraction):
    model = write_tflite(all_ops_graph())
    with pytest.raises(ModelFormatError, match="truncated"):
        read_tflite(model[: max(8, int(len(model) * fraction))])


def test_every_truncation_of_a_small_model_is_caught():
    model = write_tflite(_tiny_graph())
    for n in range(1, len(model)):
        with pytest.raises(ModelFormatError):
            read_tflite(model[:n])


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(ModelFormatError, match="not found"):
        read_tflite(tmp_path / "missing.tflite")
    (tmp_path / "empty.tflite").write_bytes(b"")
    with pytest.raises(ModelFormatError, match=r"empty\.tflite is empty"):
        read_tflite(str(tmp_path / "empty.tflite"))
    with pytest.raises(ModelFormatError, match="is a directory"):
        read_tflite(tmp_path)
    (tmp_path / "model.onnx").write_bytes(b"\x08\x07\x12\x07pytorch")
    with pytest.raises(ModelFormatError, match=r"model\.onnx is not a \.tflite model"):
        read_tflite(tmp_path / "model.onnx")
