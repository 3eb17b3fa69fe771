/*
 * mcutool portable runtime: arm_depthwise_conv_s8, int8 depthwise 2-D convolution (TFLite
 * DEPTHWISE_CONV_2D, per-channel requantization), bit-exact with TFLite-Micro's reference
 * DepthwiseConvPerChannel.
 *
 * Layouts: input [N, H, W, C_IN], filter [1, HK, WK, C_OUT] with C_OUT = C_IN * ch_mult,
 * bias [C_OUT] (int32, may be NULL), output [N, H_OUT, W_OUT, C_OUT]. Output channel
 * ic * ch_mult + m reads input channel ic.
 * Ranges: dw_conv_params->input_offset in [-127, 128] (= -input zero point), output_offset in
 * [-128, 127], activation within [-128, 127]; ch_mult, stride, dilation >= 1; padding >= 0.
 * No scratch: ctx may be NULL or have a NULL buffer.
 *
 * Method: for each output pixel the range of filter taps that land inside the image is worked
 * out once, so the multiply loops walk only valid taps with no per-tap bounds test.
 */
#include <string.h>

#include "arm_nnfunctions.h"
#include "arm_nnsupportfunctions.h"

/* First and one-past-last tap index k in [0, taps) with 0 <= base + k * dilation < size. */
static void dw_valid_taps(int32_t base, int32_t dilation, int32_t size, int32_t taps, int32_t *first,
                          int32_t *last)
{
    int32_t lo = 0;
    if (base < 0) {
        lo = (-base + dilation - 1) / dilation;
    }
    int32_t hi = 0;
    if (size - base > 0) {
        hi = (size - base + dilation - 1) / dilation;
    }
    *first = lo;
    *last = MIN(hi, taps);
}

arm_cmsis_nn_status arm_depthwise_conv_s8(const cmsis_nn_context *ctx,
                                          const cmsis_nn_dw_conv_params *dw_conv_params,
                                          const cmsis_nn_per_channel_quant_params *quant_params,
                                          const cmsis_nn_dims *input_dims,
                                          const int8_t *input_data,
                                          const cmsis_nn_dims *filter_dims,
                                          const int8_t *filter_data,
                                          const cmsis_nn_dims *bias_dims,
                                          const int32_t *bias_data,
                                          const cmsis_nn_dims *output_dims,
                                          int8_t *output_data)
{
    (void)ctx;
    (void)bias_dims;

    const int32_t in_h = input_dims->h;
    const int32_t in_w = input_dims->w;
    const int32_t in_c = input_dims->c;
    const int32_t k_h = filter_dims->h;
    const int32_t k_w = filter_dims->w;
    const int32_t out_h = output_dims->h;
    const int32_t out_w = output_dims->w;
    const int32_t out_c = output_dims->c;
    const int32_t ch_mult = dw_conv_params->ch_mult;
    if (out_c != in_c * ch_mult || filter_dims->c != out_c) {
        return ARM_CMSIS_NN_ARG_ERROR;
    }

    const int32_t stride_y = dw_conv_params->stride.h;
    const int32_t stride_x = dw_conv_params->stride.w;
    const int32_t pad_y = dw_conv_params->padding.h;
    const int32_t pad_x = dw_conv_params->padding.w;
    const int32_t dil_y = dw_conv_params->dilation.h;
    const int32_t dil_x = dw_conv_params->dilation.w;
    const int32_t in_offset = dw_conv_params->input_offset;
    const int32_t out_offset = dw_conv_params->output_offset;
    const int32_t act_min = dw_conv_params->activation.min;
    const int32_t act_max = dw_conv_params->activation.max;
    const int32_t *mult = quant_params->multiplier;
    const int32_t *shift = quant_params->shift;

    /* Steps between consecutive valid taps, in elements. */
    const int32_t in_step_x = dil_x * in_c;
    const int32_t in_step_y = dil_y * in_w * in_c;
    const int32_t f_step_y = k_w * out_c;

    for (int32_t b = 0; b < input_dims->n; b++) {
        const int8_t *input = input_data + (size_t)b * in_h * in_w * in_c;
        int8_t *out = output_data + (size_t)b * out_h * out_w * out_c;
        for (int32_t oy = 0; oy < out_h; oy++) {
            const int32_t base_y = oy * stride_y - pad_y;
            int32_t ky0, ky1;
            dw_valid_taps(base_y, dil_y, in_h, k_h, &ky0, &ky1);
            for (int32_t ox = 0; ox < out_w; ox++) {
                const int32_t base_x = ox * stride_x - pad_x;
                int32_t kx0, kx1;
                dw_valid_taps(base_x, dil_x, in_w, k_w, &kx0, &kx1);
                /* Top-left valid tap, for input channel 0 and output channel 0. A window that
                 * misses the image entirely gets an empty tap range (bias only). */
                const int8_t *in_tap0 = input;
                const int8_t *f_tap0 = filter_data;
                if (ky0 < ky1 && kx0 < kx1) {
                    in_tap0 += ((size_t)(base_y + ky0 * dil_y) * in_w + (size_t)(base_x + kx0 * dil_x)) * in_c;
                    f_tap0 += ((size_t)ky0 * k_w + (size_t)kx0) * out_c;
                } else {
                    kx1 = kx0;
                }

                for (int32_t ic = 0; ic < in_c; ic++) {
                    for (int32_t m = 0; m < ch_mult; m++) {
                        const int32_t oc = ic * ch_mult + m;
                        int32_t acc = 0;
                        const int8_t *in_row = in_tap0 + ic;
                        const int8_t *f_row = f_tap0 + oc;
                        for (int32_t ky = ky0; ky < ky1; ky++) {
                            const int8_t *in_ptr = in_row;
                            const int8_t *f_ptr = f_row;
                            for (int32_t kx = kx0; kx < kx1; kx++) {
                                acc += (int32_t)(*f_ptr) * ((int32_t)(*in_ptr) + in_offset);
                                in_ptr += in_step_x;
                                f_ptr += out_c;
                            }
                            in_row += in_step_y;
                            f_row += f_step_y;
                        }
                        if (bias_data != NULL) {
                            acc += bias_data[oc];
                        }
                        acc = arm_nn_requantize(acc, mult[oc], shift[oc]) + out_offset;
                        acc = MAX(acc, act_min);
                        acc = MIN(acc, act_max);
                        out[oc] = (int8_t)acc;
                    }
                }
                out += out_c;
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
