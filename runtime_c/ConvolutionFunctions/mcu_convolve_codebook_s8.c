/*
 * mcutool portable runtime: mcu_convolve_codebook_s8, TFLite CONV_2D with int8 activations and
 * codebook weights (packed indices into an int8 table), bit-exact with TFLite-Micro on the
 * decoded int8 weights. Arguments as arm_convolve_wrapper_s8's, the filter given as
 * (indices, table, bits per index) in OHWI order; grouped convolution as there.
 *
 * A block of up to MCU_NN_CODEBOOK_BLOCK output channels (of one group) at a time: their
 * h * w * depth weights each are decoded from flash into the scratch (ctx->size at least the
 * block's), then every output pixel of those channels is computed, so each weight is decoded
 * once and the layer never sits in RAM whole.
 */
#include <stddef.h>
#include <stdint.h>

#include "arm_nnfunctions.h"
#include "arm_nnsupportfunctions.h"
#include "mcu_nnfunctions.h"
#include "Internal/mcu_nn_codebook.h"

arm_cmsis_nn_status mcu_convolve_codebook_s8(const cmsis_nn_context *ctx,
                                             const cmsis_nn_conv_params *conv_params,
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
    const int32_t k_h = filter_dims->h, k_w = filter_dims->w, group_c = filter_dims->c;
    const int32_t out_h = output_dims->h, out_w = output_dims->w, out_c = output_dims->c;
    const int32_t taps = k_h * k_w * group_c;
    if (group_c < 1 || in_c % group_c != 0 || out_c % (in_c / group_c) != 0 || ctx == NULL ||
        ctx->buf == NULL) {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const int32_t out_per_group = out_c / (in_c / group_c);
    const int32_t block =
        out_per_group < MCU_NN_CODEBOOK_BLOCK ? out_per_group : MCU_NN_CODEBOOK_BLOCK;
    if (ctx->size < block * taps) {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const int32_t in_offset = conv_params->input_offset;
    const int32_t lo = conv_params->activation.min, hi = conv_params->activation.max;
    const int32_t dil_w = conv_params->dilation.w;
    const int contiguous = dil_w == 1 && group_c == in_c;
    int8_t *w = (int8_t *)ctx->buf;
    for (int32_t oc0 = 0; oc0 < out_c;) {
        /* a block of channels of one group; their filters are consecutive in OHWI */
        const int32_t group_end = (oc0 / out_per_group + 1) * out_per_group;
        const int32_t nb = group_end - oc0 < block ? group_end - oc0 : block;
        mcu_nn_codebook_decode(filter_indices, index_bits, filter_table, oc0 * taps, 1, nb * taps,
                               w);
        const int32_t first_c = (oc0 / out_per_group) * group_c;
        for (int32_t b = 0; b < input_dims->n; b++) {
            const int8_t *in = input_data + b * in_h * in_w * in_c + first_c;
            int8_t *out = output_data + b * out_h * out_w * out_c + oc0;
            for (int32_t oy = 0; oy < out_h; oy++) {
                const int32_t iy0 = oy * conv_params->stride.h - conv_params->padding.h;
                for (int32_t ox = 0; ox < out_w; ox++) {
                    const int32_t ix0 = ox * conv_params->stride.w - conv_params->padding.w;
                    /* the filter columns that fall inside the input, found once per pixel */
                    int32_t kx0 = 0, kx1 = k_w;
                    while (kx0 < k_w && ix0 + kx0 * dil_w < 0) {
                        kx0++;
                    }
                    while (kx1 > kx0 && ix0 + (kx1 - 1) * dil_w >= in_w) {
                        kx1--;
                    }
                    uint32_t acc[MCU_NN_CODEBOOK_BLOCK] = {0};
                    mcu_nn_codebook_acc4 acc4 = {0, 0, 0, 0};
                    for (int32_t ky = 0; ky < k_h; ky++) {
                        const int32_t iy = iy0 + ky * conv_params->dilation.h;
                        if (iy < 0 || iy >= in_h || kx0 >= kx1) {
                            continue;
                        }
                        const int8_t *x = in + (iy * in_w + ix0 + kx0 * dil_w) * in_c;
                        const int8_t *wk = w + (ky * k_w + kx0) * group_c;
                        /* a contiguous row's taps are one run of input and weights */
                        const int32_t runs = contiguous ? 1 : kx1 - kx0;
                        const int32_t run = contiguous ? (kx1 - kx0) * in_c : group_c;
                        for (int32_t r = 0; r < runs; r++) {
                            if (nb == 4) {
                                mcu_nn_codebook_dot4(x, wk, taps, run, in_offset, &acc4);
                            } else {
                                mcu_nn_codebook_dot_block(x, wk, taps, nb, run, in_offset, acc);
                            }
                            x += dil_w * in_c;
                            wk += group_c;
                        }
                    }
                    if (nb == 4) {
                        acc[0] = acc4.a0;
                        acc[1] = acc4.a1;
                        acc[2] = acc4.a2;
                        acc[3] = acc4.a3;
                    }
                    int8_t *o = out + (oy * out_w + ox) * out_c;
                    for (int32_t j = 0; j < nb; j++) {
                        const int32_t oc = oc0 + j;
                        o[j] = mcu_nn_codebook_out(acc[j], bias_data != NULL ? bias_data[oc] : 0,
                                                   quant_params->multiplier[oc],
                                                   quant_params->shift[oc],
                                                   conv_params->output_offset, lo, hi);
                    }
                }
            }
        }
        oc0 += nb;
    }
    return ARM_CMSIS_NN_SUCCESS;
}
