/*
 * mcu_dequantize_s16_f32: int16 -> float32, bit-exact with TFLite-Micro's Dequantize:
 *   out = scale * (float)(q - zero_point), one float32 multiply (no double).
 */
#include "mcu_nnfunctions.h"

arm_cmsis_nn_status mcu_dequantize_s16_f32(const int16_t *input,
                                           float *output,
                                           const int32_t size,
                                           const float scale,
                                           const int32_t zero_point)
{
    int32_t i;
    for (i = 0; i < size; i++) {
        output[i] = scale * (float)(input[i] - zero_point);
    }
    return ARM_CMSIS_NN_SUCCESS;
}
