/*
 * mcu_broadcast_add_s16: 16x8 ADD with TFLite broadcasting over NHWC dims (a dim of size 1 in
 * an input is repeated); arithmetic and parameters as arm_elementwise_add_s16.
 */
#include "mcu_nnfunctions.h"
#include "arm_nnsupportfunctions.h"

arm_cmsis_nn_status mcu_broadcast_add_s16(const cmsis_nn_dims *input_1_dims,
                                          const int16_t *input_1_data,
                                          const cmsis_nn_dims *input_2_dims,
                                          const int16_t *input_2_data,
                                          const int32_t input_1_offset,
                                          const int32_t input_1_mult,
                                          const int32_t input_1_shift,
                                          const int32_t input_2_offset,
                                          const int32_t input_2_mult,
                                          const int32_t input_2_shift,
                                          const int32_t left_shift,
                                          const cmsis_nn_dims *output_dims,
                                          int16_t *output_data,
                                          const int32_t out_offset,
                                          const int32_t out_mult,
                                          const int32_t out_shift,
                                          const int32_t out_activation_min,
                                          const int32_t out_activation_max)
{
    mcu_nn_broadcast_add_sub_s16(
        input_1_dims, input_1_data, input_2_dims, input_2_data, input_1_offset, input_1_mult,
        input_1_shift, input_2_offset, input_2_mult, input_2_shift, left_shift, output_dims,
        output_data, out_offset, out_mult, out_shift, out_activation_min, out_activation_max, 1);
    return ARM_CMSIS_NN_SUCCESS;
}
