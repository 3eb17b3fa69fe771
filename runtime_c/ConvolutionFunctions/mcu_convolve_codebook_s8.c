/*
 * mcutool portable runtime: mcu_convolve_codebook_s8, TFLite CONV_2D with int8 activations and
 * codebook weights (packed indices into an int8 table), bit-exact with TFLite-Micro on the
 * decoded int8 weights. Arguments as arm_convolve_wrapper_s8's, the filter given as
 * (indices, table, bits per index) in OHWI order; grouped convolution as there.
 *
 * A block of up to MCU_NN_CODEBOOK_CONV_BLOCK output channels (of one group) at a time: their
 * h * w * depth weights are decoded from flash into the scratch, then every output pixel of
 * those channels is computed by the int8 convolution's own core (Internal/mcu_nn_mat_mult.h)
 * on im2col columns of four pixels (int16 with the offset added; with Helium the int8 bytes),
 * so each weight is decoded once and the layer never sits in RAM whole.
 *
 * ctx->buf, 4-byte aligned, at least mcu_convolve_codebook_s8's scratch in
 * mcutool.abi.runtime_sizes.codebook_filter: four int16 columns of round_up(h * w * depth, 4)
 * slots, a byte stage of that many, then the block's decoded filters.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "arm_nnfunctions.h"
#include "arm_nnsupportfunctions.h"
#include "mcu_nnfunctions.h"
#include "Internal/mcu_nn_codebook.h"
#include "Internal/mcu_nn_mat_mult.h"

typedef struct {
    int32_t in_h, in_w, in_c; /* in_c: the input depth; taps per filter position: group_c */
    int32_t group_c;
    int32_t k_h, k_w;
    const cmsis_nn_conv_params *p;
} cb_shape;

/* The patch under output pixel (oy, ox) as bytes, -offset (0 once the offset is added) off the
 * image and up to the pitch. */
static void
cb_gather(int8_t *stage, const int8_t *in, const cb_shape *s, int32_t oy, int32_t ox, int32_t pitch)
{
    const cmsis_nn_conv_params *p = s->p;
    const int32_t offset = p->input_offset;
    const int8_t pad = (int8_t)-offset;
    const int32_t iy0 = oy * p->stride.h - p->padding.h;
    const int32_t ix0 = ox * p->stride.w - p->padding.w;
    const int32_t row_len = s->k_w * s->group_c;
    /* with dilation 1 and one group, a filter row inside the image is one run of input */
    const int32_t whole_rows =
        p->dilation.w == 1 && s->group_c == s->in_c && ix0 >= 0 && ix0 + s->k_w <= s->in_w;
    int8_t *dst = stage;
    for (int32_t ky = 0; ky < s->k_h; ky++) {
        const int32_t iy = iy0 + ky * p->dilation.h;
        if (iy < 0 || iy >= s->in_h) {
            memset(dst, pad, (size_t)row_len);
            dst += row_len;
            continue;
        }
        const int8_t *row = in + (size_t)iy * s->in_w * s->in_c;
        if (whole_rows) {
            memcpy(dst, row + (size_t)ix0 * s->in_c, (size_t)row_len);
            dst += row_len;
            continue;
        }
        for (int32_t kx = 0; kx < s->k_w; kx++) {
            const int32_t ix = ix0 + kx * p->dilation.w;
            if (ix < 0 || ix >= s->in_w) {
                memset(dst, pad, (size_t)s->group_c);
            } else {
                memcpy(dst, row + (size_t)ix * s->in_c, (size_t)s->group_c);
            }
            dst += s->group_c;
        }
    }
    for (int8_t *end = stage + pitch; dst < end; dst++) {
        *dst = pad;
    }
}

#if !MCU_NN_MVE
/* The gathered bytes widened with the offset into an int16 column of the int8 core's layout. */
static void cb_widen(int16_t *col, const int8_t *stage, int32_t offset, int32_t pitch)
{
#if MCU_NN_DSP
    /* one load and two SXTAB16 (unpack, add the offset) per group of four taps */
    const int32_t offset_pair = (int32_t)(((uint32_t)offset << 16) | ((uint32_t)offset & 0xFFFFu));
    int32_t *words = (int32_t *)(void *)col;
    for (int32_t k = 0; k < pitch; k += 4) {
        const int32_t x = mcu_nn_read_s8x4(stage + k);
        words[0] = mcu_sxtab16(offset_pair, x);
        words[1] = mcu_sxtab16_ror8(offset_pair, x);
        words += MCU_NN_COL_GROUP_SLOTS / 2;
    }
#else
    for (int32_t k = 0; k < pitch; k++) {
        col[k] = (int16_t)(stage[k] + offset);
    }
#endif
}
#endif

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
    const int32_t group_c = filter_dims->c;
    const int32_t out_h = output_dims->h, out_w = output_dims->w, out_c = output_dims->c;
    const int32_t taps = filter_dims->h * filter_dims->w * group_c;
    const int32_t pitch = (taps + 3) & ~3;
    if (group_c < 1 || in_c % group_c != 0 || out_c % (in_c / group_c) != 0 || ctx == NULL ||
        ctx->buf == NULL || ((uintptr_t)ctx->buf & 3u) != 0) {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const int32_t out_per_group = out_c / (in_c / group_c);
    const int32_t block =
        out_per_group < MCU_NN_CODEBOOK_CONV_BLOCK ? out_per_group : MCU_NN_CODEBOOK_CONV_BLOCK;
    const int32_t cols_bytes = MCU_NN_COLUMNS * pitch * 2;
    if (ctx->size < cols_bytes + pitch + block * taps) {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const int32_t offset = conv_params->input_offset;
#if MCU_NN_MVE
    int8_t *cols8 = (int8_t *)ctx->buf; /* four int8 columns: a quarter of the room */
#else
    int16_t *cols = (int16_t *)ctx->buf;
    int8_t *stage = (int8_t *)ctx->buf + cols_bytes;
    const int32_t step = mcu_nn_col_step(pitch);
#endif
    int8_t *w = (int8_t *)ctx->buf + cols_bytes + pitch;
    const cb_shape shape = {in_h, in_w, in_c, group_c, filter_dims->h, filter_dims->w, conv_params};

    mcu_nn_gemm_args g;
    g.filter = w;
    g.col_len = taps;
    g.col_pitch = pitch;
    g.out_stride = out_c;
    g.out_offset = conv_params->output_offset;
    g.act_min = conv_params->activation.min;
    g.act_max = conv_params->activation.max;
    for (int32_t oc0 = 0; oc0 < out_c;) {
        /* a block of channels of one group; their filters are consecutive in OHWI */
        const int32_t group_end = (oc0 / out_per_group + 1) * out_per_group;
        const int32_t nb = group_end - oc0 < block ? group_end - oc0 : block;
        mcu_nn_codebook_decode(filter_indices, index_bits, filter_table, oc0 * taps, 1, nb * taps,
                               w);
        g.out_c = nb;
        g.bias = bias_data != NULL ? bias_data + oc0 : NULL;
        g.mult = quant_params->multiplier + oc0;
        g.shift = quant_params->shift + oc0;
        const int32_t first_c = (oc0 / out_per_group) * group_c;
        for (int32_t b = 0; b < input_dims->n; b++) {
            const int8_t *in = input_data + (size_t)b * in_h * in_w * in_c + first_c;
            int8_t *out = output_data + (size_t)b * out_h * out_w * out_c + oc0;
            int32_t filled = 0; /* columns filled and not yet multiplied */
            for (int32_t oy = 0; oy < out_h; oy++) {
                for (int32_t ox = 0; ox < out_w; ox++) {
#if MCU_NN_MVE
                    /* Helium: the int8 core takes the gathered bytes as they are */
                    cb_gather(cols8 + filled * pitch, in, &shape, oy, ox, pitch);
                    if (++filled == MCU_NN_COLUMNS) {
                        mcu_nn_mat_mult_nt_t_s8(&g, cols8, MCU_NN_COLUMNS, pitch, offset, out);
#else
                    cb_gather(stage, in, &shape, oy, ox, pitch);
                    cb_widen(cols + filled * step, stage, offset, pitch);
                    if (++filled == MCU_NN_COLUMNS) {
                        mcu_nn_mat_mult_kernel_s8_s16(&g, cols, MCU_NN_COLUMNS, out);
#endif
                        out += MCU_NN_COLUMNS * out_c;
                        filled = 0;
                    }
                }
            }
            if (filled != 0) {
#if MCU_NN_MVE
                mcu_nn_mat_mult_nt_t_s8(&g, cols8, filled, pitch, offset, out);
#else
                mcu_nn_mat_mult_kernel_s8_s16(&g, cols, filled, out);
#endif
            }
        }
        oc0 += nb;
    }
    return ARM_CMSIS_NN_SUCCESS;
}
