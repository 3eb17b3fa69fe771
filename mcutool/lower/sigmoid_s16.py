"""LOGISTIC and TANH with int16 input and output (the 16x8 scheme), as TFLite-Micro computes
them: the input is rescaled so that 3 * 4096 codes are one unit, then a 256-entry table of
sigmoid(i / 24) in unsigned Q0.16 is interpolated linearly (TANH reads it at twice the rate,
tanh(x) = 2 * sigmoid(2x) - 1), negative inputs mirrored.

SIGMOID_TABLE_U16 was measured on the oracle (tests/test_ops_int16.py re-measures it on every
run): TANH of a tensor with input scale 1/6144 maps input 128 * k exactly onto entry k with no
interpolation (output = entry - 32768), for k = 0..254; the last entry is the one value a
final interpolation step (input 32639) allows. It is close to, but not, round(65536 *
sigmoid(i / 24)): 44 entries differ by one.
"""
from __future__ import annotations

import numpy as np

from mcutool.ir import Graph, Operator
from mcutool.lower.calls import ConstArray, KernelCall, Lowered, TensorArg, Unsupported
from mcutool.lower.checks import per_tensor_quant
from mcutool.lower.quantize import single_io
from mcutool.lower.s16 import s16_scale

SIGMOID_TABLE_U16 = np.array([
    32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149,
    40794, 41432, 42064, 42688, 43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369,
    47911, 48443, 48964, 49475, 49975, 50464, 50942, 51409, 51865, 52311, 52745, 53169,
    53581, 53983, 54374, 54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433,
    57724, 58007, 58280, 58544, 58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370,
    60565, 60753, 60935, 61110, 61279, 61441, 61599, 61750, 61896, 62036, 62172, 62302,
    62428, 62549, 62666, 62778, 62886, 62990, 63090, 63186, 63279, 63368, 63454, 63536,
    63615, 63691, 63765, 63835, 63903, 63968, 64030, 64090, 64148, 64204, 64257, 64308,
    64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652, 64687, 64721, 64754, 64786,
    64816, 64845, 64873, 64900, 64926, 64950, 64974, 64997, 65019, 65039, 65060, 65079,
    65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208, 65221, 65234, 65246, 65258,
    65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360, 65367,
    65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433,
    65438, 65442, 65445, 65449, 65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474,
    65476, 65479, 65481, 65483, 65485, 65488, 65489, 65491, 65493, 65495, 65497, 65498,
    65500, 65501, 65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513,
    65514, 65515, 65516, 65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522,
    65523, 65523, 65524, 65524, 65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528,
    65528, 65528, 65529, 65529, 65529, 65529, 65530, 65530, 65530, 65530, 65531, 65531,
    65531, 65531, 65531, 65532, 65532, 65532, 65532, 65532, 65532, 65533, 65533, 65533,
    65533, 65533, 65533, 65533, 65533, 65534, 65534, 65534, 65534, 65534, 65534, 65534,
    65534, 65534, 65534, 65535,
], np.uint16)

INPUT_INTEGER_BITS = 3    # TFLite's int16 LOGISTIC/TANH read the input as Q3.12
OUTPUT_SCALE = 1.0 / 32768.0


def checked_log2(x: float) -> tuple[bool, int]:
    """TFLite's CheckedLog2: (whether x is a power of two within 1e-3 in the exponent, the
    rounded exponent), in float32."""
    log2 = np.float32(np.log(np.float32(x))) * np.float32(1.0 / np.log(np.float32(2.0)))
    rounded = np.float32(np.trunc(log2 + np.float32(np.copysign(0.5, log2))))
    return bool(abs(np.float32(log2 - rounded)) < np.float32(1e-3)), int(rounded)


def sigmoid_input_params(input_scale: float) -> tuple[int, int]:
    """(multiplier, right shift) taking an input code to units of 1 / (3 * 4096), as TFLM's
    LOGISTIC/TANH Prepare (a power-of-two scale of 2^-12 gives 3 and 0 exactly)."""
    pot, log2 = checked_log2(input_scale)
    if pot and (15 - INPUT_INTEGER_BITS) + log2 == 0:
        return 3, 0
    multiplier = float(np.float32(input_scale)) * 4096.0 * 3.0
    shift = 0
    while multiplier <= 32767.0 / 2.0 and shift <= 30:
        shift += 1
        multiplier *= 2.0
    if 32768 * int(multiplier) > (1 << 31) - 1:
        raise Unsupported(f"input scale {input_scale:g} is too large for int16 LOGISTIC/TANH "
                          "(the rescaled input overflows int32)")
    return int(multiplier), shift


def check_output(scale: float, zero_point: int, op_type: str) -> None:
    pot, log2 = checked_log2(scale)
    if zero_point != 0 or not pot or log2 != -15:
        raise Unsupported(f"int16 {op_type} output must be quantized (1/32768, 0), got ({scale:g}, "
                          f"{zero_point}); TFLite-Micro rejects other values")


def lower_sigmoid_s16(graph: Graph, op: Operator) -> Lowered:
    """16x8 LOGISTIC or TANH: mcu_logistic_s16 / mcu_tanh_s16 (TFLM's int16 reference)."""
    src, dst = single_io(graph, op)
    in_scale = s16_scale(src, "input")
    out_scale, out_zp = per_tensor_quant(dst, "output", "int16")
    check_output(out_scale, out_zp, op.type)
    multiplier, shift = sigmoid_input_params(in_scale)
    kernel = "mcu_logistic_s16" if op.type == "LOGISTIC" else "mcu_tanh_s16"
    return Lowered([KernelCall(kernel, [TensorArg(src.name), TensorArg(dst.name), src.size, multiplier, shift,
                                        ConstArray(SIGMOID_TABLE_U16, "uint16_t")])])
