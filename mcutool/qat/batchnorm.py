"""Batch norm with batch statistics around a layer, for QAT (Jacob et al. 2018), the
alternative to training the frozen fold that prepare() leaves (QatOptions.batch_norm).

The .tflite holds only the inference-time affine (already folded into the weights by
prepare), so the statistics are measured again: on the calibration samples, the layer's
pre-activation output y = conv(x, w) has per-channel mean mu and variance var; with
gamma = sqrt(var + eps) and beta = mu + b the block computes exactly the prepared layer. In
training, y's batch statistics replace mu and var, the folded weights w * gamma / sigma_B are
fake-quantized afresh every step, and the running statistics follow (momentum); once frozen,
and for the export, the running ones fold in.
"""
from __future__ import annotations

import torch
from torch import nn

EPS = 1e-3
MOMENTUM = 0.1


def channel_stats(y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel mean and (biased) variance of a module-layout output (channels on dim 1)."""
    dims = [d for d in range(y.dim()) if d != 1]
    return y.mean(dim=dims), y.var(dim=dims, unbiased=False)


class BatchStatFold(nn.Module):
    def __init__(self, mean: torch.Tensor, var: torch.Tensor, bias: torch.Tensor):
        super().__init__()
        self.gamma = nn.Parameter(torch.sqrt(var + EPS))
        self.beta = nn.Parameter(mean + bias)
        self.running_mean: torch.Tensor
        self.running_var: torch.Tensor
        self.register_buffer("running_mean", mean.clone())
        self.register_buffer("running_var", var.clone())
        self.frozen = False

    def fold(self, y_pre: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        """(per-channel weight factor, bias): from y_pre's batch statistics when given (and
        the running statistics updated), else from the running statistics."""
        if y_pre is not None:
            mean, var = channel_stats(y_pre)
            with torch.no_grad():
                self.running_mean.mul_(1 - MOMENTUM).add_(MOMENTUM * mean)
                self.running_var.mul_(1 - MOMENTUM).add_(MOMENTUM * var)
        else:
            mean, var = self.running_mean, self.running_var
        factor = self.gamma / torch.sqrt(var + EPS)
        return factor, self.beta - factor * mean
