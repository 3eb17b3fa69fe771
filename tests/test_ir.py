import numpy as np
import pytest

from mcutool.ir import Graph, GraphError, Operator, QuantParams, Tensor
from mcutool.ir.builder import GraphBuilder


def small_graph() -> GraphBuilder:
    b = GraphBuilder("g")
    b.input("x", (1, 4), scale=0.1, zero_point=0)
    b.tensor("h", (1, 4), scale=0.1, zero_point=0)
    b.tensor("y", (1, 4), scale=0.1, zero_point=0)
    b.op("RELU", ["h"], ["y"])
    b.op("RELU", ["x"], ["h"])
    b.output("y")
    return b


def test_topological_order_puts_producers_first():
    g = small_graph().build()
    assert [g.operators[i].inputs[0] for i in g.topological_order()] == ["x", "h"]
    g.sort()
    assert [op.outputs[0] for op in g.operators] == ["h", "y"]


def test_quant_params_per_tensor_and_per_channel():
    q = QuantParams.per_tensor(0.5, -3)
    assert not q.per_channel and q.scale.dtype == np.float32 and int(q.zero_point[0]) == -3
    qc = QuantParams(np.array([0.1, 0.2, 0.3]), 0, axis=0)
    assert qc.per_channel and qc.zero_point.tolist() == [0, 0, 0]


@pytest.mark.parametrize("breakage, message", [
    (lambda g: g.operators[0].inputs.__setitem__(0, "nope"), "unknown tensor 'nope'"),
    (lambda g: g.outputs.__setitem__(0, "x") or g.inputs.clear(), "no inputs"),
    (lambda g: g.operators.append(Operator("RELU", ["x"], ["y"])), "more than one operator"),
    (lambda g: g.tensors["h"].__setattr__("shape", (-1, 4)), "dynamic shape"),
    (lambda g: g.tensors["h"].__setattr__("shape", (1, 1, 1, 1, 4)), "at most 4"),
    (lambda g: g.operators[1].inputs.__setitem__(0, "y"), "cycle"),
])
def test_validate_catches_malformed_graphs(breakage, message):
    g = small_graph().build()
    breakage(g)
    with pytest.raises(GraphError, match=message):
        g.validate()


def test_unwritten_output_is_reported():
    g = Graph(name="g")
    g.add_tensor(Tensor("x", (1,), "int8"))
    g.add_tensor(Tensor("y", (1,), "int8"))
    g.inputs, g.outputs = ["x"], ["y"]
    with pytest.raises(GraphError, match="never written"):
        g.validate()


def test_duplicate_tensor_names_are_refused():
    g = Graph()
    g.add_tensor(Tensor("x", (1,), "int8"))
    with pytest.raises(GraphError, match="duplicate"):
        g.add_tensor(Tensor("x", (2,), "int8"))


def test_operators_must_be_stored_in_execution_order():
    g = small_graph().graph  # RELU(h) is stored before the RELU that writes h
    with pytest.raises(GraphError, match="reads tensor 'h' before operator #1 RELU writes it"):
        g.validate()


def test_constant_outputs_and_empty_tensors_are_refused():
    b = GraphBuilder("g")
    b.input("x", (1, 4), scale=0.1, zero_point=0)
    b.const("c", np.zeros((1, 4), np.int8), scale=0.1, zero_point=0)
    b.tensor("y", (1, 4), scale=0.1, zero_point=0)
    b.op("ADD", ["x", "c"], ["y"])
    b.output("y")
    b.output("c")
    with pytest.raises(GraphError, match="graph output 'c' is a constant"):
        b.build()
    b.graph.outputs.pop()
    b.graph.tensors["y"].shape = (1, 0)
    with pytest.raises(GraphError, match="no elements"):
        b.build()
