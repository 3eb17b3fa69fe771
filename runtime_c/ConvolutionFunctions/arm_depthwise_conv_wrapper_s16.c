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

/* The taps k in [*first, *last) of a window starting at base whose input index
 * base + k * dilation lies in [0, size). */
static void dw_s16_taps(
    int32_t base, int32_t dilation, int32_t size, int32_t taps, int32_t *first, int32_t *last)
{
    int32_t lo = 0;
    while (lo < taps && base + lo * dilation < 0) {
        lo++;
    }
    int32_t hi = lo;
    while (hi < taps && base + hi * dilation < size) {
        hi++;
    }
    *first = lo;
    *last = hi;
}

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
    const int64_t filter_row = (int64_t)filter_dims->w * out_c;
    for (int32_t n = 0; n < input_dims->n; n++) {
        const int16_t *x = input_data + n * image;
        for (int32_t oy = 0; oy < output_dims->h; oy++) {
            const int32_t y0 = oy * p->stride.h - p->padding.h;
            int32_t ky_first;
            int32_t ky_end;
            dw_s16_taps(y0, p->dilation.h, input_dims->h, filter_dims->h, &ky_first, &ky_end);
            for (int32_t ox = 0; ox < output_dims->w; ox++) {
                const int32_t x0 = ox * p->stride.w - p->padding.w;
                int32_t kx_first;
                int32_t kx_end;
                dw_s16_taps(x0, p->dilation.w, input_dims->w, filter_dims->w, &kx_first, &kx_end);
                for (int32_t oc = 0; oc < out_c; oc++) {
                    const int16_t *xc = x + oc / mult;
                    const int8_t *wc = filter_data + oc;
                    int64_t acc = 0;
                    /* only the taps inside the image: no bounds test in the loop */
                    for (int32_t ky = ky_first; ky < ky_end; ky++) {
                        const int16_t *xr =
                            xc +
                            ((int64_t)(y0 + ky * p->dilation.h) * input_dims->w) * input_dims->c;
                        const int8_t *wr = wc + ky * filter_row;
                        for (int32_t kx = kx_first; kx < kx_end; kx++) {
                            acc += (int32_t)xr[(int64_t)(x0 + kx * p->dilation.w) * input_dims->c] *
                                   wr[(int64_t)kx * out_c];
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
