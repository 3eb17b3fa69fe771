/*
 * mcu_elementwise_sub_s16: 16x8 SUB (input 1 - input 2) of two same-shape int16 tensors,
 * arithmetic and parameters as arm_elementwise_add_s16 (TFLite-Micro's int16 Sub).
 * The output may alias either input.
 */
#include "mcu_nnfunctions.h"
#include "arm_nnsupportfunctions.h"

arm_cmsis_nn_status mcu_elementwise_sub_s16(const int16_t *input_1_vect,
                                            const int16_t *input_2_vect,
                                            const int32_t input_1_offset,
                                            const int32_t input_1_mult,
                                            const int32_t input_1_shift,
                                            const int32_t input_2_offset,
                                            const int32_t input_2_mult,
                                            const int32_t input_2_shift,
                                            const int32_t left_shift,
                                            int16_t *output,
                                            const int32_t out_offset,
                                            const int32_t out_mult,
                                            const int32_t out_shift,
                                            const int32_t out_activation_min,
                                            const int32_t out_activation_max,
                                            const int32_t block_size)
{
    /* A flat vector is the broadcast case with equal shapes. */
    const cmsis_nn_dims flat = {1, 1, 1, block_size};
    mcu_nn_broadcast_add_sub_s16(&flat, input_1_vect, &flat, input_2_vect, input_1_offset,
                                 input_1_mult, input_1_shift, input_2_offset, input_2_mult,
                                 input_2_shift, left_shift, &flat, output, out_offset, out_mult,
                                 out_shift, out_activation_min, out_activation_max, -1);
    return ARM_CMSIS_NN_SUCCESS;
}
