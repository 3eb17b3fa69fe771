/*
 * mcu_requantize_s8: int8 -> int8 rescale, bit-exact with TFLite-Micro's Requantize (QUANTIZE
 * int8 -> int8) and its int8 RELU (ReluQuantized), which is the same with a lower clamp:
 *   out = clamp(MultiplyByQuantizedMultiplier(q + input_offset, multiplier, shift) + output_offset,
 *               act_min, act_max)
 *   input_offset   -input zero point, [-127, 128]
 *   multiplier/shift  QuantizeMultiplier(in_scale / out_scale): multiplier in [2^30, 2^31) or 0,
 *                  shift in [-31, 30] (positive = left)
 *   output_offset  output zero point, [-128, 127]
 *   act_min/max    -128 <= act_min <= act_max <= 127 (QUANTIZE: -128, 127; RELU: max(-128, zp), 127)
 *   size           number of elements (>= 0)
 * The output may alias the input (in-place).
 */
#include "mcu_nnfunctions.h"
#include "arm_nnsupportfunctions.h"

arm_cmsis_nn_status mcu_requantize_s8(const int8_t *input,
                                      int8_t *output,
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
        output[i] = (int8_t)out;
    }
    return ARM_CMSIS_NN_SUCCESS;
}
