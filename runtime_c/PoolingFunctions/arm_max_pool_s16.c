/*
 * mcutool portable runtime: arm_max_pool_s16, 16x8 MAX_POOL_2D (int16 NHWC, input and output
 * sharing one scale), bit-exact with TFLite-Micro's reference MaxPool for int16: the largest
 * code in the window clipped to the image, then the activation clamp. No scratch is used.
 */
#include <stddef.h>

#include "arm_nnfunctions.h"
#include "arm_nnsupportfunctions.h"

arm_cmsis_nn_status arm_max_pool_s16(const cmsis_nn_context *ctx,
                                     const cmsis_nn_pool_params *pool_params,
                                     const cmsis_nn_dims *input_dims,
                                     const int16_t *input_data,
                                     const cmsis_nn_dims *filter_dims,
                                     const cmsis_nn_dims *output_dims,
                                     int16_t *output_data)
{
    (void)ctx;
    const int32_t in_h = input_dims->h;
    const int32_t in_w = input_dims->w;
    const int32_t channels = input_dims->c;
    if (input_dims->n < 1) {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    for (int32_t batch = 0; batch < input_dims->n; batch++) {
        const int16_t *in = input_data + (size_t)batch * in_h * in_w * channels;
        for (int32_t oy = 0; oy < output_dims->h; oy++) {
            const int32_t origin_y = oy * pool_params->stride.h - pool_params->padding.h;
            const int32_t y_start = MAX(0, origin_y);
            const int32_t y_end = MIN(in_h, origin_y + filter_dims->h);
            for (int32_t ox = 0; ox < output_dims->w; ox++) {
                const int32_t origin_x = ox * pool_params->stride.w - pool_params->padding.w;
                const int32_t x_start = MAX(0, origin_x);
                const int32_t x_end = MIN(in_w, origin_x + filter_dims->w);
                if (y_end <= y_start || x_end <= x_start) {
                    return ARM_CMSIS_NN_ARG_ERROR;
                }
                for (int32_t ch = 0; ch < channels; ch++) {
                    int32_t biggest = INT16_MIN;
                    for (int32_t y = y_start; y < y_end; y++) {
                        for (int32_t x = x_start; x < x_end; x++) {
                            biggest =
                                MAX(biggest, (int32_t)in[((size_t)y * in_w + x) * channels + ch]);
                        }
                    }
                    *output_data++ = (int16_t)MIN(MAX(biggest, pool_params->activation.min),
                                                  pool_params->activation.max);
                }
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
