/*
 * mcutool runtime: mcu_nn_mean_core, the MEAN of int8 or int16 codes over any of the four
 * dimensions of an NHWC tensor, shared by mcu_mean_s8 and mcu_mean_s16.
 *
 * A dimension is reduced where output_dims has 1 and input_dims more; every other output
 * dimension must equal the input's. count = number of input elements per output element.
 * Bit-exact with TFLite-Micro's MEAN (reference_ops::QuantizedMeanOrSum, which current TFLM
 * uses whatever the scales, for int8 and int16):
 *   out = clamp(requantize(sum + input_offset * count, multiplier, shift) + output_offset,
 *               type's min, type's max)
 * where the caller has folded 1/count into multiplier/shift as TFLM's Eval does.
 * Sums wrap modulo 2^32 like TFLM's int32 accumulator (only reachable past 2^24 elements).
 *
 * element_bytes: 1 (int8) or 2 (int16). Returns ARM_CMSIS_NN_ARG_ERROR on dims that do not
 * describe a reduction.
 */
#include "Internal/mcu_nn_mean.h"
#include "arm_nnsupportfunctions.h"

arm_cmsis_nn_status mcu_nn_mean_core(const cmsis_nn_dims *input_dims,
                                     const void *input_data,
                                     const int32_t element_bytes,
                                     const cmsis_nn_dims *output_dims,
                                     void *output_data,
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
    int32_t out = 0;

    for (int32_t on = 0; on < out_shape[0]; on++) {
        for (int32_t oh = 0; oh < out_shape[1]; oh++) {
            for (int32_t ow = 0; ow < out_shape[2]; ow++) {
                for (int32_t oc = 0; oc < out_shape[3]; oc++) {
                    /* First input element of this output's group; reduced dims start at 0. */
                    const int32_t base = on * stride_n + oh * stride_h + ow * stride_w + oc;
                    uint32_t sum = correction;
                    for (int32_t n = 0; n < reduce_len[0]; n++) {
                        for (int32_t h = 0; h < reduce_len[1]; h++) {
                            for (int32_t w = 0; w < reduce_len[2]; w++) {
                                const int32_t row =
                                    base + n * stride_n + h * stride_h + w * stride_w;
                                /* the width test sits outside the innermost loop */
                                if (element_bytes == 1) {
                                    const int8_t *in = (const int8_t *)input_data + row;
                                    for (int32_t c = 0; c < reduce_len[3]; c++) {
                                        sum += (uint32_t)(int32_t)in[c];
                                    }
                                } else {
                                    const int16_t *in = (const int16_t *)input_data + row;
                                    for (int32_t c = 0; c < reduce_len[3]; c++) {
                                        sum += (uint32_t)(int32_t)in[c];
                                    }
                                }
                            }
                        }
                    }
                    const int32_t result =
                        arm_nn_requantize((int32_t)sum, multiplier, shift) + output_offset;
                    if (element_bytes == 1) {
                        ((int8_t *)output_data)[out++] = (int8_t)CLAMP(result, 127, -128);
                    } else {
                        ((int16_t *)output_data)[out++] = (int16_t)CLAMP(result, 32767, -32768);
                    }
                }
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
