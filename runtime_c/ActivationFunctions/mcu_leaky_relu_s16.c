/*
 * mcu_leaky_relu_s16: 16x8 LEAKY_RELU, as mcu_leaky_relu_s8 on int16 codes (TFLite-Micro's
 * QuantizeLeakyRelu: the identity or the alpha multiplier by the sign of the input), the clamp
 * over int16.
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

arm_cmsis_nn_status mcu_leaky_relu_s16(const int16_t *input,
                                       int16_t *output,
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
        out = MAX(out, -32768);
        out = MIN(out, 32767);
        output[i] = (int16_t)out;
    }
    return ARM_CMSIS_NN_SUCCESS;
}
