/*
 * mcutool portable runtime, private: reading int4 weights, packed two per byte as TFLite's INT4
 * and CMSIS-NN's s4 kernels store them (element 0 in the low nibble: weights 1, 2, 3, 4 are
 * the bytes 0x21, 0x43), and the dot product the s4 convolution and fully connected kernels
 * share, in three code paths.
 *
 * Weights are addressed by nibble index, so a row may start in the middle of a byte (a filter
 * row of odd length).
 */
#ifndef MCU_NN_S4_H
#define MCU_NN_S4_H

#include <stdint.h>
#include <string.h>

#include "Internal/mcu_nn_dsp.h"

/* Weight i of packed weights w, sign-extended. */
static inline int32_t mcu_nn_s4_at(const int8_t *w, int32_t i)
{
    const int32_t b = w[i >> 1];
    /* low nibble: shift it to the top of an int8 and back (arithmetic); high: b >> 4 */
    return (i & 1) != 0 ? b >> 4 : (int32_t)(int8_t)(uint8_t)((uint32_t)b << 4) >> 4;
}

#if MCU_NN_MVE
/* Eight weights from nibble index i on, as int16 lanes (lanes past n are zero). A gather
 * loads the byte of each lane, sign-extended to int16; shifting it left by 12 (low nibble) or
 * 8 (high nibble) puts the nibble at the top, and an arithmetic shift right by 12 extends it. */
static inline int16x8_t mcu_nn_s4_load8(const int8_t *w, int32_t i, int32_t n)
{
    static const uint16_t even_bytes[8] = {0, 0, 1, 1, 2, 2, 3, 3};
    static const uint16_t odd_bytes[8] = {0, 1, 1, 2, 2, 3, 3, 4};
    static const int16_t even_shift[8] = {12, 8, 12, 8, 12, 8, 12, 8};
    static const int16_t odd_shift[8] = {8, 12, 8, 12, 8, 12, 8, 12};
    const int odd = (i & 1) != 0;
    const mve_pred16_t p = vctp16q((uint32_t)n);
    const uint16x8_t offsets = vld1q_u16(odd ? odd_bytes : even_bytes);
    const int16x8_t raw = vldrbq_gather_offset_z_s16(w + (i >> 1), offsets, p);
    const int16x8_t top = vshlq_s16(raw, vld1q_s16(odd ? odd_shift : even_shift));
    return vshrq_n_s16(top, 12);
}
#endif

/* sum_k w[start + k] * (x[k] + offset) for k < n: packed int4 weights from nibble index start
 * times int8 inputs plus the input offset, in int32 (wrapping as TFLite's accumulator).
 *
 * DSP path: one halfword holds four weights, and SXTB16 of its bytes masked to the high
 * nibbles (or shifted left by 4, then masked) gives weights 1 and 3 (0 and 2) times 16 as an
 * int16 pair; SXTAB16 widens inputs 0 and 2 (1 and 3) and adds the offset, so two SMLADs take
 * four taps. The sum is 16 times the true one, exact while n * 255 * 128 < 2^31, so longer
 * rows take the scalar loop. Helium: eight weights (mcu_nn_s4_load8) and eight inputs widened
 * to int16 per VMLADAVA, and the offset enters once as offset * sum(w). */
static inline int32_t
mcu_nn_dot_s4(const int8_t *w, int32_t start, const int8_t *x, int32_t n, int32_t offset)
{
    uint32_t acc = 0; /* wraps like the C accumulator of the s8 kernels */
    int32_t k = 0;
#if MCU_NN_MVE
    int32_t wsum = 0;
    for (; k < n; k += 8) {
        const int32_t left = n - k;
        const int16x8_t wv = mcu_nn_s4_load8(w, start + k, left);
        const int16x8_t xv = vldrbq_z_s16(x + k, vctp16q((uint32_t)left));
        acc = (uint32_t)vmladavaq_s16((int32_t)acc, xv, wv);
        wsum = vaddvaq_s16(wsum, wv);
    }
    acc += (uint32_t)offset * (uint32_t)wsum;
#else
#if MCU_NN_DSP
    if (n < 65536) {
        if ((start & 1) != 0 && n > 0) { /* to a whole byte */
            acc += (uint32_t)(mcu_nn_s4_at(w, start) * (x[0] + offset));
            k = 1;
        }
        const int8_t *wb = w + ((start + k) >> 1);
        const int32_t offset_pair =
            (int32_t)(((uint32_t)offset << 16) | ((uint32_t)offset & 0xFFFFu));
        int32_t acc16 = 0;
        for (; k + 3 < n; k += 4) {
            uint16_t h;
            memcpy(&h, wb, sizeof(h));
            wb += 2;
            const int32_t bytes = (int32_t)(((uint32_t)h & 0xFFu) | (((uint32_t)h & 0xFF00u) << 8));
            const int32_t w02 = mcu_sxtb16((int32_t)(((uint32_t)bytes << 4) & 0x00F000F0u));
            const int32_t w13 = mcu_sxtb16((int32_t)((uint32_t)bytes & 0x00F000F0u));
            const int32_t xs = mcu_nn_read_s8x4(x + k);
            acc16 = mcu_smlad(w02, mcu_sxtab16(offset_pair, xs), acc16);
            acc16 = mcu_smlad(w13, mcu_sxtab16_ror8(offset_pair, xs), acc16);
        }
        acc += (uint32_t)(acc16 >> 4);
    }
#endif
    for (; k < n; k++) {
        acc += (uint32_t)(mcu_nn_s4_at(w, start + k) * (x[k] + offset));
    }
#endif
    return (int32_t)acc;
}

/* mcu_nn_dot_s4 of one weight row with two input columns x0 and x1 at once, into acc[0] and
 * acc[1]: each group of weights is unpacked once and used twice (the convolution's two
 * pixels). Same paths and same exact sums as mcu_nn_dot_s4. */
static inline void mcu_nn_dot2_s4(const int8_t *w,
                                  int32_t start,
                                  const int8_t *x0,
                                  const int8_t *x1,
                                  int32_t n,
                                  int32_t offset,
                                  int32_t *acc)
{
    uint32_t a0 = 0, a1 = 0;
    int32_t k = 0;
#if MCU_NN_MVE
    int32_t wsum = 0;
    for (; k < n; k += 8) {
        const int32_t left = n - k;
        const mve_pred16_t p = vctp16q((uint32_t)left);
        const int16x8_t wv = mcu_nn_s4_load8(w, start + k, left);
        a0 = (uint32_t)vmladavaq_s16((int32_t)a0, vldrbq_z_s16(x0 + k, p), wv);
        a1 = (uint32_t)vmladavaq_s16((int32_t)a1, vldrbq_z_s16(x1 + k, p), wv);
        wsum = vaddvaq_s16(wsum, wv);
    }
    a0 += (uint32_t)offset * (uint32_t)wsum;
    a1 += (uint32_t)offset * (uint32_t)wsum;
#else
#if MCU_NN_DSP
    if (n < 65536) {
        if ((start & 1) != 0 && n > 0) {
            const int32_t wv = mcu_nn_s4_at(w, start);
            a0 += (uint32_t)(wv * (x0[0] + offset));
            a1 += (uint32_t)(wv * (x1[0] + offset));
            k = 1;
        }
        const int8_t *wb = w + ((start + k) >> 1);
        const int32_t offset_pair =
            (int32_t)(((uint32_t)offset << 16) | ((uint32_t)offset & 0xFFFFu));
        int32_t s0 = 0, s1 = 0;
        for (; k + 3 < n; k += 4) {
            uint16_t h;
            memcpy(&h, wb, sizeof(h));
            wb += 2;
            const int32_t bytes = (int32_t)(((uint32_t)h & 0xFFu) | (((uint32_t)h & 0xFF00u) << 8));
            const int32_t w02 = mcu_sxtb16((int32_t)(((uint32_t)bytes << 4) & 0x00F000F0u));
            const int32_t w13 = mcu_sxtb16((int32_t)((uint32_t)bytes & 0x00F000F0u));
            const int32_t p0 = mcu_nn_read_s8x4(x0 + k);
            const int32_t p1 = mcu_nn_read_s8x4(x1 + k);
            s0 = mcu_smlad(w02, mcu_sxtab16(offset_pair, p0), s0);
            s0 = mcu_smlad(w13, mcu_sxtab16_ror8(offset_pair, p0), s0);
            s1 = mcu_smlad(w02, mcu_sxtab16(offset_pair, p1), s1);
            s1 = mcu_smlad(w13, mcu_sxtab16_ror8(offset_pair, p1), s1);
        }
        a0 += (uint32_t)(s0 >> 4);
        a1 += (uint32_t)(s1 >> 4);
    }
#endif
    for (; k < n; k++) {
        const int32_t wv = mcu_nn_s4_at(w, start + k);
        a0 += (uint32_t)(wv * (x0[k] + offset));
        a1 += (uint32_t)(wv * (x1[k] + offset));
    }
#endif
    acc[0] = (int32_t)a0;
    acc[1] = (int32_t)a1;
}

/* Bias, requantization, output offset and clamp of one accumulator. */
static inline int8_t mcu_nn_s4_out(int32_t acc,
                                   int32_t bias,
                                   int32_t mult,
                                   int32_t shift,
                                   int32_t out_offset,
                                   int32_t lo,
                                   int32_t hi)
{
    int32_t v =
        arm_nn_requantize((int32_t)((uint32_t)acc + (uint32_t)bias), mult, shift) + out_offset;
    v = v < lo ? lo : v;
    v = v > hi ? hi : v;
    return (int8_t)v;
}

#endif
