"""The s16 kernels' contexts against ARM's CMSIS-NN (cmsis_nn): its s16 buffer-size functions,
compiled for the host from its sources, equal the Python formulas (mcutool.abi.cmsis_sizes) on
every ISA, and the planned scratch is never smaller on any core a layout suits."""

import numpy as np
import pytest
from test_abi import _conv, _dw, _random_layers, _scratch, cmsis_nn_sizes

from mcutool.abi import CONTEXT, ISAS, context_for, covers
from mcutool.abi import cmsis_sizes as cmsis
from mcutool.abi.types import Dims

DRIVER = r"""
#include <stdio.h>
#include "arm_nnfunctions.h"
/* As tests/test_abi.py's driver, for the s16 buffer-size functions. */
int main(void) {
    cmsis_nn_dims x, f, y;
    int sw, sh, pw, ph, dw, dh, mult;
    while (scanf("%d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d", &x.n, &x.h, &x.w, &x.c,
                 &f.n, &f.h, &f.w, &f.c, &y.n, &y.h, &y.w, &y.c, &sw, &sh, &pw, &ph, &dw, &dh, &mult) == 19) {
        cmsis_nn_conv_params p = {0};
        cmsis_nn_dw_conv_params d = {0};
        p.stride.w = d.stride.w = sw; p.stride.h = d.stride.h = sh;
        p.padding.w = d.padding.w = pw; p.padding.h = d.padding.h = ph;
        p.dilation.w = d.dilation.w = dw; p.dilation.h = d.dilation.h = dh;
        d.ch_mult = mult;
        cmsis_nn_dims cf = {y.c, f.h, f.w, x.c};
        cmsis_nn_dims fc = {x.c, 1, 1, y.c};
        printf("%d %d %d %d %d %d %d %d %d %d %d %d\n",
               (int)arm_convolve_wrapper_s16_get_buffer_size(&p, &x, &cf, &y),
               (int)arm_convolve_wrapper_s16_get_buffer_size_dsp(&p, &x, &cf, &y),
               (int)arm_convolve_wrapper_s16_get_buffer_size_mve(&p, &x, &cf, &y),
               (int)arm_depthwise_conv_wrapper_s16_get_buffer_size(&d, &x, &f, &y),
               (int)arm_depthwise_conv_wrapper_s16_get_buffer_size_dsp(&d, &x, &f, &y),
               (int)arm_depthwise_conv_wrapper_s16_get_buffer_size_mve(&d, &x, &f, &y),
               (int)arm_fully_connected_s16_get_buffer_size(&fc),
               (int)arm_fully_connected_s16_get_buffer_size_dsp(&fc),
               (int)arm_fully_connected_s16_get_buffer_size_mve(&fc),
               (int)arm_avgpool_s16_get_buffer_size(y.w, x.c),
               (int)arm_avgpool_s16_get_buffer_size_dsp(y.w, x.c),
               (int)arm_avgpool_s16_get_buffer_size_mve(y.w, x.c));
    }
    return 0;
}
"""


@pytest.mark.cmsis_nn
def test_s16_scratch_sizes_are_cmsis_nns_own(cmsis_nn_path, tmp_path):
    layers = _random_layers(np.random.default_rng(2027), 2000)
    rows = cmsis_nn_sizes(cmsis_nn_path, tmp_path, DRIVER, [
        "ConvolutionFunctions/arm_convolve_get_buffer_sizes_s16.c",
        "ConvolutionFunctions/arm_depthwise_conv_get_buffer_sizes_s16.c",
        "FullyConnectedFunctions/arm_fully_connected_get_buffer_sizes_s16.c",
        "PoolingFunctions/arm_avgpool_get_buffer_sizes_s16.c"], layers)
    for layer, row in zip(layers, rows):
        x, df, y, stride, pad, dil, mult = layer
        conv = _conv(x, (y[3], df[1], df[2], x[3]), stride, pad, dil, y)
        dw = _dw(x, df, mult, stride, pad, dil, y)
        got = {
            "conv": [cmsis.convolve_wrapper_s16(isa, conv[1], conv[2]) for isa in ISAS],
            "dw": [cmsis.depthwise_conv_wrapper_s16(isa, dw[0], dw[1], dw[2]) for isa in ISAS],
            "fc": [0, 0, 0],
            "avg": [cmsis.avgpool_s16(isa, x[3]) for isa in ISAS],
        }
        want = {"conv": row[0:3], "dw": row[3:6], "fc": row[6:9], "avg": row[9:12]}
        assert got == want, f"layer {layer}"
        pool = [CONTEXT, None, Dims(*x), None, None, Dims(*y), None]
        for planned in ISAS:
            for i, core in enumerate(ISAS):
                if not covers(planned, core):
                    continue
                what = f"{planned} layout, CMSIS-NN {core}, layer {layer}"
                assert _scratch("arm_convolve_wrapper_s16", *conv, planned) >= row[i], f"conv: {what}"
                assert _scratch("arm_depthwise_conv_wrapper_s16", *dw, planned) >= row[3 + i], f"dw: {what}"
                assert context_for("arm_avgpool_s16", pool, planned, lambda _: None).size >= row[9 + i], \
                    f"avgpool: {what}"
