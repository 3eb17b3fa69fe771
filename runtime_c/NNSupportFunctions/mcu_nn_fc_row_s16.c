/*
 * mcutool runtime: mcu_nn_fc_row_s16, one input row of a 16x8 fully connected layer (per
 * tensor or per channel), bit-exact with TFLite-Micro: exact sums, the int64 bias, TFLite's
 * int64 requantization, the clamp.
 *
 * Two units at a time share each regrouped group of four inputs: with the DSP extension the
 * pairs (x0, x2) and (x1, x3) (two halfword packs) meet each unit's four weights unpacked by
 * SXTB16 in two SMLADs. With Helium four units share each vector of eight inputs. The sums are int32 parts of at most 508 taps (exact, see
 * MCU_NN_S16_EXACT_TAPS) added into int64 totals; when the whole row fits one part the
 * requantization is one rounding high multiply (mcu_nn_s16_fast_multiplier).
 */
#include <string.h>

#include "Internal/mcu_nn_s16.h"

/* Taps per int32 part: a multiple of 4 within MCU_NN_S16_EXACT_TAPS. */
#define FC_PART_TAPS (MCU_NN_S16_EXACT_TAPS & ~3)

#if MCU_NN_DSP && !MCU_NN_MVE
/* Four taps of rows w0 and w1 against x, added to *p0 and *p1. */
static inline void
fc_group2(const int16_t *x, const int8_t *w0, const int8_t *w1, int32_t *p0, int32_t *p1)
{
    uint32_t x01;
    uint32_t x23;
    memcpy(&x01, x, sizeof(x01));
    memcpy(&x23, x + 2, sizeof(x23));
    int32_t x02;
    int32_t x13;
    mcu_nn_pair_s16(x01, x23, &x02, &x13);
    const int32_t a = mcu_nn_read_s8x4(w0);
    *p0 = mcu_smlad(x13, mcu_sxtb16_ror8(a), mcu_smlad(x02, mcu_sxtb16(a), *p0));
    const int32_t b = mcu_nn_read_s8x4(w1);
    *p1 = mcu_smlad(x13, mcu_sxtb16_ror8(b), mcu_smlad(x02, mcu_sxtb16(b), *p1));
}
#endif

/* Partial sums of rows w0 and w1 against x over taps [k, stop) into s[0], s[1]. (Four rows
 * at a time need more registers than the Cortex-M4 has: GCC spills in the loop.) */
static inline void
fc_part2(const int16_t *x, const int8_t *w0, const int8_t *w1, int32_t k, int32_t stop, int32_t *s)
{
    int32_t p0 = 0;
    int32_t p1 = 0;
#if MCU_NN_MVE
    /* Helium: eight taps per step, the inputs loaded once for both rows, the weights widened
     * by the load, the last step tail-predicated */
    for (; k < stop; k += 8) {
        const mve_pred16_t p = vctp16q((uint32_t)(stop - k));
        const int16x8_t xv = vldrhq_z_s16(x + k, p);
        p0 = vmladavaq_s16(p0, xv, vldrbq_z_s16(w0 + k, p));
        p1 = vmladavaq_s16(p1, xv, vldrbq_z_s16(w1 + k, p));
    }
    s[0] = p0;
    s[1] = p1;
    return;
#endif
    const int16_t *xk = x + k;
    w0 += k;
    w1 += k;
#if MCU_NN_DSP && !MCU_NN_MVE
    /* two groups of four taps per iteration: half the loop overhead */
    int32_t n = (stop - k) >> 2;
    for (; n >= 2; n -= 2) {
        fc_group2(xk, w0, w1, &p0, &p1);
        fc_group2(xk + 4, w0 + 4, w1 + 4, &p0, &p1);
        xk += 8;
        w0 += 8;
        w1 += 8;
    }
    if (n != 0) {
        fc_group2(xk, w0, w1, &p0, &p1);
        xk += 4;
        w0 += 4;
        w1 += 4;
    }
    k = stop - ((stop - k) & 3);
#endif
    for (int32_t i = 0; i < stop - k; i++) {
        const int32_t v = xk[i];
        p0 += v * w0[i];
        p1 += v * w1[i];
    }
    s[0] = p0;
    s[1] = p1;
}

#if MCU_NN_MVE
/* Helium: partial sums of four rows (w, depth apart) over taps [k, stop), the input vector
 * loaded once for all four. */
static inline void
fc_part4_mve(const int16_t *x, const int8_t *w, int32_t depth, int32_t k, int32_t stop, int32_t *s)
{
    const int8_t *w0 = w, *w1 = w + depth, *w2 = w1 + depth, *w3 = w2 + depth;
    int32_t p0 = 0, p1 = 0, p2 = 0, p3 = 0;
    for (; k < stop; k += 8) {
        const mve_pred16_t p = vctp16q((uint32_t)(stop - k));
        const int16x8_t xv = vldrhq_z_s16(x + k, p);
        p0 = vmladavaq_s16(p0, xv, vldrbq_z_s16(w0 + k, p));
        p1 = vmladavaq_s16(p1, xv, vldrbq_z_s16(w1 + k, p));
        p2 = vmladavaq_s16(p2, xv, vldrbq_z_s16(w2 + k, p));
        p3 = vmladavaq_s16(p3, xv, vldrbq_z_s16(w3 + k, p));
    }
    s[0] = p0;
    s[1] = p1;
    s[2] = p2;
    s[3] = p3;
}
#endif

/* Per-tensor requantization (quant_stride 0) worked out once per row: the one-multiply
 * multiplier (0 when there is none) and how large a bias may be for a unit to use it. */
typedef struct {
    int32_t fm;
    int64_t bias_limit;
} fc_fast;

/* One output from the int32 sum of a row that fits one part, or the int64 total of one that
 * does not (part_only 0). */
static inline int16_t fc_out(int64_t sum,
                             int32_t part_only,
                             const fc_fast *f,
                             const int64_t *bias,
                             int32_t u,
                             int32_t depth,
                             int32_t multiplier,
                             int32_t shift,
                             int32_t act_min,
                             int32_t act_max)
{
    const int64_t b = bias != NULL ? bias[u] : 0;
    if (part_only) {
        int32_t fm;
        if (f != NULL) {
            fm = b >= -f->bias_limit && b <= f->bias_limit ? f->fm : 0;
        } else {
            fm = mcu_nn_s16_fast_multiplier(multiplier, shift, b, depth);
        }
        if (fm != 0) {
            return mcu_nn_clamp_s16(mcu_nn_mul_hi_round((int32_t)sum + (int32_t)b, fm), act_min,
                                    act_max);
        }
    }
    return mcu_nn_clamp_s16(mcu_nn_requantize_s64(sum + b, multiplier, shift), act_min, act_max);
}

void mcu_nn_fc_row_s16(const int16_t *x,
                       const int8_t *w,
                       const int64_t *bias,
                       int16_t *dst,
                       int32_t depth,
                       int32_t units,
                       const int32_t *multiplier,
                       const int32_t *shift,
                       int32_t quant_stride,
                       int32_t act_min,
                       int32_t act_max)
{
    const int32_t part_only = depth <= FC_PART_TAPS;
    /* per tensor: mcu_nn_s16_fast_multiplier's answer for bias 0 holds for every bias with
     * |bias| + depth * 2^22 <= INT32_MAX */
    fc_fast per_tensor;
    per_tensor.fm = part_only && quant_stride == 0
                        ? mcu_nn_s16_fast_multiplier(multiplier[0], shift[0], 0, depth)
                        : 0;
    per_tensor.bias_limit = INT32_MAX - (int64_t)depth * (1 << 22);
    const fc_fast *f = quant_stride == 0 ? &per_tensor : NULL;
    int32_t u = 0;
#if MCU_NN_MVE
    /* four units at a time, then the rest in pairs */
    for (; u + 3 < units; u += 4) {
        int64_t t[4] = {0, 0, 0, 0};
        for (int32_t k = 0; k < depth; k += FC_PART_TAPS) {
            int32_t s4[4];
            fc_part4_mve(x, w + (int64_t)u * depth, depth, k,
                         depth - k > FC_PART_TAPS ? k + FC_PART_TAPS : depth, s4);
            for (int32_t r = 0; r < 4; r++) {
                t[r] += s4[r];
            }
        }
        for (int32_t r = 0; r < 4; r++) {
            const int32_t q = (u + r) * quant_stride;
            dst[u + r] = fc_out(t[r], part_only, f, bias, u + r, depth, multiplier[q], shift[q],
                                act_min, act_max);
        }
    }
#endif
    for (; u < units; u += 2) {
        /* an odd last unit is paired with itself */
        const int8_t *w0 = w + (int64_t)u * depth;
        const int8_t *w1 = u + 1 < units ? w0 + depth : w0;
        int64_t t0 = 0;
        int64_t t1 = 0;
        int32_t s[2];
        if (part_only) {
            /* the usual row: one int32 part */
            fc_part2(x, w0, w1, 0, depth, s);
            t0 = s[0];
            t1 = s[1];
        } else {
            for (int32_t k = 0; k < depth; k += FC_PART_TAPS) {
                fc_part2(x, w0, w1, k, depth - k > FC_PART_TAPS ? k + FC_PART_TAPS : depth, s);
                t0 += s[0];
                t1 += s[1];
            }
        }
        const int32_t q = u * quant_stride;
        dst[u] =
            fc_out(t0, part_only, f, bias, u, depth, multiplier[q], shift[q], act_min, act_max);
        if (u + 1 < units) {
            const int32_t q1 = (u + 1) * quant_stride;
            dst[u + 1] = fc_out(t1, part_only, f, bias, u + 1, depth, multiplier[q1], shift[q1],
                                act_min, act_max);
        }
    }
}
