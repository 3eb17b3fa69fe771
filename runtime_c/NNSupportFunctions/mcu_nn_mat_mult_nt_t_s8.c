/*
 * mcutool runtime: mcu_nn_mat_mult_nt_t_s8, int8 rows (pixels: im2col columns or, for a 1x1
 * convolution, the input itself) times the transposed int8 filter, requantized per output
 * channel to int8. The convolution's core on Helium (MVE) cores.
 *
 * out[r * out_stride + oc] = clamp(requantize(bias[oc] + sum_k (lhs[r][k] + lhs_offset) *
 *                                  filter[oc][k], mult[oc], shift[oc]) + out_offset)
 *
 * With Helium, sum_k (x[k] + off) * w[k] = sum_k x[k] * w[k] + off * sum_k w[k] (both wrap
 * alike in int32): VMLADAV multiplies 16 int8 pairs into an int32 accumulator and VADDV sums
 * the filter row; four rows share each filter vector. Requantization is vectorised across the
 * four rows. Without it, a plain loop (no kernel of this runtime calls it there).
 */
#include <stdint.h>

#include "arm_nnsupportfunctions.h"
#include "Internal/mcu_nn_mat_mult.h"

#if MCU_NN_MVE
/* arm_nn_requantize() of four accumulators sharing a multiplier and shift, all at once.
 * VQRDMULH is the doubling high multiply rounded half up (it saturates only for
 * INT32_MIN * INT32_MIN, which a multiplier >= 0 never meets); adding the sign (-1 for
 * negatives) before VRSHL's round-half-up shift gives round half away from zero, exactly as
 * mcu_nn_round_shift_right() does. VSHL wraps like the scalar left shift. */
static inline int32x4_t mm_mve_requantize(int32x4_t acc, int32_t m, int32_t s)
{
    if (s < 0) {
        int32x4_t v = vqrdmulhq_n_s32(acc, m);
        v = vaddq_s32(v, vshrq_n_s32(v, 31));
        return vrshlq_n_s32(v, s);
    }
    return vqrdmulhq_n_s32(vshlq_r_s32(acc, s), m);
}

/* Every output channel of `rows` (1 to 4) rows starting at lhs, pitch bytes apart: one channel
 * at a time, each filter vector used on four rows. With fewer than four rows the missing ones
 * repeat row 0 and are not stored. */
static MCU_NN_NOINLINE void mm_mve_four(const mcu_nn_gemm_args *g,
                                        const int8_t *lhs,
                                        int32_t pitch,
                                        int32_t rows,
                                        int32_t in_offset,
                                        int8_t *out)
{
    const int32_t n = g->col_len, out_c = g->out_c;
    const int32_t zp = g->out_offset, lo = g->act_min, hi = g->act_max;
    const int32_t *bias = g->bias, *mult = g->mult, *shift = g->shift;
    const int8_t *c0 = lhs;
    const int8_t *c1 = rows > 1 ? lhs + pitch : lhs;
    const int8_t *c2 = rows > 2 ? lhs + 2 * pitch : lhs;
    const int8_t *c3 = rows > 3 ? lhs + 3 * pitch : lhs;
    const int32_t rest = n & 15;
    const int32_t full = n - rest;
    const mve_pred16_t tail = vctp8q((uint32_t)rest);
    const int8_t *w = g->filter;
    /* byte offsets of the four pixels' outputs, for one scatter store per channel */
    const uint32x4_t out_offsets = vmulq_n_u32(vidupq_n_u32(0, 1), (uint32_t)g->out_stride);
    const mve_pred16_t stored = vctp32q((uint32_t)rows);
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
        int32x4_t v = vaddq_n_s32(mm_mve_requantize(acc, mult[oc], shift[oc]), zp);
        v = vminq_s32(vmaxq_s32(v, lo4), hi4);
        vstrbq_scatter_offset_p_s32(out + oc, out_offsets, v, stored);
    }
}
#endif

void mcu_nn_mat_mult_nt_t_s8(const mcu_nn_gemm_args *g,
                             const int8_t *lhs,
                             int32_t lhs_rows,
                             int32_t lhs_pitch,
                             int32_t lhs_offset,
                             int8_t *out)
{
#if MCU_NN_MVE
    for (; lhs_rows > 0; lhs_rows -= 4) {
        mm_mve_four(g, lhs, lhs_pitch, lhs_rows < 4 ? lhs_rows : 4, lhs_offset, out);
        lhs += 4 * lhs_pitch;
        out += 4 * g->out_stride;
    }
#else
    for (int32_t r = 0; r < lhs_rows; r++) {
        const int8_t *x = lhs + (size_t)r * lhs_pitch;
        const int8_t *w = g->filter;
        for (int32_t oc = 0; oc < g->out_c; oc++, w += g->col_len) {
            int32_t acc = g->bias != NULL ? g->bias[oc] : 0;
            for (int32_t k = 0; k < g->col_len; k++) {
                acc += (x[k] + lhs_offset) * w[k];
            }
            acc = arm_nn_requantize(acc, g->mult[oc], g->shift[oc]) + g->out_offset;
            acc = MAX(acc, g->act_min);
            out[(size_t)r * g->out_stride + oc] = (int8_t)MIN(acc, g->act_max);
        }
    }
#endif
}
