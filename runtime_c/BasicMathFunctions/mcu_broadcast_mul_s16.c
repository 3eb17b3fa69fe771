/*
 * mcu_broadcast_mul_s16: 16x8 MUL with TFLite broadcasting over NHWC dims (a dim of size 1 in
 * one input is repeated along the output's dim); arithmetic as arm_elementwise_mul_s16.
 * The output may alias an input whose dims equal output_dims.
 */
#include "mcu_nnfunctions.h"
#include "arm_nnsupportfunctions.h"
#include "Internal/mcu_nn_broadcast.h"

arm_cmsis_nn_status mcu_broadcast_mul_s16(const cmsis_nn_dims *input_1_dims,
                                          const int16_t *input_1_data,
                                          const cmsis_nn_dims *input_2_dims,
                                          const int16_t *input_2_data,
                                          const int32_t input_1_offset,
                                          const int32_t input_2_offset,
                                          const cmsis_nn_dims *output_dims,
                                          int16_t *output_data,
                                          const int32_t out_offset,
                                          const int32_t out_mult,
                                          const int32_t out_shift,
                                          const int32_t out_activation_min,
                                          const int32_t out_activation_max)
{
    const mcu_nn_strides s_1 = mcu_nn_broadcast_strides(input_1_dims);
    const mcu_nn_strides s_2 = mcu_nn_broadcast_strides(input_2_dims);
    int32_t n, h, w, c;

    for (n = 0; n < output_dims->n; n++) {
        for (h = 0; h < output_dims->h; h++) {
            for (w = 0; w < output_dims->w; w++) {
                const int16_t *in_1 = input_1_data + n * s_1.n + h * s_1.h + w * s_1.w;
                const int16_t *in_2 = input_2_data + n * s_2.n + h * s_2.h + w * s_2.w;
                for (c = 0; c < output_dims->c; c++) {
                    /* |product| <= 2^30 (zero points 0): no overflow. */
                    const int32_t product =
                        (in_1[c * s_1.c] + input_1_offset) * (in_2[c * s_2.c] + input_2_offset);
                    int32_t out = arm_nn_requantize(product, out_mult, out_shift) + out_offset;
                    out = MAX(out, out_activation_min);
                    out = MIN(out, out_activation_max);
                    *output_data++ = (int16_t)out;
                }
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
