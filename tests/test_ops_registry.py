"""Every registered operator is complete: its .tflite schema mapping round-trips, it has float
semantics that agree with its int8 lowering, a quantization rule, an int8 lowering whose every
C function has a numpy twin and a public prototype, and a place in the all-ops model."""
from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest
import tflite
from zoo import all_ops_graph

from mcutool.codegen.prototypes import load_prototypes
from mcutool.frontends.tflite import read_tflite, write_tflite
from mcutool.frontends.tflite.schema_maps import op_code, op_type_name, union_type
from mcutool.ir import Tensor
from mcutool.ir.builder import GraphBuilder
from mcutool.lower import lower_graph
from mcutool.ops import UnknownOpError, all_ops, get
from mcutool.ops.opdef import FAMILIES
from mcutool.reference import run_reference
from mcutool.reference.float_exec import FloatEnv, as_float, eval_op
from mcutool.reference.kernels import load_all
from mcutool.resources import runtime_dir

OPS = all_ops()
NAMES = [d.name for d in OPS]
FIELD_KINDS = ("int", "bool", "float", "activation", "padding", "ints")


@pytest.fixture(scope="module")
def zoo():
    graph, samples = all_ops_graph()
    lowered = lower_graph(graph)
    values = run_reference(lowered, samples[0], keep_all=True)
    return graph, lowered, values


def test_unknown_operator_is_a_clear_error():
    with pytest.raises(UnknownOpError, match=r"unknown operator 'LSTM'.*CONV_2D"):
        get("LSTM")


def test_every_operator_module_registers_an_operator():
    import importlib

    from mcutool.ops import OP_MODULES, OpDef
    for name in OP_MODULES:
        module = importlib.import_module(f"mcutool.ops.{name}")
        defined = [v for v in vars(module).values() if isinstance(v, OpDef)]
        assert defined and all(get(d.name) is d for d in defined), name


def test_every_operator_has_a_place_in_the_all_ops_model(zoo):
    graph, _, _ = zoo
    assert {op.type for op in graph.operators} == set(NAMES)


# -- schema -----------------------------------------------------------------------------------
def _non_default(value, kind: str):
    if kind == "activation":
        return "RELU6"
    if kind == "padding":
        return "VALID" if value == "SAME" else "SAME"
    if kind == "bool":
        return not value
    if kind == "int":
        return value + 2
    return 0.75 if kind == "float" else (2, 3)


@pytest.mark.parametrize("name", NAMES)
def test_schema_maps_both_ways(name):
    opdef = get(name)
    code, custom = op_code(name)
    assert custom is None and op_type_name(code, None) == name
    assert opdef.family in FAMILIES
    attrs = opdef.attrs()
    if opdef.options is None:
        assert not dataclasses.fields(attrs), f"{name} has attributes but no options table"
    else:
        assert union_type(opdef.options) != tflite.BuiltinOptions.NONE
        mapped = {f.attr for f in opdef.options.fields}
        assert mapped == {f.name for f in dataclasses.fields(attrs)}, "every attr has exactly one field"
        for f in opdef.options.fields:
            assert f.kind in FIELD_KINDS
            assert hasattr(getattr(tflite, opdef.options.table), f.fb), f"{opdef.options.table}.{f.fb}"
            setattr(attrs, f.attr, _non_default(getattr(attrs, f.attr), f.kind))
    gb = GraphBuilder()
    gb.input("x", (1, 2, 2, 3), scale=0.1, zero_point=1)
    gb.tensor("y", (1, 2, 2, 3), scale=0.1, zero_point=1)
    gb.op(name, ["x"], ["y"], attrs=attrs)
    gb.output("y")
    back = read_tflite(write_tflite(gb.build()), check=False).operators[0]
    assert (back.type, back.attrs) == (name, attrs)


@pytest.mark.parametrize("name", NAMES)
def test_arity_is_consistent(name, zoo):
    opdef = get(name)
    low, high = opdef.inputs
    assert low >= 1 and (high is None or high >= low) and opdef.outputs >= 1
    assert all(low <= slot < (high if high is not None else 1 << 30) for slot in opdef.optional_inputs)
    graph, _, _ = zoo
    for op in graph.operators:
        if op.type == name:
            assert low <= len(op.inputs) and (high is None or len(op.inputs) <= high)
            assert len(op.outputs) == opdef.outputs


@pytest.mark.parametrize("name", NAMES)
def test_model_check_rules_are_listed_and_pass_on_the_all_ops_model(name, zoo):
    """Each operator names the shape (and, for int8 kernels, scale and sum) rules that the
    validation pass runs right after a model is read; the all-ops model passes them."""
    opdef = get(name)
    assert opdef.checks, f"{name} lists no model-check rules (mcutool.ir.op_rules)"
    graph, _, _ = zoo
    for i, op in enumerate(graph.operators):
        if op.type == name:
            for rule in opdef.checks:
                rule(f"operator #{i} {name}", graph, op)


# -- float semantics and quantization --------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_quantization_rule_is_well_formed(name):
    opdef = get(name)
    rule = opdef.quant
    assert rule.shared_scale in (None, "input", "inputs")
    assert rule.float_constants in ("own", "output", "reject")
    if rule.quantizable:
        assert opdef.float_eval is not None, f"{name} is quantizable but has no float semantics"
    if rule.weight_axis is not None:
        assert opdef.inputs == (2, 3) and 2 in opdef.optional_inputs, "weights at 1, optional bias at 2"
    if rule.fixed_output is not None:
        assert rule.shared_scale is None
        scale, zero_point = rule.fixed_output
        assert scale > 0 and -128 <= zero_point <= 127


def _float_graph(graph):
    """The int8 graph with every constant dequantized to float32."""
    g = copy.deepcopy(graph)
    for name, t in graph.tensors.items():
        if t.is_const and t.quant is not None:
            g.tensors[name] = Tensor(name, t.shape, "float32", None, as_float(t).astype(np.float32))
    return g


@pytest.mark.parametrize("name", NAMES)
def test_float_semantics_agree_with_the_int8_lowering(name, zoo):
    """Fed the dequantized int8 inputs, the float evaluation lands within 2.5 output steps of the
    dequantized int8 output (clipped to what int8 can hold): the same function, up to rounding."""
    graph, _, values = zoo
    if get(name).float_eval is None:
        assert not get(name).quant.quantizable
        return
    fgraph = _float_graph(graph)
    checked = 0
    for op in graph.operators:
        if op.type != name:
            continue
        env = FloatEnv(fgraph, 1)
        for n in op.inputs:
            t = graph.tensors[n] if n else None
            if t is not None and not t.is_const:
                # DEQUANTIZE reads integer codes; every other op reads real values.
                real = values[n] if name == "DEQUANTIZE" else as_float(Tensor(n, t.shape, t.dtype, t.quant, values[n]))
                env.values[n] = np.asarray(real, np.float32)[None]
        got = np.asarray(eval_op(env, op), np.float64).reshape(-1)
        out = graph.tensors[op.outputs[0]]
        if out.quant is None:  # DEQUANTIZE: float output, exact
            np.testing.assert_array_equal(got, values[out.name].reshape(-1))
        else:
            scale, zp = float(out.quant.scale[0]), int(out.quant.zero_point[0])
            want = (values[out.name].reshape(-1).astype(np.float64) - zp) * scale
            got = np.clip(got, (-128 - zp) * scale, (127 - zp) * scale)
            assert np.max(np.abs(got - want)) <= 2.5 * scale, f"{op.name}: float and int8 disagree"
        checked += 1
    assert checked


# -- lowering, twins, prototypes ---------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_lowering_emits_only_kernels_with_twins_and_prototypes(name, zoo):
    graph, lowered, _ = zoo
    assert "int8" in get(name).lower
    twins = load_all()
    prototypes = load_prototypes()
    sources = {p.stem for p in runtime_dir().glob("*/*.c")}
    seen = 0
    for op, low in zip(graph.operators, lowered.ops):
        if op.type != name:
            continue
        seen += 1
        if not low.calls:
            assert low.alias is not None, f"{op.name} neither calls a kernel nor aliases its input"
        for call in low.calls:
            assert call.kernel in twins, f"{call.kernel} has no numpy twin"
            assert call.kernel in prototypes, f"{call.kernel} has no prototype in the public headers"
            assert call.kernel in sources, f"{call.kernel} has no runtime_c/<Family>/{call.kernel}.c"
    assert seen


# -- int16 (16x8) lowerings ---------------------------------------------------------------------
def _int16_graphs() -> dict[str, list]:
    """One or more int16 graphs per operator that has an "int16" lowering."""
    from int16_graphs import to_int16
    from test_ops_conv import conv_graph
    from test_ops_elementwise import binary_graph
    from test_ops_fully_connected import fc_graph
    from test_ops_nonlinear import unary_graph as nonlinear_graph
    from test_ops_pooling import mean_graph, pool_graph
    from test_ops_quantize import unary_graph
    from test_ops_shapes import concat_graph, pad_graph

    def reshape(op_type: str):
        b = GraphBuilder(op_type.lower())
        b.input("x", (1, 2, 1, 3), "int16", scale=0.01, zero_point=0)
        b.tensor("y", (1, 2, 3) if op_type == "SQUEEZE" else (1, 6), "int16", scale=0.01, zero_point=0)
        b.op(op_type, ["x"], ["y"])
        b.output("y")
        return b.build()

    return {
        "CONV_2D": [to_int16(conv_graph((1, 5, 5, 3), 4, (3, 3)))],
        "DEPTHWISE_CONV_2D": [to_int16(conv_graph((1, 5, 5, 3), 0, (3, 3), depthwise=True))],
        "FULLY_CONNECTED": [to_int16(fc_graph((1, 8), 4, per_channel=False)),
                            to_int16(fc_graph((1, 8), 4, per_channel=True))],
        "ADD": [to_int16(binary_graph("ADD", (1, 4), (1, 4))), to_int16(binary_graph("ADD", (2, 4), (1, 4)))],
        "SUB": [to_int16(binary_graph("SUB", (1, 4), (1, 4))), to_int16(binary_graph("SUB", (2, 4), (1, 4)))],
        "MUL": [to_int16(binary_graph("MUL", (1, 4), (1, 4))), to_int16(binary_graph("MUL", (2, 4), (1, 4)))],
        "AVERAGE_POOL_2D": [to_int16(pool_graph("AVERAGE_POOL_2D", (1, 4, 4, 2), (2, 2), (2, 2), "VALID"))],
        "MAX_POOL_2D": [to_int16(pool_graph("MAX_POOL_2D", (1, 4, 4, 2), (2, 2), (2, 2), "VALID"))],
        "SOFTMAX": [nonlinear_graph("SOFTMAX", (1, 8), 1e-3, 0, 1 / 32768, 0, dtype="int16")],
        "LOGISTIC": [nonlinear_graph("LOGISTIC", (1, 8), 1e-3, 0, 1 / 32768, 0, dtype="int16")],
        "TANH": [nonlinear_graph("TANH", (1, 8), 1e-3, 0, 1 / 32768, 0, dtype="int16")],
        "QUANTIZE": [unary_graph("QUANTIZE", "float32", (None, None), "int16", (0.01, 0), (4,)),
                     unary_graph("QUANTIZE", "int8", (0.01, 3), "int16", (1e-4, 0), (4,)),
                     unary_graph("QUANTIZE", "int16", (1e-4, 0), "int8", (0.01, 3), (4,)),
                     unary_graph("QUANTIZE", "int16", (1e-4, 0), "int16", (2e-4, 0), (4,))],
        "DEQUANTIZE": [unary_graph("DEQUANTIZE", "int16", (0.01, 0), "float32", (None, None), (4,))],
        "MEAN": [to_int16(mean_graph((1, 4, 4, 3), [1, 2], True, False))],
        "RELU": [unary_graph("RELU", "int16", (1e-3, 0), "int16", (2e-3, 0), (4,))],
        "RELU6": [unary_graph("RELU6", "int16", (1e-3, 0), "int16", (1e-3, 0), (4,))],
        "PAD": [to_int16(pad_graph((1, 2, 2, 1), [[0, 0], [1, 0], [0, 1], [0, 0]]))],
        "PADV2": [to_int16(pad_graph((1, 2, 2, 1), [[0, 0], [1, 0], [0, 1], [0, 0]], value=3))],
        "CONCATENATION": [to_int16(concat_graph([(1, 2, 2, 1), (1, 2, 2, 3)], 3))],
        "LEAKY_RELU": [unary_graph("LEAKY_RELU", "int16", (1e-3, 0), "int16", (2e-3, 0), (4,))],
        "RESHAPE": [reshape("RESHAPE")],
        "SQUEEZE": [reshape("SQUEEZE")],
    }


INT16_NAMES = [d.name for d in OPS if "int16" in d.lower]


def test_every_int16_lowering_has_a_test_graph():
    assert set(INT16_NAMES) == set(_int16_graphs())


@pytest.mark.parametrize("name", INT16_NAMES)
def test_int16_lowering_emits_only_kernels_with_twins_and_prototypes(name):
    from mcutool.lower import data_type
    twins = load_all()
    prototypes = load_prototypes()
    sources = {p.stem for p in runtime_dir().glob("*/*.c")}
    for graph in _int16_graphs()[name]:
        [op] = graph.operators
        assert op.type == name and data_type(graph, op) == "int16"
        [low] = lower_graph(graph).ops
        if not low.calls:
            assert low.alias is not None, f"{op.name} neither calls a kernel nor aliases its input"
        for call in low.calls:
            assert call.kernel in twins, f"{call.kernel} has no numpy twin"
            assert call.kernel in prototypes, f"{call.kernel} has no prototype in the public headers"
            assert call.kernel in sources, f"{call.kernel} has no runtime_c/<Family>/{call.kernel}.c"
