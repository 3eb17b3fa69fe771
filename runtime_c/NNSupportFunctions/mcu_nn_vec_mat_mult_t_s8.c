/*
 * mcutool portable runtime: mcu_nn_vec_mat_mult_t_s8, one fully connected row: an int8 vector
 * times a transposed int8 matrix, requantized to int8. Shared by arm_fully_connected_s8 (one
 * multiplier: quant_stride 0) and arm_fully_connected_per_channel_s8 (quant_stride 1).
 *
 * dst[r] = clamp(requantize(bias[r] + sum_k (lhs[k] + lhs_offset) * rhs[r * rhs_cols + k],
 *                           multiplier[r * quant_stride], shift[r * quant_stride]) + dst_offset)
 * Ranges: lhs_offset in [-127, 128], dst_offset in [-128, 127], activation within [-128, 127];
 * bias may be NULL; rhs_cols, rhs_rows >= 1. The rhs (weights) zero point is 0.
 *
 * Four rows are accumulated together so each input value is loaded and offset once per four
 * multiply-accumulates; with the DSP extension, four columns at a time as int16 pairs. With
 * Helium (MVE), sixteen columns at a time as int8 x int8 products summed into int32, the input
 * offset added afterwards as lhs_offset times the row's sum.
 */
#include <string.h>

#include "arm_nnsupportfunctions.h"
#include "Internal/mcu_nn_dsp.h"

static inline int8_t fc_requantize(int32_t acc,
                                   int32_t multiplier,
                                   int32_t shift,
                                   int32_t dst_offset,
                                   int32_t act_min,
                                   int32_t act_max)
{
    acc = arm_nn_requantize(acc, multiplier, shift) + dst_offset;
    acc = MAX(acc, act_min);
    acc = MIN(acc, act_max);
    return (int8_t)acc;
}

#if MCU_NN_MVE
/* Helium: sum_k (x[k] + off) * w[k] = sum_k x[k] * w[k] + off * sum_k w[k] (both sides wrap
 * alike in int32), so the int8 data go straight into VMLADAV (16 products per instruction) and
 * VADDV sums the row. Two rows per pass share each input vector; more would spill the eight
 * scalar accumulators and pointers. The last cols % 16 columns use predicated loads, which
 * zero the lanes past the end (and do not touch that memory). */
typedef struct {
    int32_t dot, sum;
} fc_mve_acc;

static inline void fc_mve_two_rows(const int8_t *x,
                                   const int8_t *w0,
                                   const int8_t *w1,
                                   int32_t cols,
                                   fc_mve_acc *r0,
                                   fc_mve_acc *r1)
{
    int32_t d0 = 0, s0 = 0, d1 = 0, s1 = 0;
    for (int32_t i = cols >> 4; i > 0; i--) {
        const int8x16_t xv = vldrbq_s8(x);
        const int8x16_t v0 = vldrbq_s8(w0);
        const int8x16_t v1 = vldrbq_s8(w1);
        d0 = vmladavaq_s8(d0, xv, v0);
        s0 = vaddvaq_s8(s0, v0);
        d1 = vmladavaq_s8(d1, xv, v1);
        s1 = vaddvaq_s8(s1, v1);
        x += 16;
        w0 += 16;
        w1 += 16;
    }
    if ((cols & 15) != 0) {
        const mve_pred16_t p = vctp8q((uint32_t)(cols & 15));
        const int8x16_t xv = vldrbq_z_s8(x, p);
        const int8x16_t v0 = vldrbq_z_s8(w0, p);
        const int8x16_t v1 = vldrbq_z_s8(w1, p);
        d0 = vmladavaq_s8(d0, xv, v0);
        s0 = vaddvaq_s8(s0, v0);
        d1 = vmladavaq_s8(d1, xv, v1);
        s1 = vaddvaq_s8(s1, v1);
    }
    r0->dot = d0;
    r0->sum = s0;
    r1->dot = d1;
    r1->sum = s1;
}

/* bias + dot + off * sum in uint32, which wraps instead of overflowing. */
static inline int32_t fc_mve_total(int32_t bias, fc_mve_acc a, int32_t off)
{
    return (int32_t)((uint32_t)bias + (uint32_t)a.dot + (uint32_t)off * (uint32_t)a.sum);
}
#endif

void mcu_nn_vec_mat_mult_t_s8(const int8_t *lhs,
                              const int8_t *rhs,
                              const int32_t *bias,
                              int8_t *dst,
                              const int32_t lhs_offset,
                              const int32_t dst_offset,
                              const int32_t *multiplier,
                              const int32_t *shift,
                              const int32_t quant_stride,
                              const int32_t rhs_cols,
                              const int32_t rhs_rows,
                              const int32_t activation_min,
                              const int32_t activation_max)
{
#if MCU_NN_MVE
    for (int32_t r = 0; r < rhs_rows; r += 2) {
        /* an odd last row is paired with itself; its second result is dropped */
        const int32_t r1 = r + 1 < rhs_rows ? r + 1 : r;
        fc_mve_acc a0, a1;
        fc_mve_two_rows(lhs, rhs + (size_t)r * rhs_cols, rhs + (size_t)r1 * rhs_cols, rhs_cols, &a0,
                        &a1);
        const int32_t q0 = r * quant_stride, q1 = r1 * quant_stride;
        const int32_t acc0 = fc_mve_total(bias != NULL ? bias[r] : 0, a0, lhs_offset);
        const int32_t acc1 = fc_mve_total(bias != NULL ? bias[r1] : 0, a1, lhs_offset);
        dst[r] = fc_requantize(acc0, multiplier[q0], shift[q0], dst_offset, activation_min,
                               activation_max);
        dst[r1] = fc_requantize(acc1, multiplier[q1], shift[q1], dst_offset, activation_min,
                                activation_max);
    }
#else
    int32_t r = 0;
    for (; r + 3 < rhs_rows; r += 4) {
        const int8_t *w0 = rhs + (size_t)r * rhs_cols;
        const int8_t *w1 = w0 + rhs_cols;
        const int8_t *w2 = w1 + rhs_cols;
        const int8_t *w3 = w2 + rhs_cols;
        int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        if (bias != NULL) {
            a0 = bias[r];
            a1 = bias[r + 1];
            a2 = bias[r + 2];
            a3 = bias[r + 3];
        }
        int32_t k = 0;
#if MCU_NN_DSP
        /* Four columns at a time: the input word is widened once with the offset added
         * (SXTAB16), each row's word is widened (SXTB16) and multiplied two pairs at a time
         * (SMLAD). Both widen to the same 0, 2 / 1, 3 order, so no repacking is needed. */
        const int32_t off_pair =
            (int32_t)(((uint32_t)lhs_offset << 16) | ((uint32_t)lhs_offset & 0xFFFFu));
        /* rows 1 and 3 are read at w0 / w2 + rhs_cols: two pointers and a stride in registers */
        const int8_t *p0 = w0, *p2 = w2;
        for (; k + 3 < rhs_cols; k += 4) {
            const int32_t x = mcu_nn_read_s8x4(lhs + k);
            const int32_t x02 = mcu_sxtab16(off_pair, x), x13 = mcu_sxtab16_ror8(off_pair, x);
            int32_t w = mcu_nn_read_s8x4(p0);
            a0 = mcu_smlad(mcu_sxtb16_ror8(w), x13, mcu_smlad(mcu_sxtb16(w), x02, a0));
            mcu_nn_barrier();
            w = mcu_nn_read_s8x4(p0 + rhs_cols);
            a1 = mcu_smlad(mcu_sxtb16_ror8(w), x13, mcu_smlad(mcu_sxtb16(w), x02, a1));
            mcu_nn_barrier();
            w = mcu_nn_read_s8x4(p2);
            a2 = mcu_smlad(mcu_sxtb16_ror8(w), x13, mcu_smlad(mcu_sxtb16(w), x02, a2));
            mcu_nn_barrier();
            w = mcu_nn_read_s8x4(p2 + rhs_cols);
            a3 = mcu_smlad(mcu_sxtb16_ror8(w), x13, mcu_smlad(mcu_sxtb16(w), x02, a3));
            p0 += 4;
            p2 += 4;
        }
#endif
        for (; k < rhs_cols; k++) {
            const int32_t x = lhs[k] + lhs_offset;
            a0 += w0[k] * x;
            a1 += w1[k] * x;
            a2 += w2[k] * x;
            a3 += w3[k] * x;
        }
        const int32_t q = r * quant_stride;
        dst[r] =
            fc_requantize(a0, multiplier[q], shift[q], dst_offset, activation_min, activation_max);
        dst[r + 1] = fc_requantize(a1, multiplier[q + quant_stride], shift[q + quant_stride],
                                   dst_offset, activation_min, activation_max);
        dst[r + 2] =
            fc_requantize(a2, multiplier[q + 2 * quant_stride], shift[q + 2 * quant_stride],
                          dst_offset, activation_min, activation_max);
        dst[r + 3] =
            fc_requantize(a3, multiplier[q + 3 * quant_stride], shift[q + 3 * quant_stride],
                          dst_offset, activation_min, activation_max);
    }
    for (; r < rhs_rows; r++) {
        const int8_t *w = rhs + (size_t)r * rhs_cols;
        int32_t acc = bias != NULL ? bias[r] : 0;
        int32_t k = 0;
#if MCU_NN_DSP
        const int32_t off_pair =
            (int32_t)(((uint32_t)lhs_offset << 16) | ((uint32_t)lhs_offset & 0xFFFFu));
        for (; k + 3 < rhs_cols; k += 4) {
            const int32_t x = mcu_nn_read_s8x4(lhs + k);
            const int32_t v = mcu_nn_read_s8x4(w + k);
            acc = mcu_smlad(mcu_sxtb16(v), mcu_sxtab16(off_pair, x), acc);
            acc = mcu_smlad(mcu_sxtb16_ror8(v), mcu_sxtab16_ror8(off_pair, x), acc);
        }
#endif
        for (; k < rhs_cols; k++) {
            acc += w[k] * (lhs[k] + lhs_offset);
        }
        const int32_t q = r * quant_stride;
        dst[r] =
            fc_requantize(acc, multiplier[q], shift[q], dst_offset, activation_min, activation_max);
    }
#endif
}
