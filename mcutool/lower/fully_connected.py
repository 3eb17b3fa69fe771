"""FullyConnectedFunctions helpers for the FULLY_CONNECTED lowering (mcutool/ops/): CMSIS-NN's
scratch size and the per-tensor multiplier, QuantizeMultiplier(double(in_scale) *
double(w_scale) / double(out_scale)). TFLM's kernel_util.cc (GetQuantizedConvolutionMultipler)
reads as if the per-tensor product were taken in float32 first, but the `tflite_micro` oracle
agrees with the all-double product on every case where the two differ (checked on 10 models
whose multipliers differ by a few Q31 units), so the double formula is the one to match.
"""
from __future__ import annotations

import numpy as np

from mcutool.abi.types import PerTensorQuantParams
from mcutool.fixedpoint import quantize_multiplier


def per_tensor_params(in_scale: float, w_scale: float, out_scale: float) -> PerTensorQuantParams:
    real = np.float64(in_scale) * np.float64(w_scale) / np.float64(out_scale)  # float32 scales, in double
    return PerTensorQuantParams(*quantize_multiplier(float(real)))
