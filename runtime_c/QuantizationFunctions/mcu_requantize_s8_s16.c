/*
 * mcu_requantize_s8_s16: int8 -> int16 QUANTIZE (TFLite-Micro's Requantize, the 16x8 scheme's edges):
 *   out = clamp(MultiplyByQuantizedMultiplier(q + input_offset, multiplier, shift)
 *               + output_offset, act_min, act_max)
 * with QuantizeMultiplier(double(in_scale) / double(out_scale)); arguments as
 * mcu_requantize_s8, the clamp within the output type.
 */
#include "mcu_nnfunctions.h"
#include "arm_nnsupportfunctions.h"

arm_cmsis_nn_status mcu_requantize_s8_s16(const int8_t *input,
                                          int16_t *output,
                                          const int32_t size,
                                          const int32_t input_offset,
                                          const int32_t multiplier,
                                          const int32_t shift,
                                          const int32_t output_offset,
                                          const int32_t act_min,
                                          const int32_t act_max)
{
    int32_t i;
    for (i = 0; i < size; i++) {
        int32_t out = arm_nn_requantize(input[i] + input_offset, multiplier, shift) + output_offset;
        out = MAX(out, act_min);
        out = MIN(out, act_max);
        output[i] = (int16_t)out;
    }
    return ARM_CMSIS_NN_SUCCESS;
}
