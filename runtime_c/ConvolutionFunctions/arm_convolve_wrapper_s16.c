/*
 * mcutool portable runtime: arm_convolve_wrapper_s16, 16x8 CONV_2D (int16 input and output,
 * zero points 0; int8 per-channel weights), bit-exact with TFLite-Micro's reference
 * ConvPerChannel for int16. With an int64 bias (the converter's) the sum is int64 and is
 * requantized by TFLite's int64 MultiplyByQuantizedMultiplier; with an int32 bias
 * (bias_data->is_int32_bias) TFLite-Micro accumulates in int32, so the sum wraps to int32 and
 * the int8 kernels' double-rounding requantization applies.
 *
 * Layouts: input [N, H, W, C_IN], filter [C_OUT, HK, WK, C_F] with C_IN = groups * C_F (output
 * channels split evenly between the groups), output [N, H_OUT, W_OUT, C_OUT]. The offsets in
 * conv_params are not used.
 * ctx->buf: HK * WK * C_F int16 (arm_convolve_wrapper_s16_get_buffer_size()'s bytes are
 * enough), 2-byte aligned: each output pixel's window is copied into it once per group (zeros
 * off the image) and every filter is one dot product with it. Without it: ARM_CMSIS_NN_ARG_ERROR.
 */
#include <string.h>

#include "Internal/mcu_nn_s16.h"
#include "arm_nnfunctions.h"
#include "arm_nnsupportfunctions.h"

/* The window of one output pixel over one group's channels, in the filter's [ky][kx][c] order,
 * zeros where it leaves the image. */
static void conv_s16_column(const cmsis_nn_conv_params *p,
                            const cmsis_nn_dims *in,
                            const int16_t *x,
                            const cmsis_nn_dims *f,
                            int32_t oy,
                            int32_t ox,
                            int32_t first_ic,
                            int16_t *col)
{
    const size_t bytes = (size_t)f->c * sizeof(int16_t);
    for (int32_t ky = 0; ky < f->h; ky++) {
        const int32_t iy = oy * p->stride.h - p->padding.h + ky * p->dilation.h;
        for (int32_t kx = 0; kx < f->w; kx++) {
            const int32_t ix = ox * p->stride.w - p->padding.w + kx * p->dilation.w;
            int16_t *dst = col + ((int64_t)ky * f->w + kx) * f->c;
            if (iy < 0 || iy >= in->h || ix < 0 || ix >= in->w) {
                memset(dst, 0, bytes);
            } else {
                memcpy(dst, x + ((int64_t)iy * in->w + ix) * in->c + first_ic, bytes);
            }
        }
    }
}

arm_cmsis_nn_status arm_convolve_wrapper_s16(const cmsis_nn_context *ctx,
                                             const cmsis_nn_conv_params *conv_params,
                                             const cmsis_nn_per_channel_quant_params *quant_params,
                                             const cmsis_nn_dims *input_dims,
                                             const int16_t *input_data,
                                             const cmsis_nn_dims *filter_dims,
                                             const int8_t *filter_data,
                                             const cmsis_nn_dims *bias_dims,
                                             const cmsis_nn_bias_data *bias_data,
                                             const cmsis_nn_dims *output_dims,
                                             int16_t *output_data)
{
    (void)bias_dims;
    const int32_t group_c = filter_dims->c;
    if (group_c < 1 || input_dims->c % group_c != 0) {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const int32_t groups = input_dims->c / group_c;
    if (output_dims->c % groups != 0) {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const int32_t out_group = output_dims->c / groups;
    const void *bias = bias_data != NULL ? bias_data->data : NULL;
    const int is_int32 = bias_data != NULL && bias_data->is_int32_bias;
    const int64_t filter_size = (int64_t)filter_dims->h * filter_dims->w * group_c;
    const int64_t image = (int64_t)input_dims->h * input_dims->w * input_dims->c;
    if (ctx == NULL || ctx->buf == NULL ||
        (int64_t)ctx->size < filter_size * (int64_t)sizeof(int16_t)) {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    int16_t *col = (int16_t *)ctx->buf;
    for (int32_t n = 0; n < input_dims->n; n++) {
        const int16_t *x = input_data + n * image;
        for (int32_t oy = 0; oy < output_dims->h; oy++) {
            for (int32_t ox = 0; ox < output_dims->w; ox++) {
                for (int32_t oc = 0; oc < output_dims->c; oc++) {
                    const int32_t first_ic = (oc / out_group) * group_c;
                    const int8_t *w = filter_data + oc * filter_size;
                    if (oc % out_group == 0) {
                        conv_s16_column(conv_params, input_dims, x, filter_dims, oy, ox, first_ic,
                                        col);
                    }
                    int64_t acc = mcu_nn_dot_s16_s8(col, w, (int32_t)filter_size);
                    int32_t out;
                    if (is_int32) {
                        uint32_t acc32 = (uint32_t)acc; /* TFLite-Micro's int32 sum wraps */
                        if (bias != NULL) {
                            acc32 += (uint32_t)((const int32_t *)bias)[oc];
                        }
                        out = arm_nn_requantize((int32_t)acc32, quant_params->multiplier[oc],
                                                quant_params->shift[oc]);
                    } else {
                        if (bias != NULL) {
                            acc += ((const int64_t *)bias)[oc];
                        }
                        out = mcu_nn_requantize_s64(acc, quant_params->multiplier[oc],
                                                    quant_params->shift[oc]);
                    }
                    *output_data++ = mcu_nn_clamp_s16(out, conv_params->activation.min,
                                                      conv_params->activation.max);
                }
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
