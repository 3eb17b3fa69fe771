/*
 * mcutool runtime: arm_max_pool_s8 -- int8 max pooling, NHWC, CMSIS-NN's signature.
 *
 * Bit-exact with TFLite-Micro's reference_integer_ops::MaxPool: the maximum of the input
 * elements inside the window clipped to the input (padding never takes part), then clamped
 * to [activation.min, activation.max].
 *
 * Ranges: input_dims->n batches (>= 1), strides >= 1, padding >= 0, every output window
 * overlaps the input; activation within [-128, 127] (ARM_CMSIS_NN_ARG_ERROR for no batch or an
 * empty window). ctx is not used (may be NULL).
 */
#include <string.h>

#include "arm_nnfunctions.h"
#include "arm_nnsupportfunctions.h"

arm_cmsis_nn_status arm_max_pool_s8(const cmsis_nn_context *ctx,
                                    const cmsis_nn_pool_params *pool_params,
                                    const cmsis_nn_dims *input_dims,
                                    const int8_t *input_data,
                                    const cmsis_nn_dims *filter_dims,
                                    const cmsis_nn_dims *output_dims,
                                    int8_t *output_data)
{
    const int32_t in_h = input_dims->h;
    const int32_t in_w = input_dims->w;
    const int32_t channels = input_dims->c;
    const int32_t out_h = output_dims->h;
    const int32_t out_w = output_dims->w;
    const int32_t act_min = pool_params->activation.min;
    const int32_t act_max = pool_params->activation.max;
    (void)ctx;
    /* as CMSIS-NN: at least one batch */
    if (input_dims->n < 1) {
        return ARM_CMSIS_NN_ARG_ERROR;
    }

    for (int32_t batch = 0; batch < input_dims->n; batch++) {
        const int8_t *in = input_data + (size_t)batch * in_h * in_w * channels;
        int8_t *out = output_data + (size_t)batch * out_h * out_w * channels;

        for (int32_t oy = 0; oy < out_h; oy++) {
            const int32_t origin_y = oy * pool_params->stride.h - pool_params->padding.h;
            const int32_t y_start = MAX(0, origin_y);
            const int32_t y_end = MIN(in_h, origin_y + filter_dims->h);

            for (int32_t ox = 0; ox < out_w; ox++) {
                const int32_t origin_x = ox * pool_params->stride.w - pool_params->padding.w;
                const int32_t x_start = MAX(0, origin_x);
                const int32_t x_end = MIN(in_w, origin_x + filter_dims->w);

                /* Channels are contiguous in NHWC: take the running maximum over the window
                 * one whole pixel at a time, with no index arithmetic per element. */
                int first = 1;
                if (y_end <= y_start || x_end <= x_start) {
                    return ARM_CMSIS_NN_ARG_ERROR;
                }
                for (int32_t y = y_start; y < y_end; y++) {
                    for (int32_t x = x_start; x < x_end; x++) {
                        const int8_t *pixel = in + ((size_t)y * in_w + x) * channels;
                        if (first) {
                            memcpy(out, pixel, (size_t)channels);
                            first = 0;
                            continue;
                        }
                        for (int32_t ch = 0; ch < channels; ch++) {
                            if (pixel[ch] > out[ch]) {
                                out[ch] = pixel[ch];
                            }
                        }
                    }
                }
                for (int32_t ch = 0; ch < channels; ch++) {
                    out[ch] = (int8_t)MIN(MAX((int32_t)out[ch], act_min), act_max);
                }
                out += channels;
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
