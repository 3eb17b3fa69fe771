"""One module per operator, each registering its OpDef (see opdef.py). Every module is imported
here, explicitly, so the registry never depends on what else happens to be imported."""
from mcutool.ops import (  # noqa: F401  (after opdef: the modules register into it)
    add,
    concatenation,
    conv_2d,
    depthwise_conv_2d,
    dequantize,
    fully_connected,
    hard_swish,
    leaky_relu,
    logistic,
    mean,
    mul,
    pad,
    pool_2d,
    quantize,
    relu,
    relu6,
    reshape,
    softmax,
    squeeze,
    sub,
    tanh,
)
from mcutool.ops.opdef import OpDef, QuantRule, UnknownOpError, all_ops, attrs_of, find, get

__all__ = ["OpDef", "QuantRule", "UnknownOpError", "all_ops", "attrs_of", "find", "get"]
