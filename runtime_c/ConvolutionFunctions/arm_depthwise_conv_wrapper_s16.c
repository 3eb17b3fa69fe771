/*
 * mcutool portable runtime: arm_depthwise_conv_wrapper_s16, 16x8 DEPTHWISE_CONV_2D (int16
 * input and output, zero points 0; int8 per-channel weights; int64 bias or NULL), bit-exact
 * with TFLite-Micro's reference DepthwiseConvPerChannel for int16: an exact int64 sum, the
 * bias, TFLite's int64 MultiplyByQuantizedMultiplier, the clamp.
 *
 * Layouts: input [N, H, W, C_IN], filter [1, HK, WK, C_OUT] with C_OUT = C_IN * ch_mult,
 * output [N, H_OUT, W_OUT, C_OUT]; output channel ic * ch_mult + m reads input channel ic.
 * The offsets in dw_conv_params are not used. No scratch is used.
 */
#include "Internal/mcu_nn_s16.h"
#include "arm_nnfunctions.h"

arm_cmsis_nn_status
arm_depthwise_conv_wrapper_s16(const cmsis_nn_context *ctx,
                               const cmsis_nn_dw_conv_params *dw_conv_params,
                               const cmsis_nn_per_channel_quant_params *quant_params,
                               const cmsis_nn_dims *input_dims,
                               const int16_t *input_data,
                               const cmsis_nn_dims *filter_dims,
                               const int8_t *filter_data,
                               const cmsis_nn_dims *bias_dims,
                               const int64_t *bias_data,
                               const cmsis_nn_dims *output_dims,
                               int16_t *output_data)
{
    (void)ctx;
    (void)bias_dims;
    const cmsis_nn_dw_conv_params *p = dw_conv_params;
    const int32_t mult = p->ch_mult;
    const int32_t out_c = output_dims->c;
    if (mult < 1 || out_c != input_dims->c * mult) {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const int64_t image = (int64_t)input_dims->h * input_dims->w * input_dims->c;
    for (int32_t n = 0; n < input_dims->n; n++) {
        const int16_t *x = input_data + n * image;
        for (int32_t oy = 0; oy < output_dims->h; oy++) {
            for (int32_t ox = 0; ox < output_dims->w; ox++) {
                for (int32_t oc = 0; oc < out_c; oc++) {
                    const int32_t ic = oc / mult;
                    int64_t acc = 0;
                    for (int32_t ky = 0; ky < filter_dims->h; ky++) {
                        const int32_t iy = oy * p->stride.h - p->padding.h + ky * p->dilation.h;
                        if (iy < 0 || iy >= input_dims->h) {
                            continue;
                        }
                        for (int32_t kx = 0; kx < filter_dims->w; kx++) {
                            const int32_t ix = ox * p->stride.w - p->padding.w + kx * p->dilation.w;
                            if (ix < 0 || ix >= input_dims->w) {
                                continue;
                            }
                            const int16_t v =
                                x[((int64_t)iy * input_dims->w + ix) * input_dims->c + ic];
                            acc += (int32_t)v *
                                   filter_data[((int64_t)ky * filter_dims->w + kx) * out_c + oc];
                        }
                    }
                    if (bias_data != NULL) {
                        acc += bias_data[oc];
                    }
                    const int32_t out = mcu_nn_requantize_s64(acc, quant_params->multiplier[oc],
                                                              quant_params->shift[oc]);
                    *output_data++ = mcu_nn_clamp_s16(out, p->activation.min, p->activation.max);
                }
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
