"""The numpy twins of the convolutions on runtime_c's golden cases (TFLite-Micro's outputs,
mcutool.oracle.golden): grouped convolution, and depthwise with filter_dims.c unset, which the
lowering does not emit yet but the C kernels and their twins accept."""
from dataclasses import replace

import numpy as np
import pytest

from mcutool.abi.types import Activation, ConvParams, Dims, DwConvParams, PerChannelQuantParams, Tile
from mcutool.oracle.golden import CONV_CASES, DW_CASES, conv_golden
from mcutool.reference.kernels.conv import arm_convolve_wrapper_s8, arm_depthwise_conv_wrapper_s8


def _args(v):
    stride, padding, dilation = (Tile(w, h) for h, w in (v["stride"], v["padding"], v["dilation"]))
    act = Activation(v["act_min"], v["act_max"])
    quant = PerChannelQuantParams(v["multiplier"], v["shift"])
    return stride, padding, dilation, act, quant


@pytest.mark.parametrize("case", CONV_CASES, ids=lambda c: c.name)
def test_conv_twin_matches_tflm_grouped_or_not(case):
    v = conv_golden(case)
    stride, padding, dilation, act, quant = _args(v)
    params = ConvParams(v["input_offset"], v["output_offset"], stride, padding, dilation, act)
    out = np.zeros(v["expected"].size, np.int8)
    arm_convolve_wrapper_s8(None, params, quant, Dims(*v["input_dims"]), v["input"].reshape(-1),
                            Dims(*v["filter_dims"]), v["filter"].reshape(-1), None, v["bias"],
                            Dims(*v["output_dims"]), out)
    np.testing.assert_array_equal(out, v["expected"].reshape(-1))


def test_conv_twin_rejects_groups_that_do_not_divide():
    v = conv_golden(CONV_CASES[3])
    stride, padding, dilation, act, quant = _args(v)
    params = ConvParams(v["input_offset"], v["output_offset"], stride, padding, dilation, act)
    with pytest.raises(ValueError, match="groups"):
        arm_convolve_wrapper_s8(None, params, quant, Dims(*v["input_dims"]), v["input"].reshape(-1),
                                replace(Dims(*v["filter_dims"]), c=3), v["filter"].reshape(-1), None, v["bias"],
                                Dims(*v["output_dims"]), np.zeros(v["expected"].size, np.int8))


@pytest.mark.parametrize("case", DW_CASES, ids=lambda c: c.name)
def test_depthwise_twin_does_not_read_filter_depth(case):
    v = conv_golden(case)
    stride, padding, dilation, act, quant = _args(v)
    params = DwConvParams(v["input_offset"], v["output_offset"], v["ch_mult"], stride, padding, dilation, act)
    for filter_c in (v["filter_dims"][3], 0):
        out = np.zeros(v["expected"].size, np.int8)
        arm_depthwise_conv_wrapper_s8(None, params, quant, Dims(*v["input_dims"]), v["input"].reshape(-1),
                                      replace(Dims(*v["filter_dims"]), c=filter_c), v["filter"].reshape(-1),
                                      None, v["bias"], Dims(*v["output_dims"]), out)
        np.testing.assert_array_equal(out, v["expected"].reshape(-1))
