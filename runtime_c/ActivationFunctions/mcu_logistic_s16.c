/*
 * mcutool portable runtime: mcu_logistic_s16, 16x8 LOGISTIC (int16 input with zero point 0,
 * output (1/32768, 0)), bit-exact with TFLite-Micro's reference int16 Logistic: the table
 * sigmoid(i / 24) interpolated with 9 fractional bits, negative inputs mirrored (1 - s).
 *   multiplier, shift  the input in units of 1 / (3 * 4096): (x * multiplier + round) >> shift,
 *                      32768 * multiplier within int32
 *   table              256 uint16 entries (mcutool.lower.sigmoid_s16.SIGMOID_TABLE_U16)
 * The output may alias the input.
 */
#include "Internal/mcu_nn_s16.h"
#include "mcu_nnfunctions.h"

arm_cmsis_nn_status mcu_logistic_s16(const int16_t *input,
                                     int16_t *output,
                                     const int32_t size,
                                     const int32_t multiplier,
                                     const int32_t shift,
                                     const uint16_t *table)
{
    for (int32_t i = 0; i < size; i++) {
        int negative;
        const uint32_t r = mcu_nn_sigmoid_interp_s16(input[i], multiplier, shift, table, 9,
                                                     0x7FFFu << 10, &negative);
        const uint32_t out = negative ? (1u << 25) - r + (1u << 9) - 1 : r + (1u << 9);
        output[i] = (int16_t)(out >> 10);
    }
    return ARM_CMSIS_NN_SUCCESS;
}
