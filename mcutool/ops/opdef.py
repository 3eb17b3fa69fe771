"""OpDef, the one definition of an operator, and the registry every stage reads it from.

An OpDef says everything mcutool knows about one TFLite builtin operator: its attributes and
their .tflite options table (read and written through the same description), its arity, its
float semantics (calibration), how it is quantized, its MACs, and its lowering per data type.
The operator modules in this package each register one or two OpDefs; `mcutool.ops` imports
all of them, so the registry is complete as soon as the package is imported.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mcutool.errors import McutoolError
from mcutool.ir.attrs import NoAttrs

if TYPE_CHECKING:
    import numpy as np

    from mcutool.ir import Graph, Operator
    from mcutool.lower.calls import Lowered
    from mcutool.qat.env import TorchEnv
    from mcutool.reference.float_exec import FloatEnv

# CMSIS-NN's source folders, the family names used by runtime_c/, lower/ and reference/kernels/.
FAMILIES = ("ActivationFunctions", "BasicMathFunctions", "ConcatenationFunctions",
            "ConvolutionFunctions", "FullyConnectedFunctions", "PadFunctions", "PoolingFunctions",
            "QuantizationFunctions", "ReductionFunctions", "ReshapeFunctions", "SoftmaxFunctions")


@dataclass(frozen=True)
class Field:
    """One field of a .tflite options table and the attrs field it maps to."""

    attr: str       # field of the IR attrs dataclass
    fb: str         # field name in the flatbuffer table (getter `X()`, adder `<Table>AddX`)
    kind: str       # "int", "bool", "float", "activation", "padding", "ints" (int32 vector)


@dataclass(frozen=True)
class OptionsTable:
    """A BuiltinOptions table; tables without fields are written empty, as TensorFlow does."""

    table: str              # e.g. "Conv2DOptions"; also the BuiltinOptions union member name
    fields: tuple[Field, ...] = ()


ACTIVATION_FIELD = Field("activation", "FusedActivationFunction", "activation")
PADDING_FIELD = Field("padding", "Padding", "padding")
STRIDE_FIELDS = (Field("stride_h", "StrideH", "int"), Field("stride_w", "StrideW", "int"))
DILATION_FIELDS = (Field("dilation_h", "DilationHFactor", "int"),
                   Field("dilation_w", "DilationWFactor", "int"))


@dataclass(frozen=True)
class QuantRule:
    """How post-training quantization treats the operator (TFLite's int8 spec).

    fixed_output: the output's (scale, zero point) whatever its range (SOFTMAX, LOGISTIC, TANH).
    shared_scale: "input" = the output shares input 0's parameters (TFLite-Micro copies or
        clamps codes without rescaling); "inputs" = it shares them with every non-constant input
        whose parameters are not fixed elsewhere (those are requantized with a QUANTIZE).
    weight_axis: input 1 is int8 symmetric weights, per channel along this axis, and input 2 an
        int32 bias at input_scale * weight_scale (created as zeros when absent).
    weight_input_axis: the weights' axis that meets the input's channels (element i of it reads
        input channel i % channels); cross-layer equalization scales along it.
    float_constants: what a float constant operand becomes: "own" = int8 per tensor over its own
        range, "output" = int8 with the output's parameters, "reject" = a QuantizeError.
    min_output_scale: the output scale must be at least input scale times this (TFLM refuses
        less); the range is widened when it is not.
    quantizable: False for the ops that only exist at a model's float edges.
    """

    fixed_output: tuple[float, int] | None = None
    shared_scale: str | None = None
    weight_axis: int | None = None
    weight_input_axis: int | None = None
    float_constants: str = "reject"
    min_output_scale: float | None = None
    quantizable: bool = True


FloatFn = Callable[["FloatEnv", "Operator"], "np.ndarray"]
TorchFn = Callable[["TorchEnv", "Operator"], Any]   # returns a torch.Tensor (torch is optional)
LowerFn = Callable[["Graph", "Operator"], "Lowered"]
MacsFn = Callable[["Graph", "Operator"], int]
IdentityFn = Callable[["Graph", "Operator"], bool]
CheckFn = Callable[[str, "Graph", "Operator"], None]   # mcutool.ir.op_rules


def no_macs(graph: Graph, op: Operator) -> int:
    """Ops that only move, compare or look up values."""
    del graph, op
    return 0


@dataclass(frozen=True)
class OpDef:
    name: str                                  # TFLite builtin operator name
    family: str                                # CMSIS-NN folder of its kernels (FAMILIES)
    attrs: type = NoAttrs                      # IR attributes dataclass
    options: OptionsTable | None = None        # .tflite options table (None: written without)
    inputs: tuple[int, int | None] = (1, 1)    # (min, max) operand count; None = unbounded
    optional_inputs: tuple[int, ...] = ()      # slots that may be absent ("" in the IR)
    outputs: int = 1
    float_eval: FloatFn | None = None          # float32 numpy semantics, batched (FloatEnv)
    quant: QuantRule = QuantRule()
    macs: MacsFn = no_macs
    lower: Mapping[str, LowerFn] = field(default_factory=dict)   # data type -> lowering
    fuses_activation: bool = False             # a following RELU/RELU6 may fold into it
    fused_as: str | None = None                # the fused activation this op is equivalent to
    identity: IdentityFn | None = None         # true when the op computes nothing (prepare drops it)
    channelwise: bool = False                  # commutes with a positive per-channel scale
                                               # (cross-layer equalization looks through it)
    checks: tuple[CheckFn, ...] = ()           # model-check rules run right after reading
                                               # (shapes, windows, effective scales, int32 sums)
    torch_forward: TorchFn | None = None       # the float semantics in torch, for quantization-
                                               # aware training (mcutool/qat/env.py: TorchEnv)


class UnknownOpError(McutoolError):
    pass


_REGISTRY: dict[str, OpDef] = {}


def register(opdef: OpDef) -> OpDef:
    if opdef.name in _REGISTRY:
        raise ValueError(f"operator {opdef.name} is defined twice")
    if opdef.family not in FAMILIES:
        raise ValueError(f"{opdef.name}: unknown family {opdef.family!r}")
    _REGISTRY[opdef.name] = opdef
    return opdef


def find(op_type: str) -> OpDef | None:
    """The definition, or None for an operator mcutool does not know."""
    return _REGISTRY.get(op_type)


def get(op_type: str) -> OpDef:
    """The definition; an UnknownOpError names the known operators otherwise."""
    opdef = _REGISTRY.get(op_type)
    if opdef is None:
        raise UnknownOpError(f"unknown operator {op_type!r}; mcutool knows {', '.join(sorted(_REGISTRY))}")
    return opdef


def all_ops() -> list[OpDef]:
    return [_REGISTRY[name] for name in sorted(_REGISTRY)]


def attrs_of(op_type: str) -> Any:
    """Default attributes of an op type (NoAttrs for unknown operators)."""
    opdef = _REGISTRY.get(op_type)
    return (opdef.attrs if opdef else NoAttrs)()
