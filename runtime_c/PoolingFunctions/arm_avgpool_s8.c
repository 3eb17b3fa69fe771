/*
 * mcutool runtime: arm_avgpool_s8 -- int8 average pooling, NHWC, CMSIS-NN's signature.
 *
 * Bit-exact with TFLite-Micro's reference_integer_ops::AveragePool:
 *  - the window is clipped to the input, and only the elements inside it are counted, so
 *    a window hanging over a padded border averages fewer values;
 *  - the raw int8 values are summed (input and output share scale and zero point) and the
 *    sum is divided by the count rounding half away from zero: (sum +- count/2) / count with
 *    C's truncating division;
 *  - the result is clamped to [activation.min, activation.max].
 *
 * Ranges: input_dims->n batches (>= 1, else ARM_CMSIS_NN_ARG_ERROR), strides >= 1,
 * padding >= 0 and smaller than the filter, every output window overlaps the input;
 * activation within [-128, 127].
 * ctx->buf: optional int32-aligned buffer of arm_avgpool_s8_get_buffer_size() bytes; with it
 * the sums are accumulated over contiguous channels (faster), without it channel by channel.
 * Returns ARM_CMSIS_NN_ARG_ERROR if some window holds no input element.
 */
#include <string.h>

#include "arm_nnfunctions.h"
#include "arm_nnsupportfunctions.h"

static int8_t average_and_clamp(const int32_t sum,
                                const int32_t count,
                                const int32_t act_min,
                                const int32_t act_max)
{
    const int32_t half = count / 2;
    int32_t avg = sum > 0 ? (sum + half) / count : (sum - half) / count;
    avg = MAX(avg, act_min);
    avg = MIN(avg, act_max);
    return (int8_t)avg;
}

arm_cmsis_nn_status arm_avgpool_s8(const cmsis_nn_context *ctx,
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
    int32_t *sums = NULL;
    /* as CMSIS-NN: at least one batch */
    if (input_dims->n < 1) {
        return ARM_CMSIS_NN_ARG_ERROR;
    }

    /* Use the scratch buffer only when it is there, large enough and suitably aligned for
     * int32 stores. */
    if (ctx != NULL && ctx->buf != NULL && ctx->size >= channels * (int32_t)sizeof(int32_t) &&
        ((uintptr_t)ctx->buf & (sizeof(int32_t) - 1U)) == 0U) {
        sums = (int32_t *)ctx->buf;
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
                const int32_t count = (y_end - y_start) * (x_end - x_start);

                if (y_end <= y_start || x_end <= x_start) {
                    return ARM_CMSIS_NN_ARG_ERROR;
                }

                if (sums != NULL) {
                    for (int32_t ch = 0; ch < channels; ch++) {
                        sums[ch] = 0;
                    }
                    for (int32_t y = y_start; y < y_end; y++) {
                        for (int32_t x = x_start; x < x_end; x++) {
                            const int8_t *pixel = in + ((size_t)y * in_w + x) * channels;
                            for (int32_t ch = 0; ch < channels; ch++) {
                                sums[ch] += pixel[ch];
                            }
                        }
                    }
                    for (int32_t ch = 0; ch < channels; ch++) {
                        out[ch] = average_and_clamp(sums[ch], count, act_min, act_max);
                    }
                } else {
                    for (int32_t ch = 0; ch < channels; ch++) {
                        int32_t sum = 0;
                        for (int32_t y = y_start; y < y_end; y++) {
                            for (int32_t x = x_start; x < x_end; x++) {
                                sum += in[((size_t)y * in_w + x) * channels + ch];
                            }
                        }
                        out[ch] = average_and_clamp(sum, count, act_min, act_max);
                    }
                }
                out += channels;
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
