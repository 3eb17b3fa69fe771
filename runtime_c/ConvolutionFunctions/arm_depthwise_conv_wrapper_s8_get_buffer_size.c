/*
 * mcutool portable runtime: arm_depthwise_conv_wrapper_s8_get_buffer_size. With a depth
 * multiplier of 1 the kernel's packed (Arm DSP) code path widens the filter's whole groups of
 * four channels to int16 once per call: it needs HK * WK * round_down(C, 4) * 2 bytes. The size
 * asked for is HK * WK * C * 2 bytes, what ARM's CMSIS-NN asks for on DSP targets in the
 * ch_mult 1 cases that need scratch, so the same arena suits either library. Otherwise 0.
 * The Helium (MVE) path uses none of it; the size stays the same on every core.
 */
#include "arm_nnfunctions.h"

int32_t arm_depthwise_conv_wrapper_s8_get_buffer_size(const cmsis_nn_dw_conv_params *dw_conv_params,
                                                      const cmsis_nn_dims *input_dims,
                                                      const cmsis_nn_dims *filter_dims,
                                                      const cmsis_nn_dims *output_dims)
{
    (void)output_dims;
    if (dw_conv_params->ch_mult != 1) {
        return 0;
    }
    return filter_dims->h * filter_dims->w * input_dims->c * (int32_t)sizeof(int16_t);
}
