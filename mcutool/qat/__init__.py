"""Quantization-aware training: the float IR as a PyTorch module with fake quantization where
the int8 graph quantizes, trained with the straight-through estimator, then back to an int8 IR.

torch is optional (`pip install 'mcutool[qat]'`) and imported only when QAT runs:
`require_torch()` turns its absence into a clear McutoolError. The modules that subclass
torch.nn.Module (fake_quant, model, train) are imported after that check, never from here.
"""
from __future__ import annotations

from mcutool.errors import McutoolError

INSTALL_HINT = "pip install 'mcutool[qat]'"


class QatError(McutoolError):
    pass


def require_torch():
    """The torch module, or a QatError naming the install command."""
    try:
        import torch
    except ImportError:
        raise QatError(f"quantization-aware training needs PyTorch, which is not installed: {INSTALL_HINT}") from None
    return torch


__all__ = ["INSTALL_HINT", "QatError", "require_torch"]
