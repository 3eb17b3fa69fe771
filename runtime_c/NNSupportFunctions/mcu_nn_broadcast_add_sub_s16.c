/*
 * mcu_nn_broadcast_add_sub_s16: the arithmetic of 16x8 ADD (input_2_sign = 1) and SUB
 * (input_2_sign = -1), int16 tensors with TFLite broadcasting over NHWC dims, shared by
 * arm_elementwise_add_s16, mcu_elementwise_sub_s16 and mcu_broadcast_{add,sub}_s16. The int8
 * helper's arithmetic with left_shift 15 (TFLite-Micro's general int16 path; offsets are 0):
 * (32767 << 15) still fits int32.
 *   input_*_dims  each dim equals the output's or is 1 (shapes of rank < 4 padded in front)
 * The output may alias an input whose dims equal output_dims.
 */
#include "arm_nnsupportfunctions.h"
#include "Internal/mcu_nn_broadcast.h"

void mcu_nn_broadcast_add_sub_s16(const cmsis_nn_dims *input_1_dims,
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
                                  const int32_t out_activation_max,
                                  const int32_t input_2_sign)
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
                    /* Shift as unsigned: left-shifting a negative int is undefined in C. */
                    const int32_t a =
                        (int32_t)((uint32_t)(in_1[c * s_1.c] + input_1_offset) << left_shift);
                    const int32_t b =
                        (int32_t)((uint32_t)(in_2[c * s_2.c] + input_2_offset) << left_shift);
                    /* TFLite rescales each input, then adds or subtracts: the sign goes on
                     * after rounding, so SUB is not ADD with a negated multiplier. */
                    const int32_t raw =
                        arm_nn_requantize(a, input_1_mult, input_1_shift) +
                        input_2_sign * arm_nn_requantize(b, input_2_mult, input_2_shift);
                    int32_t out = arm_nn_requantize(raw, out_mult, out_shift) + out_offset;
                    out = MAX(out, out_activation_min);
                    out = MIN(out, out_activation_max);
                    *output_data++ = (int16_t)out;
                }
            }
        }
    }
}
