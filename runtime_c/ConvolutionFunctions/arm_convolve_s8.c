/*
 * mcutool portable runtime: arm_convolve_s8, int8 2-D convolution (TFLite CONV_2D, per-channel
 * requantization), bit-exact with TFLite-Micro's reference ConvPerChannel.
 *
 * Layouts: input [N, H, W, C_IN], filter [C_OUT, HK, WK, C_IN], bias [C_OUT] (int32, may be NULL),
 * output [N, H_OUT, W_OUT, C_OUT]. filter_dims->c must equal input_dims->c (no grouped conv).
 * Ranges: conv_params->input_offset in [-127, 128] (= -input zero point), output_offset in
 * [-128, 127], activation within [-128, 127]; stride, dilation >= 1; padding >= 0 (top/left).
 * upscale_dims must be NULL or 1x1 (no zero-insertion upscaling in this runtime).
 * ctx->buf: arm_convolve_s8_get_buffer_size() bytes, 4-byte aligned.
 *
 * Method: the patches under four output pixels are copied (im2col) into four int16 columns
 * with the input offset already added, so padded taps become exact zeros and the multiply loops
 * have no branches. (When C_IN is not a multiple of 4 a patch is first gathered as bytes in a
 * stage, so that it is widened in whole words.)
 *
 * With the DSP extension (packed layout), one output channel of the four pixels is accumulated
 * at a time: four int8 filter taps are unpacked into two int16 pairs once (SXTB16) and
 * multiplied with each column two taps at a time (SMLAD). Taps are grouped by four; group g of
 * the four columns takes 16 int16 slots, [col 0: k, k+2, k+1, k+3][col 1: ...][col 2: ...]
 * [col 3: ...] for k = 4g. The 0, 2, 1, 3 order is the one SXTB16 unpacks a filter word in, so
 * no repacking is needed, and interleaving the columns lets one pointer walk all four.
 *
 * Without it (plain layout: column j is round_up(HK * WK * C_IN, 4) slots after column j - 1,
 * taps in order), two channels times two pixels are accumulated together so that each loaded
 * value is used twice.
 *
 * With Helium (MVE, Cortex-M55) the columns stay int8 (raw input bytes, padding -input_offset)
 * and each output channel takes 16 taps of four columns per step; the input offset enters as
 * input_offset times the filter row's sum. Requantization stays scalar, as in the other paths.
 */
#include <stdint.h>
#include <string.h>

#include "arm_nnfunctions.h"
#include "arm_nnsupportfunctions.h"
#include "mcu_nn_dsp.h"

#define COLUMNS 4 /* pixels per im2col pass */

#if MCU_NN_DSP
#define COL_GROUP_SLOTS 16 /* int16 slots of a group of four taps, all four columns */

/* Slot of tap k of column 0; column j starts j * 4 slots later. */
static inline int32_t col_slot(int32_t k)
{
    return ((k & ~3) << 2) | ((k & 1) << 1) | ((k >> 1) & 1);
}

static inline int32_t col_step(int32_t pitch)
{
    (void)pitch;
    return 4;
}
#else
static inline int32_t col_slot(int32_t k)
{
    return k;
}

/* Slots from column j to column j + 1. */
static inline int32_t col_step(int32_t pitch)
{
    return pitch;
}
#endif

typedef struct {
    int32_t in_h, in_w, in_c;
    int32_t k_h, k_w;
    int32_t dil_y, dil_x;
    int32_t offset;
    int8_t *stage; /* patch bytes gathered here first when C_IN is not a multiple of 4, else NULL */
} conv_patch_shape;

#if !MCU_NN_MVE /* the packed and plain int16 columns */
/* Taps k .. k+n-1 of a column from n consecutive bytes plus the offset; k and n are
 * multiples of 4. */
static void col_convert(int16_t *col, int32_t k, const int8_t *src, int32_t n, int32_t offset)
{
#if MCU_NN_DSP
    /* One load and two SXTAB16 (unpack, add the offset to both halves) per group. */
    const int32_t offset_pair = (int32_t)(((uint32_t)offset << 16) | ((uint32_t)offset & 0xFFFFu));
    int32_t *words = (int32_t *)(void *)(col + col_slot(k));
    for (; n > 0; n -= 4) {
        const int32_t x = mcu_nn_read_s8x4(src);
        words[0] = mcu_sxtab16(offset_pair, x);
        words[1] = mcu_sxtab16_ror8(offset_pair, x);
        words += COL_GROUP_SLOTS / 2;
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
    int16_t *slots = col + col_slot(k);
    for (; n > 0; n -= 4) {
        memset(slots, 0, 4 * sizeof(int16_t));
        slots += COL_GROUP_SLOTS;
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

/* One im2col column: the HK x WK x C_IN patch whose top-left tap is (base_y, base_x). In the
 * packed layout the slots past HK * WK * C_IN in the last group are set to zero. */
static void conv_fill_column(
    int16_t *col, const int8_t *input, const conv_patch_shape *s, int32_t base_y, int32_t base_x)
{
    const int32_t row_len = s->k_w * s->in_c;
    const size_t in_row_len = (size_t)s->in_w * s->in_c;
    /* With dilation 1 and the window inside the image horizontally, a filter row is one run
     * of consecutive input bytes. */
    const int32_t whole_rows = s->dil_x == 1 && base_x >= 0 && base_x + s->k_w <= s->in_w;
    int32_t k = 0;
    if (whole_rows && base_y >= 0 && base_y + (s->k_h - 1) * s->dil_y < s->in_h) {
        /* The common case: the window lies inside the image. */
        const int8_t *src = input + (size_t)base_y * in_row_len + (size_t)base_x * s->in_c;
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
                patch_copy(col, s, k, in_row + (size_t)base_x * s->in_c, row_len);
                k += row_len;
                continue;
            }
            for (int32_t kx = 0; kx < s->k_w; kx++) {
                const int32_t ix = base_x + kx * s->dil_x;
                if (ix < 0 || ix >= s->in_w) {
                    patch_pad(col, s, k, s->in_c);
                } else {
                    patch_copy(col, s, k, in_row + (size_t)ix * s->in_c, s->in_c);
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
#endif

typedef struct {
    const int8_t *filter;
    const int32_t *bias;
    const int32_t *mult;
    const int32_t *shift;
    int32_t col_len;
    int32_t col_pitch; /* round_up(col_len, 4) */
    int32_t out_c;
    int32_t out_offset;
    int32_t act_min;
    int32_t act_max;
} conv_gemm_args;

static inline int8_t conv_clamp(int32_t v, int32_t lo, int32_t hi)
{
    v = v < lo ? lo : v;
    v = v > hi ? hi : v;
    return (int8_t)v;
}

/* The output stage of one accumulator of channel oc. */
static inline int8_t conv_requantize(int32_t acc, const conv_gemm_args *g, int32_t oc)
{
    return conv_clamp(arm_nn_requantize(acc, g->mult[oc], g->shift[oc]) + g->out_offset, g->act_min,
                      g->act_max);
}

#if !MCU_NN_MVE
/* All output channels of one pixel (the column at col). */
static void conv_gemm_one(const conv_gemm_args *g, const int16_t *col, int8_t *out)
{
    const int32_t n = g->col_len;
    const int8_t *w = g->filter;
    for (int32_t oc = 0; oc < g->out_c; oc++) {
        int32_t acc = g->bias != NULL ? g->bias[oc] : 0;
        int32_t k = 0;
#if MCU_NN_DSP
        const int32_t *cw = (const int32_t *)(const void *)col;
        for (; k + 3 < n; k += 4) {
            const int32_t x = mcu_nn_read_s8x4(w + k);
            acc = mcu_smlad(mcu_sxtb16(x), cw[0], acc);
            acc = mcu_smlad(mcu_sxtb16_ror8(x), cw[1], acc);
            cw += COL_GROUP_SLOTS / 2;
        }
#endif
        for (; k < n; k++) {
            int16_t x;
            memcpy(&x, col + col_slot(k), sizeof(x));
            acc += w[k] * x;
        }
        w += n;
        out[oc] = conv_requantize(acc, g, oc);
    }
}

#if MCU_NN_DSP
/* Accumulators of one output channel over the four columns. */
typedef struct {
    int32_t a0, a1, a2, a3;
} conv_acc4;

/* One group: filter word x (four int8 taps) times the four columns at *cw. */
static inline void conv_group_four(conv_acc4 *a, int32_t x, const int32_t **cw)
{
    const int32_t x02 = mcu_sxtb16(x), x13 = mcu_sxtb16_ror8(x);
    const int32_t *c = *cw;
    int32_t p, q;
    c = mcu_nn_read_pair_ia(c, &p, &q);
    a->a0 = mcu_smlad(x13, q, mcu_smlad(x02, p, a->a0));
    c = mcu_nn_read_pair_ia(c, &p, &q);
    a->a1 = mcu_smlad(x13, q, mcu_smlad(x02, p, a->a1));
    c = mcu_nn_read_pair_ia(c, &p, &q);
    a->a2 = mcu_smlad(x13, q, mcu_smlad(x02, p, a->a2));
    c = mcu_nn_read_pair_ia(c, &p, &q);
    a->a3 = mcu_smlad(x13, q, mcu_smlad(x02, p, a->a3));
    *cw = c;
}

/* Every output channel of four pixels, one channel at a time: each filter word is unpacked
 * once and used four times. When HK * WK * C_IN is not a multiple of 4 the last group is
 * partial: its filter word then reaches into the following rows (or, near the end of the
 * filter, is put together from its bytes) and meets the zeroed slots past the end of the
 * columns. */
static void conv_gemm_four(const conv_gemm_args *g, const int16_t *cols, int8_t *out)
{
    const int32_t groups = g->col_len >> 2;
    const int32_t rest = g->col_len & 3;
    const int32_t out_c = g->out_c, zp = g->out_offset, lo = g->act_min, hi = g->act_max;
    const int32_t *bias = g->bias;
    const int32_t *mult = g->mult;
    const int32_t *shift = g->shift;
    const int8_t *w = g->filter;
    const int8_t *filter_end = g->filter + (size_t)out_c * g->col_len;
    const int32_t full_range = lo == INT8_MIN && hi == INT8_MAX;
    for (int32_t oc = 0; oc < out_c; oc++) {
        const int32_t b = bias != NULL ? bias[oc] : 0;
        conv_acc4 acc = {b, b, b, b};
        const int32_t *cw = (const int32_t *)(const void *)cols;
        /* two groups per iteration: half the loop overhead */
        for (int32_t i = groups >> 1; i > 0; i--) {
            conv_group_four(&acc, mcu_nn_read_s8x4(w), &cw);
            conv_group_four(&acc, mcu_nn_read_s8x4(w + 4), &cw);
            w += 8;
        }
        if ((groups & 1) != 0) {
            conv_group_four(&acc, mcu_nn_read_s8x4(w), &cw);
            w += 4;
        }
        if (rest != 0) {
            int32_t x;
            if (filter_end - w >= 4) {
                x = mcu_nn_read_s8x4(w);
            } else {
                uint32_t bytes = 0;
                for (int32_t k = 0; k < rest; k++) {
                    bytes |= ((uint32_t)(uint8_t)w[k]) << (8 * k);
                }
                x = (int32_t)bytes;
            }
            w += rest;
            conv_group_four(&acc, x, &cw);
        }
        /* arm_nn_requantize() on all four, testing the shift's sign once; int8 stores may
         * alias anything, so the constants above are kept in locals */
        const int32_t m = mult[oc], s = shift[oc];
        int32_t a0 = acc.a0, a1 = acc.a1, a2 = acc.a2, a3 = acc.a3;
        if (s < 0) {
            a0 = mcu_nn_round_shift_right(arm_nn_doubling_high_mult_no_sat(a0, m), -s);
            a1 = mcu_nn_round_shift_right(arm_nn_doubling_high_mult_no_sat(a1, m), -s);
            a2 = mcu_nn_round_shift_right(arm_nn_doubling_high_mult_no_sat(a2, m), -s);
            a3 = mcu_nn_round_shift_right(arm_nn_doubling_high_mult_no_sat(a3, m), -s);
        } else {
            a0 = arm_nn_doubling_high_mult_no_sat((int32_t)((uint32_t)a0 << s), m);
            a1 = arm_nn_doubling_high_mult_no_sat((int32_t)((uint32_t)a1 << s), m);
            a2 = arm_nn_doubling_high_mult_no_sat((int32_t)((uint32_t)a2 << s), m);
            a3 = arm_nn_doubling_high_mult_no_sat((int32_t)((uint32_t)a3 << s), m);
        }
        int8_t *o = out + oc;
        if (full_range) {
            /* the usual activation range: one SSAT clamps */
            o[0] = (int8_t)mcu_ssat8(a0 + zp);
            o[out_c] = (int8_t)mcu_ssat8(a1 + zp);
            o[2 * out_c] = (int8_t)mcu_ssat8(a2 + zp);
            o[3 * out_c] = (int8_t)mcu_ssat8(a3 + zp);
        } else {
            o[0] = conv_clamp(a0 + zp, lo, hi);
            o[out_c] = conv_clamp(a1 + zp, lo, hi);
            o[2 * out_c] = conv_clamp(a2 + zp, lo, hi);
            o[3 * out_c] = conv_clamp(a3 + zp, lo, hi);
        }
    }
}
#else
/* All output channels of two pixels (plain columns col0, col1) into out0 and out1: two
 * channels times two pixels at a time, so each loaded value is used twice. g's fields are read
 * into locals first: int8 stores may alias anything, so they would be reloaded after each. */
static void conv_gemm_two(
    const conv_gemm_args *g, const int16_t *col0, const int16_t *col1, int8_t *out0, int8_t *out1)
{
    const int32_t n = g->col_len, out_c = g->out_c;
    const int32_t zp = g->out_offset, lo = g->act_min, hi = g->act_max;
    const int32_t *bias = g->bias, *mult = g->mult, *shift = g->shift;
    int32_t oc = 0;
    for (; oc + 1 < out_c; oc += 2) {
        const int8_t *w0 = g->filter + (size_t)oc * n;
        const int8_t *w1 = w0 + n;
        int32_t a00 = 0, a01 = 0, a10 = 0, a11 = 0;
        for (int32_t k = 0; k < n; k++) {
            const int32_t x0 = col0[k];
            const int32_t x1 = col1[k];
            const int32_t f0 = w0[k];
            const int32_t f1 = w1[k];
            a00 += f0 * x0;
            a01 += f0 * x1;
            a10 += f1 * x0;
            a11 += f1 * x1;
        }
        if (bias != NULL) {
            a00 += bias[oc];
            a01 += bias[oc];
            a10 += bias[oc + 1];
            a11 += bias[oc + 1];
        }
        const int32_t m0 = mult[oc], s0 = shift[oc], m1 = mult[oc + 1], s1 = shift[oc + 1];
        out0[oc] = conv_clamp(arm_nn_requantize(a00, m0, s0) + zp, lo, hi);
        out1[oc] = conv_clamp(arm_nn_requantize(a01, m0, s0) + zp, lo, hi);
        out0[oc + 1] = conv_clamp(arm_nn_requantize(a10, m1, s1) + zp, lo, hi);
        out1[oc + 1] = conv_clamp(arm_nn_requantize(a11, m1, s1) + zp, lo, hi);
    }
    if (oc < out_c) {
        const int8_t *w0 = g->filter + (size_t)oc * n;
        int32_t a0 = 0, a1 = 0;
        for (int32_t k = 0; k < n; k++) {
            const int32_t f0 = w0[k];
            a0 += f0 * col0[k];
            a1 += f0 * col1[k];
        }
        if (bias != NULL) {
            a0 += bias[oc];
            a1 += bias[oc];
        }
        out0[oc] = conv_clamp(arm_nn_requantize(a0, mult[oc], shift[oc]) + zp, lo, hi);
        out1[oc] = conv_clamp(arm_nn_requantize(a1, mult[oc], shift[oc]) + zp, lo, hi);
    }
}
#endif

/* All output channels of the first `pixels` columns (1 to 4) into consecutive output pixels. */
static void conv_gemm(const conv_gemm_args *g, const int16_t *cols, int32_t pixels, int8_t *out)
{
    const int32_t step = col_step(g->col_pitch);
    int32_t j = 0;
#if MCU_NN_DSP
    if (pixels == COLUMNS) {
        conv_gemm_four(g, cols, out);
        return;
    }
#else
    for (; j + 1 < pixels; j += 2) {
        conv_gemm_two(g, cols + j * step, cols + (j + 1) * step, out + j * g->out_c,
                      out + (j + 1) * g->out_c);
    }
#endif
    for (; j < pixels; j++) {
        conv_gemm_one(g, cols + j * step, out + j * g->out_c);
    }
}
#else
/* Helium (MVE) path. The columns hold the raw int8 input (padded taps hold -input_offset,
 * an int8 value, so they contribute nothing once the offset is added), and
 * sum_k (x[k] + off) * w[k] = sum_k x[k] * w[k] + off * sum_k w[k] (both wrap alike in int32):
 * VMLADAV multiplies 16 int8 pairs into an int32 accumulator and VADDV sums the filter row. */

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

/* One int8 im2col column: the HK x WK x C_IN patch whose top-left tap is (base_y, base_x). */
static void conv_mve_fill_column(
    int8_t *col, const int8_t *input, const conv_patch_shape *s, int32_t base_y, int32_t base_x)
{
    const int8_t pad = (int8_t)-s->offset;
    const int32_t row_len = s->k_w * s->in_c;
    const size_t in_row_len = (size_t)s->in_w * s->in_c;
    /* With dilation 1 and the window inside the image horizontally, a filter row is one run
     * of consecutive input bytes. */
    const int32_t whole_rows = s->dil_x == 1 && base_x >= 0 && base_x + s->k_w <= s->in_w;
    for (int32_t ky = 0; ky < s->k_h; ky++) {
        const int32_t iy = base_y + ky * s->dil_y;
        if (iy < 0 || iy >= s->in_h) {
            mve_set(col, pad, row_len);
            col += row_len;
            continue;
        }
        const int8_t *in_row = input + (size_t)iy * in_row_len;
        if (whole_rows) {
            mve_copy(col, in_row + (size_t)base_x * s->in_c, row_len);
            col += row_len;
            continue;
        }
        for (int32_t kx = 0; kx < s->k_w; kx++) {
            const int32_t ix = base_x + kx * s->dil_x;
            if (ix < 0 || ix >= s->in_w) {
                mve_set(col, pad, s->in_c);
            } else {
                mve_copy(col, in_row + (size_t)ix * s->in_c, s->in_c);
            }
            col += s->in_c;
        }
    }
}

/* arm_nn_requantize() of four accumulators sharing a multiplier and shift, all at once.
 * VQRDMULH is the doubling high multiply rounded half up (it saturates only for
 * INT32_MIN * INT32_MIN, which a multiplier >= 0 never meets); adding the sign (-1 for
 * negatives) before VRSHL's round-half-up shift gives round half away from zero, exactly as
 * mcu_nn_round_shift_right() does. VSHL wraps like the scalar left shift. */
static inline int32x4_t conv_mve_requantize(int32x4_t acc, int32_t m, int32_t s)
{
    if (s < 0) {
        int32x4_t v = vqrdmulhq_n_s32(acc, m);
        v = vaddq_s32(v, vshrq_n_s32(v, 31));
        return vrshlq_n_s32(v, s);
    }
    return vqrdmulhq_n_s32(vshlq_r_s32(acc, s), m);
}

/* Every output channel of `pixels` (1 to 4) consecutive output pixels whose columns start at
 * cols, pitch bytes apart: one channel at a time, each filter vector used on four columns.
 * With fewer than four pixels the missing columns repeat column 0 and are not stored. */
static void conv_mve_gemm(const conv_gemm_args *g,
                          const int8_t *cols,
                          int32_t pitch,
                          int32_t pixels,
                          int32_t in_offset,
                          int8_t *out)
{
    const int32_t n = g->col_len, out_c = g->out_c;
    const int32_t zp = g->out_offset, lo = g->act_min, hi = g->act_max;
    const int32_t *bias = g->bias, *mult = g->mult, *shift = g->shift;
    const int8_t *c0 = cols;
    const int8_t *c1 = pixels > 1 ? cols + pitch : cols;
    const int8_t *c2 = pixels > 2 ? cols + 2 * pitch : cols;
    const int8_t *c3 = pixels > 3 ? cols + 3 * pitch : cols;
    const int32_t rest = n & 15;
    const int32_t full = n - rest;
    const mve_pred16_t tail = vctp8q((uint32_t)rest);
    const int8_t *w = g->filter;
    /* byte offsets of the four pixels' outputs, for one scatter store per channel */
    const uint32x4_t out_offsets = vmulq_n_u32(vidupq_n_u32(0, 1), (uint32_t)out_c);
    const mve_pred16_t stored = vctp32q((uint32_t)pixels);
    const int32x4_t lo4 = vdupq_n_s32(lo), hi4 = vdupq_n_s32(hi);
    for (int32_t oc = 0; oc < out_c; oc++, w += n) {
        int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, ws = 0;
        const int8_t *wp = w, *p0 = c0, *p1 = c1, *p2 = c2, *p3 = c3;
        for (int32_t i = full >> 4; i > 0; i--) {
            const int8x16_t wv = vldrbq_s8(wp);
            ws = vaddvaq_s8(ws, wv);
            a0 = vmladavaq_s8(a0, vldrbq_s8(p0), wv);
            a1 = vmladavaq_s8(a1, vldrbq_s8(p1), wv);
            a2 = vmladavaq_s8(a2, vldrbq_s8(p2), wv);
            a3 = vmladavaq_s8(a3, vldrbq_s8(p3), wv);
            wp += 16;
            p0 += 16;
            p1 += 16;
            p2 += 16;
            p3 += 16;
        }
        if (rest != 0) {
            /* zeroed lanes past the end add nothing */
            const int8x16_t wv = vldrbq_z_s8(wp, tail);
            ws = vaddvaq_s8(ws, wv);
            a0 = vmladavaq_s8(a0, vldrbq_z_s8(p0, tail), wv);
            a1 = vmladavaq_s8(a1, vldrbq_z_s8(p1, tail), wv);
            a2 = vmladavaq_s8(a2, vldrbq_z_s8(p2, tail), wv);
            a3 = vmladavaq_s8(a3, vldrbq_z_s8(p3, tail), wv);
        }
        /* bias + offset term, in uint32 so that it wraps instead of overflowing (vector adds
         * wrap too) */
        const uint32_t base =
            (uint32_t)(bias != NULL ? bias[oc] : 0) + (uint32_t)in_offset * (uint32_t)ws;
        int32x4_t acc = vdupq_n_s32(a0);
        acc = vsetq_lane_s32(a1, acc, 1);
        acc = vsetq_lane_s32(a2, acc, 2);
        acc = vsetq_lane_s32(a3, acc, 3);
        acc = vaddq_n_s32(acc, (int32_t)base);
        int32x4_t v = vaddq_n_s32(conv_mve_requantize(acc, mult[oc], shift[oc]), zp);
        v = vminq_s32(vmaxq_s32(v, lo4), hi4);
        vstrbq_scatter_offset_p_s32(out + oc, out_offsets, v, stored);
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
    if (filter_dims->c != input_dims->c) {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    /* The columns are read as 32-bit words. */
    if (ctx == NULL || ctx->buf == NULL || ((uintptr_t)ctx->buf & 3u) != 0) {
        return ARM_CMSIS_NN_ARG_ERROR;
    }

    conv_patch_shape shape;
    shape.in_h = input_dims->h;
    shape.in_w = input_dims->w;
    shape.in_c = input_dims->c;
    shape.k_h = filter_dims->h;
    shape.k_w = filter_dims->w;
    shape.dil_y = conv_params->dilation.h;
    shape.dil_x = conv_params->dilation.w;
    shape.offset = conv_params->input_offset;

    conv_gemm_args g;
    g.filter = filter_data;
    g.bias = bias_data;
    g.mult = quant_params->multiplier;
    g.shift = quant_params->shift;
    g.col_len = shape.k_h * shape.k_w * shape.in_c;
    g.col_pitch = (g.col_len + 3) & ~3;
    g.out_c = output_dims->c;
    g.out_offset = conv_params->output_offset;
    g.act_min = conv_params->activation.min;
    g.act_max = conv_params->activation.max;

    /* Four columns of round_up(col_len, 4) slots each, then (C_IN not a multiple of 4) the
     * byte stage, as arm_convolve_s8_get_buffer_size() assumes. */
#if MCU_NN_MVE
    /* Helium: four int8 columns of col_pitch bytes, a quarter of that scratch. */
    int8_t *cols = (int8_t *)ctx->buf;
    const int32_t step = g.col_pitch;
    shape.stage = NULL;
#else
    int16_t *cols = (int16_t *)ctx->buf;
    shape.stage = (shape.in_c & 3) != 0 ? (int8_t *)(cols + COLUMNS * g.col_pitch) : NULL;
    const int32_t step = col_step(g.col_pitch);
#endif

    const int32_t out_h = output_dims->h;
    const int32_t out_w = output_dims->w;
    const int32_t stride_y = conv_params->stride.h;
    const int32_t stride_x = conv_params->stride.w;
    const int32_t pad_y = conv_params->padding.h;
    const int32_t pad_x = conv_params->padding.w;
    const size_t in_batch = (size_t)shape.in_h * shape.in_w * shape.in_c;

    for (int32_t b = 0; b < input_dims->n; b++) {
        const int8_t *input = input_data + (size_t)b * in_batch;
        int8_t *out = output_data + (size_t)b * out_h * out_w * g.out_c;
        int32_t filled = 0; /* columns filled and not yet multiplied */
        for (int32_t oy = 0; oy < out_h; oy++) {
            const int32_t base_y = oy * stride_y - pad_y;
            for (int32_t ox = 0; ox < out_w; ox++) {
                const int32_t base_x = ox * stride_x - pad_x;
#if MCU_NN_MVE
                conv_mve_fill_column(cols + filled * step, input, &shape, base_y, base_x);
                if (++filled == COLUMNS) {
                    conv_mve_gemm(&g, cols, step, COLUMNS, shape.offset, out);
#else
                conv_fill_column(cols + filled * step, input, &shape, base_y, base_x);
                if (++filled == COLUMNS) {
                    conv_gemm(&g, cols, COLUMNS, out);
#endif
                    out += COLUMNS * g.out_c;
                    filled = 0;
                }
            }
        }
        if (filled != 0) {
#if MCU_NN_MVE
            conv_mve_gemm(&g, cols, step, filled, shape.offset, out);
#else
            conv_gemm(&g, cols, filled, out);
#endif
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
