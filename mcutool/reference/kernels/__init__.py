"""Numpy twins of the C runtime's kernels: same name, same arguments, same integer results.

A twin receives flat numpy views for tensor pointers (outputs are written in place), numpy
arrays for constant arrays, the mcutool.abi.types dataclasses for structs, and ints/floats.
"""
from __future__ import annotations

from collections.abc import Callable

TWINS: dict[str, Callable] = {}


def twin(*kernel_names: str):
    def register(fn: Callable) -> Callable:
        for name in kernel_names:
            TWINS[name] = fn
        return fn
    return register


def load_all() -> dict[str, Callable]:
    # Importing the family modules (named after CMSIS-NN's folders) registers their twins.
    from mcutool.reference.kernels import (  # noqa: F401
        activations,
        basic_math,
        codebook,
        concatenation,
        conv,
        fully_connected,
        pad,
        pooling,
        quantize,
        reduction,
        softmax,
    )
    return TWINS
