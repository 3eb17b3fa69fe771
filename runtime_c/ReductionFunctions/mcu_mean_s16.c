/*
 * mcutool runtime: mcu_mean_s16, 16x8 MEAN, as mcu_mean_s8 on int16 codes (TFLite-Micro's
 * QuantizedMeanOrSum for int16: an int32 sum corrected by the input zero point, requantized
 * with 1/count folded into the multiplier), the clamp over int16. The shared core is
 * NNSupportFunctions/mcu_nn_mean_core.c.
 */
#include "Internal/mcu_nn_mean.h"
#include "mcu_nnfunctions.h"

arm_cmsis_nn_status mcu_mean_s16(const cmsis_nn_dims *input_dims,
                                 const int16_t *input_data,
                                 const cmsis_nn_dims *output_dims,
                                 int16_t *output_data,
                                 const int32_t input_offset,
                                 const int32_t output_offset,
                                 const int32_t multiplier,
                                 const int32_t shift)
{
    return mcu_nn_mean_core(input_dims, input_data, 2, output_dims, output_data, input_offset,
                            output_offset, multiplier, shift);
}
