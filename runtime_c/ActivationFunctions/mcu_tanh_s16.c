/*
 * mcutool portable runtime: mcu_tanh_s16, 16x8 TANH (int16 input with zero point 0, output
 * (1/32768, 0)), bit-exact with TFLite-Micro's reference int16 Tanh: tanh(x) = 2 sigmoid(2x) -
 * 1 with the sigmoid table interpolated with 8 fractional bits, negative inputs mirrored.
 * Arguments as mcu_logistic_s16. The output may alias the input.
 */
#include "Internal/mcu_nn_s16.h"
#include "mcu_nnfunctions.h"

arm_cmsis_nn_status mcu_tanh_s16(const int16_t *input,
                                 int16_t *output,
                                 const int32_t size,
                                 const int32_t multiplier,
                                 const int32_t shift,
                                 const uint16_t *table)
{
    for (int32_t i = 0; i < size; i++) {
        int negative;
        const uint32_t r = mcu_nn_sigmoid_interp_s16(input[i], multiplier, shift, table, 8,
                                                     0xFFFFu << 8, &negative);
        /* (r - 2^23 + 2^7) >> 8, or its mirror, in int32: r is at least 2^23 */
        const int32_t centred = (int32_t)r - (1 << 23);
        const int32_t out = negative ? -centred + (1 << 7) - 1 : centred + (1 << 7);
        output[i] = (int16_t)(out >> 8);
    }
    return ARM_CMSIS_NN_SUCCESS;
}
