/*
 * mcutool runtime: arm_convolve_s8, int8 2-D convolution (TFLite CONV_2D, per-channel
 * requantization), bit-exact with TFLite-Micro's reference ConvPerChannel.
 *
 * Layouts: input [N, H, W, C_IN], filter [C_OUT, HK, WK, C_F], bias [C_OUT] (int32, may be
 * NULL), output [N, H_OUT, W_OUT, C_OUT]. Grouped convolution as CMSIS-NN and TFLite-Micro:
 * C_F = filter_dims->c divides C_IN into groups = C_IN / C_F, which must divide C_OUT; output
 * channel oc reads input channels [g * C_F, (g + 1) * C_F) for g = oc / (C_OUT / groups).
 * Ranges: conv_params->input_offset in [-127, 128] (= -input zero point), output_offset in
 * [-128, 127], activation within [-128, 127]; stride, dilation >= 1; padding >= 0 (top/left).
 * upscale_dims must be NULL or 1x1 (no zero-insertion upscaling in this runtime).
 * ctx->buf: arm_convolve_s8_get_buffer_size() bytes, 4-byte aligned. ctx->size is not read
 * (CMSIS-NN does not read it: ARM's unit tests leave it 0).
 *
 * This file is the driver: it copies the patches under four output pixels (im2col) into four
 * columns and hands them to the shared matrix-multiply cores (Internal/mcu_nn_mat_mult.h).
 * Without Helium the columns are int16 with the input offset already added, so padded taps
 * become exact zeros and the multiply loops have no branches (when C_F is not a multiple of 4
 * a patch is first gathered as bytes in a stage, so that it is widened in whole words). With
 * Helium (MVE, Cortex-M55) the columns stay int8 (raw input bytes, padding -input_offset) and
 * the core adds the offset as input_offset times the filter row's sum.
 */
#include <stdint.h>
#include <string.h>

#include "arm_nnfunctions.h"
#include "arm_nnsupportfunctions.h"
#include "Internal/mcu_nn_mat_mult.h"

typedef struct {
    int32_t in_h, in_w;
    int32_t in_c;       /* channels per tap: the filter depth C_F */
    int32_t pix_stride; /* bytes from one input pixel to the next: C_IN */
    int32_t k_h, k_w;
    int32_t dil_y, dil_x;
    int32_t offset;
    int32_t runs;  /* dilation.w 1 and one group: a filter row inside the image is one run */
    int8_t *stage; /* patch bytes gathered here first when C_F is not a multiple of 4, else NULL */
} conv_patch_shape;

#if !MCU_NN_MVE /* the packed and plain int16 columns */
/* Taps k .. k+n-1 of a column from n consecutive bytes plus the offset; k and n are
 * multiples of 4. */
static void col_convert(int16_t *col, int32_t k, const int8_t *src, int32_t n, int32_t offset)
{
#if MCU_NN_DSP
    /* One load and two SXTAB16 (unpack, add the offset to both halves) per group. */
    const int32_t offset_pair = (int32_t)(((uint32_t)offset << 16) | ((uint32_t)offset & 0xFFFFu));
    int32_t *words = (int32_t *)(void *)(col + mcu_nn_col_slot(k));
    for (; n > 0; n -= 4) {
        const int32_t x = mcu_nn_read_s8x4(src);
        words[0] = mcu_sxtab16(offset_pair, x);
        words[1] = mcu_sxtab16_ror8(offset_pair, x);
        words += MCU_NN_COL_GROUP_SLOTS / 2;
        src += 4;
    }
#else
    for (int16_t *slot = col + k; n > 0; n--) {
        *slot++ = (int16_t)(*src++ + offset);
    }
#endif
}

/* Taps k .. k+n-1 of a column set to zero (padding); k and n are multiples of 4. */
static void col_zero(int16_t *col, int32_t k, int32_t n)
{
#if MCU_NN_DSP
    int16_t *slots = col + mcu_nn_col_slot(k);
    for (; n > 0; n -= 4) {
        memset(slots, 0, 4 * sizeof(int16_t));
        slots += MCU_NN_COL_GROUP_SLOTS;
    }
#else
    memset(col + k, 0, (size_t)n * sizeof(int16_t));
#endif
}
/* n stage bytes that become zero once the offset is added: -offset, an int8 value because
 * offset is in [-127, 128]. Written by words and spelt-out bytes: a plain byte loop would be
 * turned into a (slow, for a few bytes) memset call. */
static void stage_pad(int8_t *dst, int32_t n, int32_t offset)
{
    const uint32_t pattern = (uint32_t)(uint8_t)(int8_t)-offset * 0x01010101u;
    for (; n >= 4; n -= 4) {
        memcpy(dst, &pattern, 4);
        dst += 4;
    }
    if (n > 0) {
        dst[0] = (int8_t)-offset;
    }
    if (n > 1) {
        dst[1] = (int8_t)-offset;
    }
    if (n > 2) {
        dst[2] = (int8_t)-offset;
    }
}

/* A run of n input bytes as taps k .. k+n-1: converted in place, or gathered in the stage. */
static void
patch_copy(int16_t *col, const conv_patch_shape *s, int32_t k, const int8_t *src, int32_t n)
{
    if (s->stage == NULL) {
        col_convert(col, k, src, n, s->offset);
        return;
    }
    int8_t *dst = s->stage + k;
    for (; n >= 4; n -= 4) {
        memcpy(dst, src, 4);
        dst += 4;
        src += 4;
    }
    for (; n > 0; n--) {
        *dst++ = *src++;
    }
}

/* Taps k .. k+n-1 in the padding. */
static void patch_pad(int16_t *col, const conv_patch_shape *s, int32_t k, int32_t n)
{
    if (s->stage == NULL) {
        col_zero(col, k, n);
    } else {
        stage_pad(s->stage + k, n, s->offset);
    }
}

/* One im2col column: the HK x WK x C_F patch whose top-left tap is (base_y, base_x). In the
 * packed layout the slots past HK * WK * C_F in the last group are set to zero. */
static void conv_fill_column(
    int16_t *col, const int8_t *input, const conv_patch_shape *s, int32_t base_y, int32_t base_x)
{
    const int32_t row_len = s->k_w * s->in_c;
    const size_t in_row_len = (size_t)s->in_w * s->pix_stride;
    /* With dilation 1 and the window inside the image horizontally, a filter row is one run
     * of consecutive input bytes. */
    const int32_t whole_rows = s->runs && base_x >= 0 && base_x + s->k_w <= s->in_w;
    int32_t k = 0;
    if (whole_rows && base_y >= 0 && base_y + (s->k_h - 1) * s->dil_y < s->in_h) {
        /* The common case: the window lies inside the image. */
        const int8_t *src = input + (size_t)base_y * in_row_len + (size_t)base_x * s->pix_stride;
        const size_t row_step = (size_t)s->dil_y * in_row_len;
        for (int32_t ky = 0; ky < s->k_h; ky++) {
            patch_copy(col, s, k, src, row_len);
            src += row_step;
            k += row_len;
        }
    } else {
        for (int32_t ky = 0; ky < s->k_h; ky++) {
            const int32_t iy = base_y + ky * s->dil_y;
            if (iy < 0 || iy >= s->in_h) {
                patch_pad(col, s, k, row_len);
                k += row_len;
                continue;
            }
            const int8_t *in_row = input + (size_t)iy * in_row_len;
            if (whole_rows) {
                patch_copy(col, s, k, in_row + (size_t)base_x * s->pix_stride, row_len);
                k += row_len;
                continue;
            }
            for (int32_t kx = 0; kx < s->k_w; kx++) {
                const int32_t ix = base_x + kx * s->dil_x;
                if (ix < 0 || ix >= s->in_w) {
                    patch_pad(col, s, k, s->in_c);
                } else {
                    patch_copy(col, s, k, in_row + (size_t)ix * s->pix_stride, s->in_c);
                }
                k += s->in_c;
            }
        }
    }
    if (s->stage != NULL) {
        const int32_t pitch = (k + 3) & ~3;
        stage_pad(s->stage + k, pitch - k, s->offset); /* to whole groups */
        col_convert(col, 0, s->stage, pitch, s->offset);
    }
}
#else
/* Helium (MVE): int8 columns; padded taps hold -input_offset, an int8 value, so they
 * contribute nothing once the core adds the offset. */

/* n bytes from src to dst, 16 per step; the last step is predicated (no access past n). */
static void mve_copy(int8_t *dst, const int8_t *src, int32_t n)
{
    for (; n > 0; n -= 16) {
        const mve_pred16_t p = vctp8q((uint32_t)n);
        vstrbq_p_s8(dst, vldrbq_z_s8(src, p), p);
        dst += 16;
        src += 16;
    }
}

/* n bytes set to value. */
static void mve_set(int8_t *dst, int8_t value, int32_t n)
{
    const int8x16_t v = vdupq_n_s8(value);
    for (; n > 0; n -= 16) {
        vstrbq_p_s8(dst, v, vctp8q((uint32_t)n));
        dst += 16;
    }
}

/* One int8 im2col column: the HK x WK x C_F patch whose top-left tap is (base_y, base_x). */
static void conv_mve_fill_column(
    int8_t *col, const int8_t *input, const conv_patch_shape *s, int32_t base_y, int32_t base_x)
{
    const int8_t pad = (int8_t)-s->offset;
    const int32_t row_len = s->k_w * s->in_c;
    const size_t in_row_len = (size_t)s->in_w * s->pix_stride;
    /* With dilation 1 and the window inside the image horizontally, a filter row is one run
     * of consecutive input bytes. */
    const int32_t whole_rows = s->runs && base_x >= 0 && base_x + s->k_w <= s->in_w;
    for (int32_t ky = 0; ky < s->k_h; ky++) {
        const int32_t iy = base_y + ky * s->dil_y;
        if (iy < 0 || iy >= s->in_h) {
            mve_set(col, pad, row_len);
            col += row_len;
            continue;
        }
        const int8_t *in_row = input + (size_t)iy * in_row_len;
        if (whole_rows) {
            mve_copy(col, in_row + (size_t)base_x * s->pix_stride, row_len);
            col += row_len;
            continue;
        }
        for (int32_t kx = 0; kx < s->k_w; kx++) {
            const int32_t ix = base_x + kx * s->dil_x;
            if (ix < 0 || ix >= s->in_w) {
                mve_set(col, pad, s->in_c);
            } else {
                mve_copy(col, in_row + (size_t)ix * s->pix_stride, s->in_c);
            }
            col += s->in_c;
        }
    }
}
#endif

arm_cmsis_nn_status arm_convolve_s8(const cmsis_nn_context *ctx,
                                    const cmsis_nn_conv_params *conv_params,
                                    const cmsis_nn_per_channel_quant_params *quant_params,
                                    const cmsis_nn_dims *input_dims,
                                    const int8_t *input_data,
                                    const cmsis_nn_dims *filter_dims,
                                    const int8_t *filter_data,
                                    const cmsis_nn_dims *bias_dims,
                                    const int32_t *bias_data,
                                    const cmsis_nn_dims *upscale_dims,
                                    const cmsis_nn_dims *output_dims,
                                    int8_t *output_data)
{
    (void)bias_dims;
    if (upscale_dims != NULL && (upscale_dims->w != 1 || upscale_dims->h != 1)) {
        return ARM_CMSIS_NN_NO_IMPL_ERROR;
    }
    const int32_t in_c = input_dims->c;
    const int32_t group_c = filter_dims->c;
    const int32_t out_c = output_dims->c;
    if (group_c < 1 || in_c % group_c != 0 || out_c % (in_c / group_c) != 0) {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const int32_t groups = in_c / group_c;
    /* The columns are read as 32-bit words. */
    if (ctx == NULL || ctx->buf == NULL || ((uintptr_t)ctx->buf & 3u) != 0) {
        return ARM_CMSIS_NN_ARG_ERROR;
    }

    conv_patch_shape shape;
    shape.in_h = input_dims->h;
    shape.in_w = input_dims->w;
    shape.in_c = group_c;
    shape.pix_stride = in_c;
    shape.k_h = filter_dims->h;
    shape.k_w = filter_dims->w;
    shape.dil_y = conv_params->dilation.h;
    shape.dil_x = conv_params->dilation.w;
    shape.offset = conv_params->input_offset;
    shape.runs = shape.dil_x == 1 && groups == 1;

    mcu_nn_gemm_args g;
    g.col_len = shape.k_h * shape.k_w * group_c;
    g.col_pitch = (g.col_len + 3) & ~3;
    g.out_c = out_c / groups;
    g.out_stride = out_c;
    g.out_offset = conv_params->output_offset;
    g.act_min = conv_params->activation.min;
    g.act_max = conv_params->activation.max;

    /* Four columns of round_up(col_len, 4) slots each, then (C_F not a multiple of 4) the
     * byte stage, as arm_convolve_s8_get_buffer_size() assumes. */
#if MCU_NN_MVE
    /* Helium: four int8 columns of col_pitch bytes, a quarter of that scratch. */
    int8_t *cols = (int8_t *)ctx->buf;
    const int32_t step = g.col_pitch;
    shape.stage = NULL;
#else
    int16_t *cols = (int16_t *)ctx->buf;
    shape.stage = (group_c & 3) != 0 ? (int8_t *)(cols + MCU_NN_COLUMNS * g.col_pitch) : NULL;
    const int32_t step = mcu_nn_col_step(g.col_pitch);
#endif

    const int32_t out_h = output_dims->h;
    const int32_t out_w = output_dims->w;
    const int32_t stride_y = conv_params->stride.h;
    const int32_t stride_x = conv_params->stride.w;
    const int32_t pad_y = conv_params->padding.h;
    const int32_t pad_x = conv_params->padding.w;
    const size_t in_batch = (size_t)shape.in_h * shape.in_w * in_c;
    const size_t out_pixels = (size_t)out_h * out_w;

    for (int32_t b = 0; b < input_dims->n; b++) {
        /* a grouped convolution is `groups` convolutions side by side, one after another */
        for (int32_t grp = 0; grp < groups; grp++) {
            const int32_t oc0 = grp * g.out_c;
            const int8_t *input = input_data + (size_t)b * in_batch + (size_t)grp * group_c;
            int8_t *out = output_data + (size_t)b * out_pixels * out_c + oc0;
            g.filter = filter_data + (size_t)oc0 * g.col_len;
            g.bias = bias_data != NULL ? bias_data + oc0 : NULL;
            g.mult = quant_params->multiplier + oc0;
            g.shift = quant_params->shift + oc0;
            int32_t filled = 0; /* columns filled and not yet multiplied */
            for (int32_t oy = 0; oy < out_h; oy++) {
                const int32_t base_y = oy * stride_y - pad_y;
                for (int32_t ox = 0; ox < out_w; ox++) {
                    const int32_t base_x = ox * stride_x - pad_x;
#if MCU_NN_MVE
                    conv_mve_fill_column(cols + filled * step, input, &shape, base_y, base_x);
                    if (++filled == MCU_NN_COLUMNS) {
                        mcu_nn_mat_mult_nt_t_s8(&g, cols, MCU_NN_COLUMNS, step, shape.offset, out);
#else
                    conv_fill_column(cols + filled * step, input, &shape, base_y, base_x);
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
                mcu_nn_mat_mult_nt_t_s8(&g, cols, filled, step, shape.offset, out);
#else
                mcu_nn_mat_mult_kernel_s8_s16(&g, cols, filled, out);
#endif
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
