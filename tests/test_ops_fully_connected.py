"""FULLY_CONNECTED: TFLite-Micro == numpy reference == generated C.

Covers per-tensor and per-channel weights (TF's converter emits per-channel), optional bias,
rank-2/3/4 inputs flattened to [batches, depth], keep_num_dims and every fused activation.
"""
import numpy as np
import pytest
from bitexact import check_bit_exact

from mcutool.errors import UnsupportedOpsError
from mcutool.ir import FullyConnectedAttrs
from mcutool.ir.analysis import op_macs
from mcutool.ir.builder import GraphBuilder
from mcutool.lower import lower_graph

ACTIVATIONS = ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")


def fc_graph(in_shape, units, depth=None, activation="NONE", per_channel=True, bias=True,
             keep_num_dims=False, seed=0):
    """One quantized FC: int8 weights [units, depth] (zp 0), int32 bias with scale
    in_scale * w_scale, random activation zero points, an output scale that keeps most outputs
    off the int8 rails. depth defaults to the input's last dimension."""
    rng = np.random.default_rng(seed)
    depth = depth or in_shape[-1]
    batches = int(np.prod(in_shape)) // depth
    in_scale, in_zp = float(rng.uniform(0.01, 0.1)), int(rng.integers(-128, 128))
    w_scale = rng.uniform(0.002, 0.02, units if per_channel else 1).astype(np.float32)
    b = GraphBuilder(f"fc_{seed}")
    b.input("x", in_shape, scale=in_scale, zero_point=in_zp)
    b.const("w", rng.integers(-127, 128, (units, depth)).astype(np.int8), scale=w_scale, zero_point=0,
            axis=0 if per_channel else None)
    inputs = ["x", "w"]
    if bias:
        b.const("b", rng.integers(-3000, 3000, units).astype(np.int32),
                scale=np.float32(in_scale) * w_scale, zero_point=0, axis=0 if per_channel else None)
        inputs.append("b")
    out_scale = in_scale * float(w_scale.mean()) * np.sqrt(depth) * 74 * 73 / 45
    out_shape = (*in_shape[:-1], units) if keep_num_dims else (batches, units)
    b.tensor("y", out_shape, scale=out_scale, zero_point=int(rng.integers(-100, 100)))
    b.op("FULLY_CONNECTED", inputs, ["y"], FullyConnectedAttrs(activation, keep_num_dims))
    b.output("y")
    return b.build()


# (in_shape, units, depth, activation, per_channel, bias, keep_num_dims)
FC_CASES = [
    ((1, 17), 10, None, "RELU", True, True, False),
    ((3, 64), 7, None, "NONE", False, False, False),
    ((1, 3, 3, 8), 5, 72, "RELU6", True, True, False),      # Flatten folded into the FC
    ((1, 3, 3, 8), 6, None, "NONE", False, True, False),    # rank 4, 9 rows of depth 8
    ((2, 3, 16), 5, None, "RELU6", True, True, True),       # keep_num_dims
    ((4, 130), 7, None, "RELU_N1_TO_1", False, True, False),
    ((1, 256), 32, None, "RELU", True, True, False),
]


@pytest.mark.parametrize("case", FC_CASES)
def test_fully_connected_bit_exact(case, c_path):
    in_shape, units, depth, act, per_channel, bias, keep = case
    graph = fc_graph(in_shape, units, depth, act, per_channel, bias, keep, seed=FC_CASES.index(case))
    check_bit_exact(graph, n=20, seed=3)


def test_kernel_choice_follows_weight_quantization():
    per_tensor = lower_graph(fc_graph((1, 8), 4, per_channel=False)).ops[0]
    per_channel = lower_graph(fc_graph((1, 8), 4, per_channel=True)).ops[0]
    assert per_tensor.calls[0].kernel == "arm_fully_connected_s8"
    assert per_channel.calls[0].kernel == "arm_fully_connected_per_channel_s8"
    graph = fc_graph((1, 8), 4, per_channel=False)
    assert op_macs(graph, graph.operators[0]) == 32
    assert per_tensor.calls[0].scratch_bytes == 0


def test_random_sweep_twins_match_tflm():
    rng = np.random.default_rng(11)
    for i in range(80):
        rank = int(rng.choice([2, 3, 4]))
        depth = int(rng.choice([1, 3, 8, 17, 64, 130]))
        in_shape = (*[int(rng.integers(1, 4)) for _ in range(rank - 1)], depth)
        graph = fc_graph(in_shape, int(rng.integers(1, 20)), None, str(rng.choice(ACTIVATIONS)),
                         bool(rng.integers(0, 2)), bool(rng.random() < 0.8), bool(rng.integers(0, 2)), seed=i)
        check_bit_exact(graph, n=4, seed=i, run_c=False)


def _unsupported(graph) -> str:
    with pytest.raises(UnsupportedOpsError) as info:
        lower_graph(graph)
    return str(info.value)


def test_hybrid_fc_is_unsupported():
    graph = fc_graph((1, 8), 4)
    graph.tensors["x"].dtype = "float32"
    assert "hybrid" in _unsupported(graph)


def test_weights_with_a_zero_point_are_unsupported():
    graph = fc_graph((1, 8), 4, per_channel=False)
    graph.tensors["w"].quant.zero_point[:] = -5
    assert "zero point" in _unsupported(graph)


def test_int16_output_is_unsupported():
    graph = fc_graph((1, 8), 4)
    graph.tensors["y"].dtype = "int16"
    assert "int16" in _unsupported(graph)


def test_twin_takes_a_weight_zero_point_as_tflite_micro_does():
    """TFLite-Micro accepts per-tensor FC weights with a zero point (TFLite's converters never
    make them, so the lowering keeps refusing them); the twin and the C kernel both compute it,
    the C against the same golden case in runtime_c/Tests."""
    from mcutool.abi.types import Activation, Dims, FcParams, PerTensorQuantParams
    from mcutool.oracle.golden import FC_CASES, fc_golden
    from mcutool.reference.kernels.fully_connected import arm_fully_connected_s8
    case = next(c for c in FC_CASES if c.filter_zp)
    g = fc_golden(case)
    params = FcParams(g["input_offset"], g["filter_offset"], g["output_offset"],
                      Activation(g["act_min"], g["act_max"]))
    out = np.zeros(np.asarray(g["expected"]).size, np.int8)
    arm_fully_connected_s8(None, params, PerTensorQuantParams(int(g["multiplier"][0]), int(g["shift"][0])),
                           Dims(*g["input_dims"]), g["input"].reshape(-1), Dims(*g["filter_dims"]),
                           g["filter"].reshape(-1), Dims(1, 1, 1, case.units), g["bias"],
                           Dims(*g["output_dims"]), out)
    np.testing.assert_array_equal(out, np.asarray(g["expected"]).reshape(-1))
