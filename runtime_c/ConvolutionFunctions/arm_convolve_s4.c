/*
 * mcutool portable runtime: arm_convolve_s4, int8 2-D convolution with int4 weights (TFLite
 * CONV_2D with INT4 filters, per-channel requantization), bit-exact with TFLite-Micro, which
 * unpacks the filter and runs its int8 reference kernel.
 *
 * Layouts: input [N, H, W, C_IN], filter [C_OUT, HK, WK, C_IN] packed two weights per byte
 * (element 0 in the low nibble; a row of odd length starts mid-byte), bias [C_OUT] (int32,
 * may be NULL), output [N, H_OUT, W_OUT, C_OUT]. Ranges as arm_convolve_s8.
 * ctx->buf: two columns of HK * WK * C_IN bytes (arm_convolve_s4_get_buffer_size()).
 *
 * Method: for two output pixels at a time the patches under the filter are copied into two
 * int8 columns (padded taps hold -input_offset, so they add nothing once the offset is added),
 * then every output channel is a dot product of its packed filter row with both columns
 * (mcu_nn_dot2_s4: scalar, DSP or Helium; each weight is unpacked once for the two pixels).
 * The weights stay packed: nothing is unpacked into RAM.
 */
#include <stdint.h>
#include <string.h>

#include "arm_nnfunctions.h"
#include "arm_nnsupportfunctions.h"
#include "Internal/mcu_nn_s4.h"

/* The HK x WK x C_IN patch whose top-left tap is (base_y, base_x), as int8 bytes. */
static void s4_fill_column(int8_t *col,
                           const int8_t *input,
                           const cmsis_nn_dims *in,
                           const cmsis_nn_dims *f,
                           const cmsis_nn_conv_params *p,
                           int32_t base_y,
                           int32_t base_x)
{
    const int8_t pad = (int8_t)-p->input_offset;
    const size_t in_c = (size_t)in->c;
    for (int32_t ky = 0; ky < f->h; ky++) {
        const int32_t iy = base_y + ky * p->dilation.h;
        for (int32_t kx = 0; kx < f->w; kx++) {
            const int32_t ix = base_x + kx * p->dilation.w;
            if (iy < 0 || iy >= in->h || ix < 0 || ix >= in->w) {
                memset(col, (uint8_t)pad, in_c);
            } else {
                memcpy(col, input + ((size_t)iy * in->w + (size_t)ix) * in_c, in_c);
            }
            col += in_c;
        }
    }
}

arm_cmsis_nn_status arm_convolve_s4(const cmsis_nn_context *ctx,
                                    const cmsis_nn_conv_params *conv_params,
                                    const cmsis_nn_per_channel_quant_params *quant_params,
                                    const cmsis_nn_dims *input_dims,
                                    const int8_t *input_data,
                                    const cmsis_nn_dims *filter_dims,
                                    const int8_t *packed_filter,
                                    const cmsis_nn_dims *bias_dims,
                                    const int32_t *bias_data,
                                    const cmsis_nn_dims *output_dims,
                                    int8_t *output_data)
{
    (void)bias_dims;
    if (filter_dims->c != input_dims->c) {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    if (ctx == NULL || ctx->buf == NULL) {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    int8_t *col = (int8_t *)ctx->buf;
    const int32_t col_len = filter_dims->h * filter_dims->w * filter_dims->c;
    const int32_t out_c = output_dims->c;
    const int32_t in_offset = conv_params->input_offset;
    const int32_t out_offset = conv_params->output_offset;
    const int32_t lo = conv_params->activation.min, hi = conv_params->activation.max;
    const size_t in_batch = (size_t)input_dims->h * input_dims->w * input_dims->c;

    const int32_t out_w = output_dims->w;
    const int32_t pixels = output_dims->h * out_w;
    for (int32_t b = 0; b < input_dims->n; b++) {
        const int8_t *input = input_data + (size_t)b * in_batch;
        for (int32_t px = 0; px < pixels; px += 2) {
            const int32_t two = px + 1 < pixels;
            for (int32_t j = 0; j <= two; j++) {
                const int32_t oy = (px + j) / out_w, ox = (px + j) % out_w;
                s4_fill_column(col + j * col_len, input, input_dims, filter_dims, conv_params,
                               oy * conv_params->stride.h - conv_params->padding.h,
                               ox * conv_params->stride.w - conv_params->padding.w);
            }
            for (int32_t oc = 0; oc < out_c; oc++) {
                const int32_t bias = bias_data != NULL ? bias_data[oc] : 0;
                const int32_t m = quant_params->multiplier[oc], sh = quant_params->shift[oc];
                if (two) {
                    int32_t acc[2];
                    mcu_nn_dot2_s4(packed_filter, oc * col_len, col, col + col_len, col_len,
                                   in_offset, acc);
                    output_data[oc] = mcu_nn_s4_out(acc[0], bias, m, sh, out_offset, lo, hi);
                    output_data[out_c + oc] =
                        mcu_nn_s4_out(acc[1], bias, m, sh, out_offset, lo, hi);
                } else {
                    const int32_t acc =
                        mcu_nn_dot_s4(packed_filter, oc * col_len, col, col_len, in_offset);
                    output_data[oc] = mcu_nn_s4_out(acc, bias, m, sh, out_offset, lo, hi);
                }
            }
            output_data += (two + 1) * out_c;
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
