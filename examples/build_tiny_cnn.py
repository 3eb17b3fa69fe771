"""Build the bundled example: a tiny int8 CNN (conv, depthwise, pooling, dense, softmax) for
16x16 grey images, with fixed pseudo-random weights, and a data file of 32 inputs.

Its weights are not trained; it exercises the toolchain end to end. Each activation scale is
set so that layer's outputs span the int8 range on the example data (a crude calibration done
with mcutool's own reference executor).

    python examples/build_tiny_cnn.py   # writes examples/tiny_cnn.tflite and tiny_cnn_data.npz
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from mcutool.frontends.tflite import write_tflite
from mcutool.ir import Conv2DAttrs, DepthwiseConv2DAttrs, FullyConnectedAttrs, Pool2DAttrs, QuantParams
from mcutool.ir.builder import GraphBuilder
from mcutool.lower import lower_graph
from mcutool.reference import run_reference

HERE = Path(__file__).resolve().parent
IN_SCALE, IN_ZP = 1.0 / 255.0, -128
WEIGHT_OPS = ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")


def weights(rng, shape, axis):
    w = rng.normal(0, 1, shape)
    scale = np.abs(w).max(axis=tuple(i for i in range(len(shape)) if i != axis)) / 127.0
    q = np.clip(np.round(w / np.expand_dims(scale, [i for i in range(len(shape)) if i != axis])), -127, 127)
    return q.astype(np.int8), scale.astype(np.float32)


def bias(rng, n, in_scale, w_scale):
    return np.round(rng.normal(0, 0.05, n) / (in_scale * w_scale)).astype(np.int32)


def build(rng) -> GraphBuilder:
    b = GraphBuilder("tiny_cnn")
    b.input("image", (1, 16, 16, 1), scale=IN_SCALE, zero_point=IN_ZP)
    w, ws = weights(rng, (8, 3, 3, 1), 0)
    b.const("conv1/weights", w, scale=ws, zero_point=0, axis=0)
    b.const("conv1/bias", bias(rng, 8, IN_SCALE, ws), scale=IN_SCALE * ws, zero_point=0, axis=0)
    b.tensor("conv1", (1, 16, 16, 8), scale=0.02, zero_point=-128)
    b.op("CONV_2D", ["image", "conv1/weights", "conv1/bias"], ["conv1"], Conv2DAttrs(activation="RELU"))
    w, ws = weights(rng, (1, 3, 3, 8), 3)
    b.const("dw1/weights", w, scale=ws, zero_point=0, axis=3)
    b.const("dw1/bias", bias(rng, 8, 0.02, ws), scale=0.02 * ws, zero_point=0, axis=0)
    b.tensor("dw1", (1, 8, 8, 8), scale=0.02, zero_point=-128)
    b.op("DEPTHWISE_CONV_2D", ["conv1", "dw1/weights", "dw1/bias"], ["dw1"],
         DepthwiseConv2DAttrs(stride_h=2, stride_w=2, activation="RELU6"))
    w, ws = weights(rng, (16, 1, 1, 8), 0)
    b.const("pw1/weights", w, scale=ws, zero_point=0, axis=0)
    b.const("pw1/bias", bias(rng, 16, 0.02, ws), scale=0.02 * ws, zero_point=0, axis=0)
    b.tensor("pw1", (1, 8, 8, 16), scale=0.02, zero_point=-128)
    b.op("CONV_2D", ["dw1", "pw1/weights", "pw1/bias"], ["pw1"], Conv2DAttrs(activation="RELU"))
    b.tensor("pool", (1, 4, 4, 16), scale=0.02, zero_point=-128)
    b.op("AVERAGE_POOL_2D", ["pw1"], ["pool"], Pool2DAttrs())
    b.const("flatten/shape", np.array([1, 256], np.int32))
    b.tensor("flatten", (1, 256), scale=0.02, zero_point=-128)
    b.op("RESHAPE", ["pool", "flatten/shape"], ["flatten"])
    w, ws = weights(rng, (10, 256), 0)
    b.const("dense/weights", w, scale=ws, zero_point=0, axis=0)
    b.const("dense/bias", bias(rng, 10, 0.02, ws), scale=0.02 * ws, zero_point=0, axis=0)
    b.tensor("logits", (1, 10), scale=0.1, zero_point=0)
    b.op("FULLY_CONNECTED", ["flatten", "dense/weights", "dense/bias"], ["logits"], FullyConnectedAttrs())
    b.tensor("probs", (1, 10), scale=1.0 / 256.0, zero_point=-128)
    b.op("SOFTMAX", ["logits"], ["probs"])
    b.output("probs")
    return b


def make_images(rng, n: int) -> np.ndarray:
    """Blobs and bars on a dark background: structured enough to give varied activations."""
    yy, xx = np.mgrid[0:16, 0:16]
    images = np.zeros((n, 16, 16, 1), np.float32)
    for i in range(n):
        cy, cx, r = rng.uniform(3, 13), rng.uniform(3, 13), rng.uniform(2, 6)
        blob = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r * r))
        bar = (np.abs(yy - rng.integers(16)) < 2) * rng.uniform(0.2, 1.0)
        images[i, :, :, 0] = np.clip(blob + bar.T * (i % 2) + rng.uniform(0, 0.1, (16, 16)), 0, 1)
    return images


def calibrate(b: GraphBuilder, images: np.ndarray) -> None:
    """Rescale each activation in schedule order so its outputs reach about +-120."""
    graph = b.graph
    q = np.clip(np.round(images / IN_SCALE) + IN_ZP, -128, 127).astype(np.int8)
    for op in graph.operators:
        if op.type in ("RESHAPE", "SOFTMAX", "AVERAGE_POOL_2D"):
            if op.type != "SOFTMAX":  # these keep their input's parameters
                graph.tensors[op.outputs[0]].quant = graph.tensors[op.inputs[0]].quant
            continue
        out = graph.tensors[op.outputs[0]]
        lowered = lower_graph(graph)
        values = np.stack([run_reference(lowered, [x], keep_all=True)[out.name] for x in q])
        real = (values.astype(np.float64) - out.zero_point) * out.scale
        relu = op.attrs.activation in ("RELU", "RELU6")
        span = max(float(real.max()), 1e-3) if relu else max(float(np.abs(real).max()), 1e-3)
        scale = span / (255.0 if relu else 120.0)
        out.quant = QuantParams.per_tensor(scale, -128 if relu else 0)
        for consumer in graph.operators:  # biases take the new input scale
            if op.outputs[0] in consumer.inputs and consumer.type in WEIGHT_OPS:
                w = graph.tensors[consumer.inputs[1]]
                bt = graph.tensors[consumer.inputs[2]]
                real_bias = bt.data.astype(np.float64) * bt.quant.scale
                new_scale = (np.float32(scale) * w.quant.scale).astype(np.float32)
                bt.data = np.round(real_bias / new_scale).astype(np.int32)
                bt.quant = QuantParams(new_scale, 0, axis=0)


def main() -> None:
    rng = np.random.default_rng(2026)
    b = build(rng)
    images = make_images(rng, 32)
    calibrate(b, images[:8])
    graph = b.build()
    (HERE / "tiny_cnn.tflite").write_bytes(write_tflite(graph, description="mcutool example tiny_cnn"))
    np.savez(HERE / "tiny_cnn_data.npz", x=images)  # untrained: no labels worth scoring
    print(f"wrote {HERE / 'tiny_cnn.tflite'} and {HERE / 'tiny_cnn_data.npz'}")


if __name__ == "__main__":
    main()
