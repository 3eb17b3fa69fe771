/*
 * arm_elementwise_add_s8: int8 ADD of two same-shape tensors, with CMSIS-NN's signature and
 * TFLite-Micro's AddFunc arithmetic (bit-exact with its reference kernel).
 *
 * Each input is offset (-zero point), shifted left by left_shift (20 for int8) and scaled to the
 * common scale with its multiplier; the sum is requantized to the output, offset and clamped.
 *   input_*_offset     -input zero point, [-127, 128]
 *   input_*_mult/shift QuantizeMultiplierSmallerThanOneExp pair: mult in [0, 2^31), shift <= 0
 *   left_shift         20
 *   out_offset         output zero point, [-128, 127]
 *   out_mult/shift     QuantizeMultiplierSmallerThanOneExp pair (shift <= 0)
 *   out_activation_min/max  fused-activation clamp, -128 <= min <= max <= 127
 *   block_size         number of elements (>= 0)
 * The output may alias either input.
 */
#include "arm_nnfunctions.h"
#include "arm_nnsupportfunctions.h"

arm_cmsis_nn_status arm_elementwise_add_s8(const int8_t *input_1_vect,
                                           const int8_t *input_2_vect,
                                           const int32_t input_1_offset,
                                           const int32_t input_1_mult,
                                           const int32_t input_1_shift,
                                           const int32_t input_2_offset,
                                           const int32_t input_2_mult,
                                           const int32_t input_2_shift,
                                           const int32_t left_shift,
                                           int8_t *output,
                                           const int32_t out_offset,
                                           const int32_t out_mult,
                                           const int32_t out_shift,
                                           const int32_t out_activation_min,
                                           const int32_t out_activation_max,
                                           const int32_t block_size)
{
    /* A flat vector is the broadcast case with equal shapes. */
    const cmsis_nn_dims flat = {1, 1, 1, block_size};
    mcu_nn_broadcast_add_sub_s8(&flat, input_1_vect, &flat, input_2_vect, input_1_offset,
                                input_1_mult, input_1_shift, input_2_offset, input_2_mult,
                                input_2_shift, left_shift, &flat, output, out_offset, out_mult,
                                out_shift, out_activation_min, out_activation_max, 1);
    return ARM_CMSIS_NN_SUCCESS;
}
