/*
 * mcutool portable runtime: arm_depthwise_conv_s8_opt_get_buffer_size, the scratch
 * arm_depthwise_conv_s8_opt() needs: HK * WK * C * sizeof(int16_t) bytes, room for the filter
 * widened to int16 by the packed (Arm DSP) code path (it uses HK * WK * round_down(C, 4) * 2).
 * The same on every core, as arm_depthwise_conv_wrapper_s8_get_buffer_size() with a depth
 * multiplier of 1, so one arena plan suits every target.
 */
#include "arm_nnfunctions.h"

int32_t arm_depthwise_conv_s8_opt_get_buffer_size(const cmsis_nn_dims *input_dims,
                                                  const cmsis_nn_dims *filter_dims)
{
    return filter_dims->h * filter_dims->w * input_dims->c * (int32_t)sizeof(int16_t);
}
