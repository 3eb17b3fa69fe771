/*
 * mcu_leaky_relu_s8: int8 LEAKY_RELU, bit-exact with TFLite-Micro's QuantizeLeakyRelu:
 *   x = q + input_offset
 *   out = clamp(output_offset + MultiplyByQuantizedMultiplier(x, x >= 0 ? identity : alpha), -128, 127)
 *   input_offset       -input zero point, [-127, 128]
 *   output_offset      output zero point, [-128, 127]
 *   identity_mult/shift  QuantizeMultiplier(in_scale / out_scale)
 *   alpha_mult/shift     QuantizeMultiplier(in_scale * alpha / out_scale); the multiplier is
 *                        negative when alpha < 0 and 0 when alpha is 0
 *   shifts in [-31, 30] (positive = left); size >= 0
 * The output may alias the input (in-place).
 */
#include "mcu_nnfunctions.h"
#include "arm_nnsupportfunctions.h"

/* MultiplyByQuantizedMultiplier for a multiplier of either sign (saturating doubling multiply). */
static int32_t scale_signed(const int32_t value, const int32_t multiplier, const int32_t shift)
{
    const int32_t shifted = (int32_t)((uint32_t)value << LEFT_SHIFT(shift));
    return arm_nn_divide_by_power_of_two(arm_nn_doubling_high_mult(shifted, multiplier),
                                         RIGHT_SHIFT(shift));
}

arm_cmsis_nn_status mcu_leaky_relu_s8(const int8_t *input,
                                      int8_t *output,
                                      const int32_t size,
                                      const int32_t input_offset,
                                      const int32_t output_offset,
                                      const int32_t identity_mult,
                                      const int32_t identity_shift,
                                      const int32_t alpha_mult,
                                      const int32_t alpha_shift)
{
    int32_t i;
    for (i = 0; i < size; i++) {
        const int32_t x = input[i] + input_offset;
        int32_t out = x >= 0 ? scale_signed(x, identity_mult, identity_shift)
                             : scale_signed(x, alpha_mult, alpha_shift);
        out += output_offset;
        out = MAX(out, -128);
        out = MIN(out, 127);
        output[i] = (int8_t)out;
    }
    return ARM_CMSIS_NN_SUCCESS;
}
