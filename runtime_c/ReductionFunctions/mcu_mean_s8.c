/*
 * mcutool runtime: mcu_mean_s8 -- int8 MEAN over any of the four dimensions of an NHWC tensor,
 * bit-exact with TFLite-Micro (the shared core, NNSupportFunctions/mcu_nn_mean_core.c, says
 * how).
 *
 * Ranges: input_offset = -input zero point in [-127, 128]; output_offset = output zero point
 * in [-128, 127]; multiplier >= 0; shift in [-31, 30]. Returns ARM_CMSIS_NN_ARG_ERROR on dims
 * that do not describe a reduction.
 */
#include "Internal/mcu_nn_mean.h"
#include "mcu_nnfunctions.h"

arm_cmsis_nn_status mcu_mean_s8(const cmsis_nn_dims *input_dims,
                                const int8_t *input_data,
                                const cmsis_nn_dims *output_dims,
                                int8_t *output_data,
                                const int32_t input_offset,
                                const int32_t output_offset,
                                const int32_t multiplier,
                                const int32_t shift)
{
    return mcu_nn_mean_core(input_dims, input_data, 1, output_dims, output_data, input_offset,
                            output_offset, multiplier, shift);
}
