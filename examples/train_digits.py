"""Train a small CNN on scikit-learn's handwritten digits and export it as a float .tflite,
the input of mcutool's post-training quantization example (`make demo`).

    pip install -e '.[train]'          # torch and scikit-learn, not needed by mcutool itself
    python examples/train_digits.py    # about 20 s on one core

Writes, next to this file:
- digits_cnn_float.tflite: the float32 model. Batch norm stays as separate MUL and ADD ops and
  ReLU as separate RELU ops, as an exporter that does not fuse would write them; mcutool's
  quantizer folds and fuses them itself.
- digits_calib.npz: x, 300 images from the training split, for calibration.
- digits_test.npz: x and y, the 540 held-out images and their labels.

Network: conv 3x3x8 + BN + ReLU, depthwise 3x3 + BN + ReLU, pointwise 1x1x16 + BN + ReLU,
max-pool 2x2, dense 10, softmax, on 8x8 grey images scaled to [0, 1]. Training is seeded and
single-threaded, so it gives the same model every time on the same torch version.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SEED = 2026
EPOCHS = 40
CALIB_SAMPLES = 300


def load_digits_split():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)[..., None]  # N, 8, 8, 1 in [0, 1]
    y = digits.target.astype(np.int64)
    return train_test_split(x, y, test_size=540, random_state=SEED, stratify=y)


def make_model():
    import torch.nn as nn
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(),
        nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False), nn.BatchNorm2d(8), nn.ReLU(),
        nn.Conv2d(8, 16, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 4 * 4, 10),
    )


def train(x_train: np.ndarray, y_train: np.ndarray):
    import torch
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    model = make_model()
    xt = torch.from_numpy(x_train).permute(0, 3, 1, 2).contiguous()
    yt = torch.from_numpy(y_train)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, EPOCHS)
    gen = torch.Generator().manual_seed(SEED)
    for _ in range(EPOCHS):
        model.train()
        for idx in torch.randperm(len(xt), generator=gen).split(64):
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
        sched.step()
    return model.eval()


def to_graph(model):
    """The trained torch model as a float mcutool graph (NHWC, OHWI weights)."""
    from mcutool.ir import Conv2DAttrs, DepthwiseConv2DAttrs, Pool2DAttrs
    from mcutool.ir.builder import GraphBuilder

    layers = list(model)
    b = GraphBuilder("digits_cnn")
    x = b.input("image", (1, 8, 8, 1), dtype="float32")
    shape = (1, 8, 8)

    def conv_bn_relu(prefix: str, conv, bn, x: str) -> str:
        w = conv.weight.detach().numpy()
        if conv.groups == 1:
            b.const(f"{prefix}/weights", w.transpose(0, 2, 3, 1).astype(np.float32))    # OIHW -> OHWI
            op, attrs = "CONV_2D", Conv2DAttrs(padding="SAME")
        else:
            b.const(f"{prefix}/weights", w.transpose(1, 2, 3, 0).astype(np.float32))    # C1HW -> 1HWC
            op, attrs = "DEPTHWISE_CONV_2D", DepthwiseConv2DAttrs(padding="SAME")
        c = w.shape[0]
        # The torch convs have no bias (batch norm follows), but TFLite-Micro's float
        # depthwise kernel needs one: a zero bias keeps the float model runnable there.
        b.const(f"{prefix}/bias", np.zeros(c, np.float32))
        b.tensor(f"{prefix}/conv", (*shape, c), dtype="float32")
        b.op(op, [x, f"{prefix}/weights", f"{prefix}/bias"], [f"{prefix}/conv"], attrs)
        # Batch norm (inference) as y * scale + shift, per channel.
        scale = (bn.weight / (bn.running_var + bn.eps).sqrt()).detach().numpy()
        shift = (bn.bias - bn.running_mean * (bn.weight / (bn.running_var + bn.eps).sqrt())).detach().numpy()
        b.const(f"{prefix}/bn_scale", scale.astype(np.float32))
        b.const(f"{prefix}/bn_shift", shift.astype(np.float32))
        b.tensor(f"{prefix}/scaled", (*shape, c), dtype="float32")
        b.op("MUL", [f"{prefix}/conv", f"{prefix}/bn_scale"], [f"{prefix}/scaled"])
        b.tensor(f"{prefix}/bn", (*shape, c), dtype="float32")
        b.op("ADD", [f"{prefix}/scaled", f"{prefix}/bn_shift"], [f"{prefix}/bn"])
        b.tensor(f"{prefix}/relu", (*shape, c), dtype="float32")
        b.op("RELU", [f"{prefix}/bn"], [f"{prefix}/relu"])
        return f"{prefix}/relu"

    x = conv_bn_relu("conv1", layers[0], layers[1], x)
    x = conv_bn_relu("dw1", layers[3], layers[4], x)
    x = conv_bn_relu("pw1", layers[6], layers[7], x)
    b.tensor("pool", (1, 4, 4, 16), dtype="float32")
    b.op("MAX_POOL_2D", [x], ["pool"], Pool2DAttrs(2, 2, 2, 2, "VALID"))
    b.const("flatten/shape", np.array([1, 256], np.int32))
    b.tensor("flatten", (1, 256), dtype="float32")
    b.op("RESHAPE", ["pool", "flatten/shape"], ["flatten"])
    dense = layers[11]
    # torch flattens NCHW (index c*16 + h*4 + w); the graph flattens NHWC ((h*4 + w)*16 + c).
    w = dense.weight.detach().numpy().reshape(10, 16, 4, 4).transpose(0, 2, 3, 1).reshape(10, 256)
    b.const("dense/weights", w.astype(np.float32))
    b.const("dense/bias", dense.bias.detach().numpy().astype(np.float32))
    b.tensor("logits", (1, 10), dtype="float32")
    b.op("FULLY_CONNECTED", ["flatten", "dense/weights", "dense/bias"], ["logits"])
    b.tensor("probs", (1, 10), dtype="float32")
    b.op("SOFTMAX", ["logits"], ["probs"])
    b.output("probs")
    return b.build()


def main() -> int:
    try:
        import torch
    except ImportError:
        print("train_digits.py needs the training extra: pip install -e '.[train]'", file=sys.stderr)
        return 1
    from mcutool.frontends.tflite import write_tflite
    from mcutool.quantize import run_float_batches

    x_train, x_test, y_train, y_test = load_digits_split()
    model = train(x_train, y_train)
    with torch.no_grad():
        torch_logits = model(torch.from_numpy(x_test).permute(0, 3, 1, 2).contiguous()).numpy()
    graph = to_graph(model)
    probs = run_float_batches(graph, x_test)[0].reshape(len(x_test), 10)
    # The exported graph must compute what torch computed (same predictions, close values).
    torch_probs = np.exp(torch_logits - torch_logits.max(1, keepdims=True))
    torch_probs /= torch_probs.sum(1, keepdims=True)
    assert np.allclose(probs, torch_probs, atol=1e-4), np.abs(probs - torch_probs).max()
    accuracy = float(np.mean(probs.argmax(1) == y_test))

    model = write_tflite(graph, description="mcutool example digits_cnn (float)")
    (HERE / "digits_cnn_float.tflite").write_bytes(model)
    np.savez_compressed(HERE / "digits_calib.npz", x=x_train[:CALIB_SAMPLES])
    np.savez_compressed(HERE / "digits_test.npz", x=x_test, y=y_test.astype(np.int32))
    print(f"float test accuracy {accuracy:.4f} on {len(x_test)} images; wrote digits_cnn_float.tflite, "
          f"digits_calib.npz ({CALIB_SAMPLES} images), digits_test.npz")
    return 0


if __name__ == "__main__":
    sys.exit(main())
