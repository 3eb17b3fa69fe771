/*
 * mcutool runtime: arm_pad_s8 -- constant padding of an int8 NHWC tensor, CMSIS-NN's signature.
 *
 * The output has, per dimension, pre_pad + input_size + post_pad elements; everything outside
 * the copied input is pad_value. TFLite-Micro's reference Pad for int8 uses the output zero
 * point as pad_value (or PADV2's constant), which the caller passes in.
 * Ranges: every dim of input_size >= 1, pre_pad and post_pad >= 0. Tensors of lower rank are
 * given with leading dimensions of 1 and padding 0. Input and output must not overlap.
 */
#include <string.h>

#include "arm_nnfunctions.h"

arm_cmsis_nn_status arm_pad_s8(const int8_t *input,
                               int8_t *output,
                               const int8_t pad_value,
                               const cmsis_nn_dims *input_size,
                               const cmsis_nn_dims *pre_pad,
                               const cmsis_nn_dims *post_pad)
{
    const int32_t out_h = pre_pad->h + input_size->h + post_pad->h;
    const int32_t out_w = pre_pad->w + input_size->w + post_pad->w;
    const int32_t out_c = pre_pad->c + input_size->c + post_pad->c;
    const size_t pixel_bytes = (size_t)out_c;
    const size_t row_bytes = (size_t)out_w * pixel_bytes;
    const size_t image_bytes = (size_t)out_h * row_bytes;

    /* Whole padded images before and after the input batches. */
    memset(output, pad_value, (size_t)pre_pad->n * image_bytes);
    output += (size_t)pre_pad->n * image_bytes;

    for (int32_t n = 0; n < input_size->n; n++) {
        memset(output, pad_value, (size_t)pre_pad->h * row_bytes);
        output += (size_t)pre_pad->h * row_bytes;
        for (int32_t y = 0; y < input_size->h; y++) {
            memset(output, pad_value, (size_t)pre_pad->w * pixel_bytes);
            output += (size_t)pre_pad->w * pixel_bytes;
            for (int32_t x = 0; x < input_size->w; x++) {
                memset(output, pad_value, (size_t)pre_pad->c);
                output += pre_pad->c;
                memcpy(output, input, (size_t)input_size->c);
                output += input_size->c;
                input += input_size->c;
                memset(output, pad_value, (size_t)post_pad->c);
                output += post_pad->c;
            }
            memset(output, pad_value, (size_t)post_pad->w * pixel_bytes);
            output += (size_t)post_pad->w * pixel_bytes;
        }
        memset(output, pad_value, (size_t)post_pad->h * row_bytes);
        output += (size_t)post_pad->h * row_bytes;
    }

    memset(output, pad_value, (size_t)post_pad->n * image_bytes);
    return ARM_CMSIS_NN_SUCCESS;
}
