/*
 * mcutool portable runtime: mcu_depthwise_conv_codebook_s8, TFLite DEPTHWISE_CONV_2D with int8
 * activations and codebook weights (packed indices into an int8 table), bit-exact with
 * TFLite-Micro on the decoded int8 weights. Arguments as arm_depthwise_conv_wrapper_s8's, the
 * filter [1, H, W, C_out] given as (indices, table, bits per index); output channel
 * c * ch_mult + m reads input channel c.
 *
 * A block of output channels at a time (up to MCU_NN_CODEBOOK_BLOCK neighbours with depth
 * multiplier 1, else one): their h * w taps are decoded into the scratch (ctx->size at least
 * block * h * w), then every output pixel of those channels is computed (blocks of four in a
 * loop of their own, the sums in registers).
 */
#include <stddef.h>
#include <stdint.h>

#include "arm_nnfunctions.h"
#include "arm_nnsupportfunctions.h"
#include "mcu_nnfunctions.h"
#include "Internal/mcu_nn_codebook.h"

/* Every output pixel of one image for four neighbouring channels (multiplier 1) whose taps are
 * decoded in w (w[t * 4 + j]): the taps inside the image found once per pixel, the sums in
 * registers. A function of its own so that its loops get the registers. */
static MCU_NN_NOINLINE void cb_dw_block4(const cmsis_nn_dw_conv_params *p,
                                         const cmsis_nn_dims *input_dims,
                                         const cmsis_nn_dims *filter_dims,
                                         const cmsis_nn_dims *output_dims,
                                         const int8_t *in,
                                         const int8_t *w,
                                         int8_t *out,
                                         int32_t oc0,
                                         const cmsis_nn_per_channel_quant_params *q,
                                         const int32_t *bias_data)
{
    const int32_t in_h = input_dims->h, in_w = input_dims->w, in_c = input_dims->c;
    const int32_t k_h = filter_dims->h, k_w = filter_dims->w;
    const int32_t dil_w = p->dilation.w, dil_h = p->dilation.h;
    const int32_t x_step = dil_w * in_c;
    const int32_t offset = p->input_offset;
    const int32_t offset_pair = (int32_t)(((uint32_t)offset << 16) | ((uint32_t)offset & 0xFFFFu));
    const int32_t out_c = output_dims->c;
    for (int32_t oy = 0; oy < output_dims->h; oy++) {
        const int32_t iy0 = oy * p->stride.h - p->padding.h;
        int32_t ky0 = 0, ky1 = k_h;
        while (ky0 < k_h && iy0 + ky0 * dil_h < 0) {
            ky0++;
        }
        while (ky1 > ky0 && iy0 + (ky1 - 1) * dil_h >= in_h) {
            ky1--;
        }
        for (int32_t ox = 0; ox < output_dims->w; ox++) {
            const int32_t ix0 = ox * p->stride.w - p->padding.w;
            int32_t kx0 = 0, kx1 = k_w;
            while (kx0 < k_w && ix0 + kx0 * dil_w < 0) {
                kx0++;
            }
            while (kx1 > kx0 && ix0 + (kx1 - 1) * dil_w >= in_w) {
                kx1--;
            }
            mcu_nn_codebook_acc4 acc = {0, 0, 0, 0};
            const int32_t cols = kx1 - kx0;
            for (int32_t ky = ky0; ky < ky1; ky++) {
                const int8_t *x = in + ((iy0 + ky * dil_h) * in_w + ix0 + kx0 * dil_w) * in_c;
                const int8_t *wk = w + (ky * k_w + kx0) * 4;
                for (int32_t kx = cols; kx > 0; kx--) {
                    mcu_nn_codebook_mac4(x, wk, offset_pair, offset, &acc);
                    x += x_step;
                    wk += 4;
                }
            }
            int8_t *o = out + (oy * output_dims->w + ox) * out_c;
            const uint32_t a[4] = {acc.a0, acc.a1, acc.a2, acc.a3};
            for (int32_t j = 0; j < 4; j++) {
                const int32_t oc = oc0 + j;
                o[j] = mcu_nn_codebook_out(a[j], bias_data != NULL ? bias_data[oc] : 0,
                                           q->multiplier[oc], q->shift[oc], p->output_offset,
                                           p->activation.min, p->activation.max);
            }
        }
    }
}

arm_cmsis_nn_status
mcu_depthwise_conv_codebook_s8(const cmsis_nn_context *ctx,
                               const cmsis_nn_dw_conv_params *dw_conv_params,
                               const cmsis_nn_per_channel_quant_params *quant_params,
                               const cmsis_nn_dims *input_dims,
                               const int8_t *input_data,
                               const cmsis_nn_dims *filter_dims,
                               const uint8_t *filter_indices,
                               const int8_t *filter_table,
                               const int32_t index_bits,
                               const cmsis_nn_dims *bias_dims,
                               const int32_t *bias_data,
                               const cmsis_nn_dims *output_dims,
                               int8_t *output_data)
{
    (void)bias_dims;
    const int32_t in_h = input_dims->h, in_w = input_dims->w, in_c = input_dims->c;
    const int32_t k_h = filter_dims->h, k_w = filter_dims->w, taps = k_h * k_w;
    const int32_t out_h = output_dims->h, out_w = output_dims->w, out_c = output_dims->c;
    const int32_t mult = dw_conv_params->ch_mult;
    /* with multiplier 1, neighbouring output channels read neighbouring input bytes */
    const int32_t block = mult == 1 && out_c > 1
                              ? (out_c < MCU_NN_CODEBOOK_BLOCK ? out_c : MCU_NN_CODEBOOK_BLOCK)
                              : 1;
    if (mult < 1 || out_c != in_c * mult || ctx == NULL || ctx->buf == NULL ||
        ctx->size < block * taps) {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const int32_t in_offset = dw_conv_params->input_offset;
    const int32_t lo = dw_conv_params->activation.min, hi = dw_conv_params->activation.max;
    const int32_t dil_w = dw_conv_params->dilation.w, x_step = dil_w * in_c;
    int8_t *w = (int8_t *)ctx->buf;
    for (int32_t oc0 = 0; oc0 < out_c;) {
        const int32_t nb = out_c - oc0 < block ? out_c - oc0 : block;
        /* tap t of channels oc0..oc0 + nb - 1 is one run of the [1, H, W, C] filter: decoded
         * to w[t * nb + j] */
        for (int32_t t = 0; t < taps; t++) {
            mcu_nn_codebook_decode(filter_indices, index_bits, filter_table, t * out_c + oc0, 1, nb,
                                   w + t * nb);
        }
        for (int32_t b = 0; b < input_dims->n; b++) {
            const int8_t *in = input_data + b * in_h * in_w * in_c + oc0 / mult;
            int8_t *out = output_data + b * out_h * out_w * out_c + oc0;
            if (nb == 4) {
                cb_dw_block4(dw_conv_params, input_dims, filter_dims, output_dims, in, w, out, oc0,
                             quant_params, bias_data);
                continue;
            }
            for (int32_t oy = 0; oy < out_h; oy++) {
                const int32_t iy0 = oy * dw_conv_params->stride.h - dw_conv_params->padding.h;
                for (int32_t ox = 0; ox < out_w; ox++) {
                    const int32_t ix0 = ox * dw_conv_params->stride.w - dw_conv_params->padding.w;
                    /* the filter columns that fall inside the input, found once per pixel */
                    int32_t kx0 = 0, kx1 = k_w;
                    while (kx0 < k_w && ix0 + kx0 * dil_w < 0) {
                        kx0++;
                    }
                    while (kx1 > kx0 && ix0 + (kx1 - 1) * dil_w >= in_w) {
                        kx1--;
                    }
                    uint32_t acc[MCU_NN_CODEBOOK_BLOCK] = {0};
                    for (int32_t ky = 0; ky < k_h; ky++) {
                        const int32_t iy = iy0 + ky * dw_conv_params->dilation.h;
                        if (iy < 0 || iy >= in_h || kx0 >= kx1) {
                            continue;
                        }
                        const int8_t *x = in + (iy * in_w + ix0 + kx0 * dil_w) * in_c;
                        const int8_t *wk = w + (ky * k_w + kx0) * nb;
                        for (int32_t kx = kx0; kx < kx1; kx++) {
                            mcu_nn_codebook_mac_lanes(x, wk, nb, in_offset, acc);
                            x += x_step;
                            wk += nb;
                        }
                    }
                    int8_t *o = out + (oy * out_w + ox) * out_c;
                    for (int32_t j = 0; j < nb; j++) {
                        const int32_t oc = oc0 + j;
                        o[j] = mcu_nn_codebook_out(acc[j], bias_data != NULL ? bias_data[oc] : 0,
                                                   quant_params->multiplier[oc],
                                                   quant_params->shift[oc],
                                                   dw_conv_params->output_offset, lo, hi);
                    }
                }
            }
        }
        oc0 += nb;
    }
    return ARM_CMSIS_NN_SUCCESS;
}
