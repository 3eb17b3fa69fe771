/*
 * mcutool runtime: mcu_pad_s16, constant padding of an int16 NHWC tensor (16x8 PAD and PADV2),
 * arguments as arm_pad_s8: everything outside the copied input is pad_value (TFLite-Micro: the
 * output zero point, 0, or PADV2's constant). Input and output must not overlap.
 */
#include <string.h>

#include "mcu_nnfunctions.h"

/* count copies of value */
static int16_t *fill_s16(int16_t *out, int16_t value, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        out[i] = value;
    }
    return out + count;
}

arm_cmsis_nn_status mcu_pad_s16(const int16_t *input,
                                int16_t *output,
                                const int16_t pad_value,
                                const cmsis_nn_dims *input_size,
                                const cmsis_nn_dims *pre_pad,
                                const cmsis_nn_dims *post_pad)
{
    const size_t out_h = (size_t)(pre_pad->h + input_size->h + post_pad->h);
    const size_t out_w = (size_t)(pre_pad->w + input_size->w + post_pad->w);
    const size_t pixel = (size_t)(pre_pad->c + input_size->c + post_pad->c);
    const size_t row = out_w * pixel;
    const size_t image = out_h * row;

    output = fill_s16(output, pad_value, (size_t)pre_pad->n * image);
    for (int32_t n = 0; n < input_size->n; n++) {
        output = fill_s16(output, pad_value, (size_t)pre_pad->h * row);
        for (int32_t y = 0; y < input_size->h; y++) {
            output = fill_s16(output, pad_value, (size_t)pre_pad->w * pixel);
            for (int32_t x = 0; x < input_size->w; x++) {
                output = fill_s16(output, pad_value, (size_t)pre_pad->c);
                memcpy(output, input, (size_t)input_size->c * sizeof(int16_t));
                output += input_size->c;
                input += input_size->c;
                output = fill_s16(output, pad_value, (size_t)post_pad->c);
            }
            output = fill_s16(output, pad_value, (size_t)post_pad->w * pixel);
        }
        output = fill_s16(output, pad_value, (size_t)post_pad->h * row);
    }
    fill_s16(output, pad_value, (size_t)post_pad->n * image);
    return ARM_CMSIS_NN_SUCCESS;
}
