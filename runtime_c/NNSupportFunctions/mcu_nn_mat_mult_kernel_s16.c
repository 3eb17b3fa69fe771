/*
 * mcutool runtime: mcu_nn_mat_mult_kernel_s16, the core of the 16x8 convolution: int8 filter
 * rows times one to four int16 im2col columns (Internal/mcu_nn_mat_mult.h's layout, the input
 * itself), each sum exact, requantized per output channel to int16.
 *
 * With the DSP extension (packed layout) one output channel of the four pixels is accumulated
 * at a time, as the int8 core does: four int8 filter taps unpacked into two int16 pairs once
 * (SXTB16) and multiplied with each column two taps at a time (SMLAD) into int32 sums, which
 * are exact for up to MCU_NN_S16_EXACT_TAPS taps; a longer filter row is summed in such parts
 * that join an int64 total. With Helium (plain layout) eight taps per vector step into int64
 * sums; without either (plain layout) one channel at a time over the pixels.
 */
#include <stdint.h>
#include <string.h>

#include "Internal/mcu_nn_mat_mult.h"
#include "Internal/mcu_nn_s16.h"

/* mcu_nn_s16_output out of line: the int64 requantization is the rare path, and inlined at
 * every store it would take more flash than the rest of the core. */
static MCU_NN_NOINLINE int16_t s16_output(const mcu_nn_gemm_s16_args *g, int32_t oc, int64_t sum)
{
    return mcu_nn_s16_output(g, oc, sum);
}

#if MCU_NN_MVE
/* Helium: per output channel eight taps at a time, the weights widened by the load
 * (VLDRB.S16) once for the four columns, each column's sum exact: int32 (VMLADAVA) up to
 * MCU_NN_S16_EXACT_TAPS taps, int64 (VMLALDAVA) past them; the last step is tail-predicated,
 * so the columns need no padding. */
static MCU_NN_NOINLINE void
s16_mve(const mcu_nn_gemm_s16_args *g, const int16_t *cols, int32_t pixels, int16_t *out)
{
    const int32_t n = g->col_len;
    const int32_t pitch = (n + 3) & ~3;
    const int16_t *c0 = cols, *c1 = c0 + pitch, *c2 = c1 + pitch, *c3 = c2 + pitch;
    const int8_t *w = g->filter;
    for (int32_t oc = 0; oc < g->out_c; oc++, w += n) {
        int64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        if (n <= MCU_NN_S16_EXACT_TAPS) {
            /* int32 sums are exact here (VMLADAVA): half the registers of int64 ones */
            int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            for (int32_t k = 0; k < n; k += 8) {
                const mve_pred16_t p = vctp16q((uint32_t)(n - k));
                const int16x8_t wv = vldrbq_z_s16(w + k, p);
                s0 = vmladavaq_s16(s0, vldrhq_z_s16(c0 + k, p), wv);
                s1 = vmladavaq_s16(s1, vldrhq_z_s16(c1 + k, p), wv);
                s2 = vmladavaq_s16(s2, vldrhq_z_s16(c2 + k, p), wv);
                s3 = vmladavaq_s16(s3, vldrhq_z_s16(c3 + k, p), wv);
            }
            a0 = s0;
            a1 = s1;
            a2 = s2;
            a3 = s3;
        } else {
            for (int32_t k = 0; k < n; k += 8) {
                const mve_pred16_t p = vctp16q((uint32_t)(n - k));
                const int16x8_t wv = vldrbq_z_s16(w + k, p);
                a0 = vmlaldavaq_s16(a0, vldrhq_z_s16(c0 + k, p), wv);
                a1 = vmlaldavaq_s16(a1, vldrhq_z_s16(c1 + k, p), wv);
                a2 = vmlaldavaq_s16(a2, vldrhq_z_s16(c2 + k, p), wv);
                a3 = vmlaldavaq_s16(a3, vldrhq_z_s16(c3 + k, p), wv);
            }
        }
        const int64_t t[4] = {a0, a1, a2, a3};
        int64_t b;
        const int32_t fm = mcu_nn_s16_channel_multiplier(g, oc, &b);
        for (int32_t j = 0; j < pixels; j++) {
            /* fm != 0: at most MCU_NN_S16_EXACT_TAPS taps, so the sum is an int32 value */
            out[(size_t)j * g->out_stride + oc] =
                fm != 0 ? mcu_nn_clamp_s16(mcu_nn_mul_hi_round((int32_t)t[j] + (int32_t)b, fm),
                                           g->act_min, g->act_max)
                        : s16_output(g, oc, t[j]);
        }
    }
}
#elif MCU_NN_DSP
/* Groups of four taps per int32 part: the last part may add a partial group (up to 3 taps). */
#define S16_PART_GROUPS ((MCU_NN_S16_EXACT_TAPS - 3) / 4)

typedef struct {
    int32_t a0, a1, a2, a3;
} s16_acc4;

/* One group: filter word x (four int8 taps) times the four columns at *cw. Single-word loads:
 * back-to-back LDRs pipeline on the Cortex-M4, LDRD never does (notes: cycles.md). */
static inline void s16_group_four(s16_acc4 *a, int32_t x, const int32_t **cw)
{
    const int32_t x02 = mcu_sxtb16(x), x13 = mcu_sxtb16_ror8(x);
    const int32_t *c = *cw;
    a->a0 = mcu_smlad(x13, c[1], mcu_smlad(x02, c[0], a->a0));
    a->a1 = mcu_smlad(x13, c[3], mcu_smlad(x02, c[2], a->a1));
    a->a2 = mcu_smlad(x13, c[5], mcu_smlad(x02, c[4], a->a2));
    a->a3 = mcu_smlad(x13, c[7], mcu_smlad(x02, c[6], a->a3));
    *cw = c + MCU_NN_COL_GROUP_SLOTS / 2;
}

/* The last filter word of a row whose length is not a multiple of 4: read whole when the
 * filter goes on (its extra taps meet the zeroed column slots), else put together from its
 * bytes. */
static inline int32_t s16_tail_word(const int8_t *w, int32_t rest, const int8_t *filter_end)
{
    if (filter_end - w >= 4) {
        return mcu_nn_read_s8x4(w);
    }
    uint32_t bytes = 0;
    for (int32_t k = 0; k < rest; k++) {
        bytes |= ((uint32_t)(uint8_t)w[k]) << (8 * k);
    }
    return (int32_t)bytes;
}

/* n groups of one filter row (at *w) times the four columns (at *cw), added to a. */
static inline void s16_groups_four(s16_acc4 *a, const int8_t **w, const int32_t **cw, int32_t n)
{
    const int8_t *p = *w;
    /* two groups per iteration: half the loop overhead */
    for (; n >= 2; n -= 2) {
        s16_group_four(a, mcu_nn_read_s8x4(p), cw);
        s16_group_four(a, mcu_nn_read_s8x4(p + 4), cw);
        p += 8;
    }
    if (n != 0) {
        s16_group_four(a, mcu_nn_read_s8x4(p), cw);
        p += 4;
    }
    *w = p;
}

/* The four outputs of channel oc from int32 sums, by one rounding high multiply each
 * (mcu_nn_s16_fast_multiplier fm, bias b already checked to keep the sums in int32). */
static inline void s16_store_fast(const mcu_nn_gemm_s16_args *g,
                                  const s16_acc4 *a,
                                  int32_t b,
                                  int32_t fm,
                                  int32_t pixels,
                                  int16_t *o)
{
    const int32_t lo = g->act_min, hi = g->act_max, stride = g->out_stride;
    o[0] = mcu_nn_clamp_s16(mcu_nn_mul_hi_round(a->a0 + b, fm), lo, hi);
    if (pixels > 1) {
        o[stride] = mcu_nn_clamp_s16(mcu_nn_mul_hi_round(a->a1 + b, fm), lo, hi);
    }
    if (pixels > 2) {
        o[2 * stride] = mcu_nn_clamp_s16(mcu_nn_mul_hi_round(a->a2 + b, fm), lo, hi);
    }
    if (pixels > 3) {
        o[3 * stride] = mcu_nn_clamp_s16(mcu_nn_mul_hi_round(a->a3 + b, fm), lo, hi);
    }
}

static MCU_NN_NOINLINE void
s16_four(const mcu_nn_gemm_s16_args *g, const int16_t *cols, int32_t pixels, int16_t *out)
{
    const int32_t groups = g->col_len >> 2;
    const int32_t rest = g->col_len & 3;
    const int32_t short_rows = g->col_len <= MCU_NN_S16_EXACT_TAPS;
    const int8_t *w = g->filter;
    const int8_t *filter_end = g->filter + (size_t)g->out_c * g->col_len;
    const int32_t stride = g->out_stride;
    for (int32_t oc = 0; oc < g->out_c; oc++) {
        const int32_t *cw = (const int32_t *)(const void *)cols;
        int16_t *o = out + oc;
        s16_acc4 a = {0, 0, 0, 0};
        int64_t t0, t1, t2, t3;
        if (short_rows) {
            /* the usual case: int32 sums, exact */
            s16_groups_four(&a, &w, &cw, groups);
            if (rest != 0) {
                s16_group_four(&a, s16_tail_word(w, rest, filter_end), &cw);
                w += rest;
            }
            int64_t b;
            const int32_t fm = mcu_nn_s16_channel_multiplier(g, oc, &b);
            if (fm != 0) {
                s16_store_fast(g, &a, (int32_t)b, fm, pixels, o);
                continue;
            }
            t0 = a.a0;
            t1 = a.a1;
            t2 = a.a2;
            t3 = a.a3;
        } else {
            /* int32 parts of at most S16_PART_GROUPS groups (and the partial one) */
            t0 = t1 = t2 = t3 = 0;
            int32_t left = groups;
            do {
                const int32_t n = left > S16_PART_GROUPS ? S16_PART_GROUPS : left;
                left -= n;
                a.a0 = a.a1 = a.a2 = a.a3 = 0;
                s16_groups_four(&a, &w, &cw, n);
                if (left == 0 && rest != 0) {
                    s16_group_four(&a, s16_tail_word(w, rest, filter_end), &cw);
                    w += rest;
                }
                t0 += a.a0;
                t1 += a.a1;
                t2 += a.a2;
                t3 += a.a3;
            } while (left > 0);
        }
        o[0] = s16_output(g, oc, t0);
        if (pixels > 1) {
            o[stride] = s16_output(g, oc, t1);
        }
        if (pixels > 2) {
            o[2 * stride] = s16_output(g, oc, t2);
        }
        if (pixels > 3) {
            o[3 * stride] = s16_output(g, oc, t3);
        }
    }
}
#else
/* One channel of one plain column: int32 parts of at most MCU_NN_S16_EXACT_TAPS products. */
static int64_t s16_dot(const int16_t *col, const int8_t *w, int32_t n)
{
    int64_t total = 0;
    for (int32_t k = 0; k < n;) {
        const int32_t stop = n - k > MCU_NN_S16_EXACT_TAPS ? k + MCU_NN_S16_EXACT_TAPS : n;
        int32_t part = 0;
        for (; k < stop; k++) {
            part += col[k] * w[k];
        }
        total += part;
    }
    return total;
}
#endif

void mcu_nn_mat_mult_kernel_s16(const mcu_nn_gemm_s16_args *g,
                                const int16_t *cols,
                                int32_t pixels,
                                int16_t *out)
{
#if MCU_NN_MVE
    s16_mve(g, cols, pixels, out);
#elif MCU_NN_DSP
    s16_four(g, cols, pixels, out);
#else
    /* one channel at a time, its requantization worked out once for the (up to four) pixels */
    const int32_t pitch = (g->col_len + 3) & ~3;
    const int8_t *w = g->filter;
    for (int32_t oc = 0; oc < g->out_c; oc++, w += g->col_len) {
        int64_t b;
        const int32_t fm = mcu_nn_s16_channel_multiplier(g, oc, &b);
        for (int32_t j = 0; j < pixels; j++) {
            const int16_t *col = cols + (size_t)j * mcu_nn_s16_col_step(pitch);
            int16_t *o = out + (size_t)j * g->out_stride + oc;
            if (fm != 0) {
                /* fm != 0: at most MCU_NN_S16_EXACT_TAPS taps, the int32 sum exact */
                int32_t acc = (int32_t)b;
                for (int32_t k = 0; k < g->col_len; k++) {
                    acc += col[k] * w[k];
                }
                *o = mcu_nn_clamp_s16(mcu_nn_mul_hi_round(acc, fm), g->act_min, g->act_max);
            } else {
                *o = s16_output(g, oc, s16_dot(col, w, g->col_len));
            }
        }
    }
#endif
}
