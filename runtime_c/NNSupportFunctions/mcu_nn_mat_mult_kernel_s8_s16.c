/*
 * mcutool runtime: mcu_nn_mat_mult_kernel_s8_s16, the core of the int8 convolution on cores
 * without Helium: int8 filter rows times one to four int16 im2col columns (input + offset, the
 * layout in Internal/mcu_nn_mat_mult.h), requantized per output channel to int8.
 *
 * With the DSP extension (packed layout), one output channel of the four pixels is accumulated
 * at a time: four int8 filter taps are unpacked into two int16 pairs once (SXTB16) and
 * multiplied with each column two taps at a time (SMLAD). Without it (plain layout), two
 * channels times two pixels are accumulated together so that each loaded value is used twice.
 */
#include <stdint.h>
#include <string.h>

#include "arm_nnsupportfunctions.h"
#include "Internal/mcu_nn_mat_mult.h"

static inline int8_t mm_clamp(int32_t v, int32_t lo, int32_t hi)
{
    v = v < lo ? lo : v;
    v = v > hi ? hi : v;
    return (int8_t)v;
}

/* All output channels of one pixel (the column at col). */
static void mm_one(const mcu_nn_gemm_args *g, const int16_t *col, int8_t *out)
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
            cw += MCU_NN_COL_GROUP_SLOTS / 2;
        }
#endif
        for (; k < n; k++) {
            int16_t x;
            memcpy(&x, col + mcu_nn_col_slot(k), sizeof(x));
            acc += w[k] * x;
        }
        w += n;
        out[oc] = mm_clamp(arm_nn_requantize(acc, g->mult[oc], g->shift[oc]) + g->out_offset,
                           g->act_min, g->act_max);
    }
}

#if MCU_NN_DSP
/* Accumulators of one output channel over the four columns. */
typedef struct {
    int32_t a0, a1, a2, a3;
} mm_acc4;

/* One group: filter word x (four int8 taps) times the four columns at *cw. */
static inline void mm_group_four(mm_acc4 *a, int32_t x, const int32_t **cw)
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
 * once and used four times. When col_len is not a multiple of 4 the last group is partial: its
 * filter word then reaches into the following rows (or, near the end of the filter, is put
 * together from its bytes) and meets the zeroed slots past the end of the columns. */

static MCU_NN_NOINLINE void mm_four(const mcu_nn_gemm_args *g, const int16_t *cols, int8_t *out)
{
    const int32_t groups = g->col_len >> 2;
    const int32_t rest = g->col_len & 3;
    const int32_t out_c = g->out_c;
    const int32_t zp = g->out_offset, lo = g->act_min, hi = g->act_max;
    const int32_t *bias = g->bias;
    const int32_t *mult = g->mult;
    const int32_t *shift = g->shift;
    const int8_t *w = g->filter;
    const int8_t *filter_end = g->filter + (size_t)out_c * g->col_len;
    const int32_t full_range = lo == INT8_MIN && hi == INT8_MAX;
    for (int32_t oc = 0; oc < out_c; oc++) {
        const int32_t b = bias != NULL ? bias[oc] : 0;
        mm_acc4 acc = {b, b, b, b};
        const int32_t *cw = (const int32_t *)(const void *)cols;
        /* two groups per iteration: half the loop overhead */
        for (int32_t i = groups >> 1; i > 0; i--) {
            mm_group_four(&acc, mcu_nn_read_s8x4(w), &cw);
            mm_group_four(&acc, mcu_nn_read_s8x4(w + 4), &cw);
            w += 8;
        }
        if ((groups & 1) != 0) {
            mm_group_four(&acc, mcu_nn_read_s8x4(w), &cw);
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
            mm_group_four(&acc, x, &cw);
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
        /* the pixel stride is read here, outside the multiply loops that want its register */
        const int32_t st = g->out_stride;
        if (full_range) {
            /* the usual activation range: one SSAT clamps */
            o[0] = (int8_t)mcu_ssat8(a0 + zp);
            o[st] = (int8_t)mcu_ssat8(a1 + zp);
            o[2 * st] = (int8_t)mcu_ssat8(a2 + zp);
            o[3 * st] = (int8_t)mcu_ssat8(a3 + zp);
        } else {
            o[0] = mm_clamp(a0 + zp, lo, hi);
            o[st] = mm_clamp(a1 + zp, lo, hi);
            o[2 * st] = mm_clamp(a2 + zp, lo, hi);
            o[3 * st] = mm_clamp(a3 + zp, lo, hi);
        }
    }
}

#else
/* All output channels of two pixels (plain columns col0, col1) into out0 and out1: two
 * channels times two pixels at a time, so each loaded value is used twice. g's fields are read
 * into locals first: int8 stores may alias anything, so they would be reloaded after each. */
static void mm_two(
    const mcu_nn_gemm_args *g, const int16_t *col0, const int16_t *col1, int8_t *out0, int8_t *out1)
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
        out0[oc] = mm_clamp(arm_nn_requantize(a00, m0, s0) + zp, lo, hi);
        out1[oc] = mm_clamp(arm_nn_requantize(a01, m0, s0) + zp, lo, hi);
        out0[oc + 1] = mm_clamp(arm_nn_requantize(a10, m1, s1) + zp, lo, hi);
        out1[oc + 1] = mm_clamp(arm_nn_requantize(a11, m1, s1) + zp, lo, hi);
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
        out0[oc] = mm_clamp(arm_nn_requantize(a0, mult[oc], shift[oc]) + zp, lo, hi);
        out1[oc] = mm_clamp(arm_nn_requantize(a1, mult[oc], shift[oc]) + zp, lo, hi);
    }
}
#endif

void mcu_nn_mat_mult_kernel_s8_s16(const mcu_nn_gemm_args *g,
                                   const int16_t *cols,
                                   int32_t pixels,
                                   int8_t *out)
{
    const int32_t step = mcu_nn_col_step(g->col_pitch);
    const int32_t stride = g->out_stride;
    int32_t j = 0;
#if MCU_NN_DSP
    /* the four-pixel core: out_stride may exceed out_c (a group of a grouped convolution, a
     * block of channels of the codebook convolution) */
    if (pixels == MCU_NN_COLUMNS) {
        mm_four(g, cols, out);
        return;
    }
#else
    for (; j + 1 < pixels; j += 2) {
        mm_two(g, cols + j * step, cols + (j + 1) * step, out + j * stride, out + (j + 1) * stride);
    }
#endif
    for (; j < pixels; j++) {
        mm_one(g, cols + j * step, out + j * stride);
    }
}
