/*
 * mcu_clamp_s8: out = min(max(in, act_min), act_max) on int8 codes, without requantizing.
 * This is TFLite-Micro's int8 RELU6 (lower = input zero point, upper = the input code of 6.0;
 * the output's scale and zero point are ignored, as TFLM does), and RELU when the input and
 * output quantization are identical.
 *   size     number of elements (>= 0)
 *   act_min  -128 <= act_min <= act_max <= 127
 * The output may alias the input (in-place).
 */
#include "mcu_nnfunctions.h"
#include "arm_nnsupportfunctions.h"

arm_cmsis_nn_status mcu_clamp_s8(const int8_t *input,
                                 int8_t *output,
                                 const int32_t size,
                                 const int32_t act_min,
                                 const int32_t act_max)
{
    int32_t i;
    for (i = 0; i < size; i++) {
        int32_t value = input[i];
        value = MAX(value, act_min);
        value = MIN(value, act_max);
        output[i] = (int8_t)value;
    }
    return ARM_CMSIS_NN_SUCCESS;
}
