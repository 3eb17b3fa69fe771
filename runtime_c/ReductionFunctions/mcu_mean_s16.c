/*
 * mcutool portable runtime: mcu_mean_s16, 16x8 MEAN, as mcu_mean_s8 on int16 codes (TFLite-
 * Micro's QuantizedMeanOrSum for int16: an int32 sum corrected by the input zero point,
 * requantized with 1/count folded into the multiplier), the clamp over int16.
 */
#include "arm_nnsupportfunctions.h"
#include "mcu_nnfunctions.h"

arm_cmsis_nn_status mcu_mean_s16(const cmsis_nn_dims *input_dims,
                                 const int16_t *input_data,
                                 const cmsis_nn_dims *output_dims,
                                 int16_t *output_data,
                                 const int32_t input_offset,
                                 const int32_t output_offset,
                                 const int32_t multiplier,
                                 const int32_t shift)
{
    const int32_t in_shape[4] = {input_dims->n, input_dims->h, input_dims->w, input_dims->c};
    const int32_t out_shape[4] = {output_dims->n, output_dims->h, output_dims->w, output_dims->c};
    int32_t reduce_len[4]; /* how many input indices fold into one output index, per dim */
    int32_t count = 1;

    for (int32_t d = 0; d < 4; d++) {
        if (out_shape[d] == in_shape[d]) {
            reduce_len[d] = 1;
        } else if (out_shape[d] == 1) {
            reduce_len[d] = in_shape[d];
        } else {
            return ARM_CMSIS_NN_ARG_ERROR;
        }
        count *= reduce_len[d];
    }
    if (count <= 0) {
        return ARM_CMSIS_NN_ARG_ERROR;
    }

    const int32_t stride_w = in_shape[3];
    const int32_t stride_h = in_shape[2] * stride_w;
    const int32_t stride_n = in_shape[1] * stride_h;
    /* The zero-point correction of a whole group, wrapped to 32 bits as TFLM's cast does. */
    const uint32_t correction = (uint32_t)input_offset * (uint32_t)count;

    for (int32_t on = 0; on < out_shape[0]; on++) {
        for (int32_t oh = 0; oh < out_shape[1]; oh++) {
            for (int32_t ow = 0; ow < out_shape[2]; ow++) {
                for (int32_t oc = 0; oc < out_shape[3]; oc++) {
                    /* First input element of this output's group; reduced dims start at 0. */
                    const int16_t *base =
                        input_data + on * stride_n + oh * stride_h + ow * stride_w + oc;
                    uint32_t sum = correction;
                    for (int32_t n = 0; n < reduce_len[0]; n++) {
                        for (int32_t h = 0; h < reduce_len[1]; h++) {
                            for (int32_t w = 0; w < reduce_len[2]; w++) {
                                const int16_t *row =
                                    base + n * stride_n + h * stride_h + w * stride_w;
                                for (int32_t c = 0; c < reduce_len[3]; c++) {
                                    sum += (uint32_t)(int32_t)row[c];
                                }
                            }
                        }
                    }
                    int32_t result =
                        arm_nn_requantize((int32_t)sum, multiplier, shift) + output_offset;
                    result = CLAMP(result, 32767, -32768);
                    *output_data++ = (int16_t)result;
                }
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
