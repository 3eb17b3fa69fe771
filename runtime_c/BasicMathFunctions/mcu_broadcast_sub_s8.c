/*
 * mcu_broadcast_sub_s8: int8 SUB (input 1 - input 2) with TFLite broadcasting over NHWC dims
 * (a dim of size 1 in one input is repeated along the output's dim), bit-exact with TFLite-Micro's
 * BroadcastQuantSubSlow. Same arithmetic and parameter ranges as mcu_elementwise_sub_s8.
 *   input_*_dims  each dim equals the output's or is 1 (shapes of rank < 4 padded in front)
 *   output_dims   the broadcast shape
 * The output may alias an input whose dims equal output_dims.
 */
#include "mcu_nnfunctions.h"
#include "arm_nnsupportfunctions.h"

arm_cmsis_nn_status mcu_broadcast_sub_s8(const cmsis_nn_dims *input_1_dims,
                                         const int8_t *input_1_data,
                                         const cmsis_nn_dims *input_2_dims,
                                         const int8_t *input_2_data,
                                         const int32_t input_1_offset,
                                         const int32_t input_1_mult,
                                         const int32_t input_1_shift,
                                         const int32_t input_2_offset,
                                         const int32_t input_2_mult,
                                         const int32_t input_2_shift,
                                         const int32_t left_shift,
                                         const cmsis_nn_dims *output_dims,
                                         int8_t *output_data,
                                         const int32_t out_offset,
                                         const int32_t out_mult,
                                         const int32_t out_shift,
                                         const int32_t out_activation_min,
                                         const int32_t out_activation_max)
{
    mcu_nn_broadcast_add_sub_s8(
        input_1_dims, input_1_data, input_2_dims, input_2_data, input_1_offset, input_1_mult,
        input_1_shift, input_2_offset, input_2_mult, input_2_shift, left_shift, output_dims,
        output_data, out_offset, out_mult, out_shift, out_activation_min, out_activation_max, -1);
    return ARM_CMSIS_NN_SUCCESS;
}
