/*
 * mcutool portable runtime, private: what the 16x8 kernels (int16 activations, int8 weights,
 * int64 bias) share: TFLite's MultiplyByQuantizedMultiplier for an int64 accumulator and the
 * clamp to the fused activation's int16 range.
 */
#ifndef MCU_NN_S16_H
#define MCU_NN_S16_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "Internal/mcu_nn_dsp.h"

/* The Q31 multiplier is reduced to Q15 with rounding, then one rounding shift by 15 - shift
 * (TFLite's int64 MultiplyByQuantizedMultiplier, which CMSIS-NN's arm_nn_requantize_s64 also
 * computes). The product is formed in uint64 so that a bias far outside TFLite's assumed
 * +-2^47 range wraps, as TFLite-Micro's does in practice, instead of being undefined. */
static inline int32_t mcu_nn_requantize_s64(int64_t acc, int32_t multiplier, int32_t shift)
{
    const int32_t reduced = multiplier < 0x7FFF0000 ? (multiplier + (1 << 15)) >> 16 : 0x7FFF;
    const int32_t total = 15 - shift;
    const uint64_t product = (uint64_t)acc * (uint64_t)(int64_t)reduced;
    const int64_t rounded = (int64_t)(product + ((uint64_t)1 << (total - 1)));
    return (int32_t)(rounded >> total);
}

static inline int16_t mcu_nn_clamp_s16(int32_t v, int32_t lo, int32_t hi)
{
    return (int16_t)(v < lo ? lo : (v > hi ? hi : v));
}

/* sum_k x[k] * w[k], exact in int64. With the DSP extension four products per step: the
 * weights widened by SXTB16 into the pairs (w0, w2) and (w1, w3), the inputs regrouped alike
 * (the compiler makes PKHBT/PKHTB of the shifts and masks), two SMLADs into an int32 partial
 * that joins the int64 sum every 64 steps (each step adds less than 2^24). */
static inline int64_t mcu_nn_dot_s16_s8(const int16_t *x, const int8_t *w, int32_t n)
{
    int64_t acc = 0;
    int32_t k = 0;
#if MCU_NN_DSP
    while (n - k >= 4) {
        const int32_t stop = (n - k) / 4 > 64 ? k + 4 * 64 : k + (n - k) / 4 * 4;
        int32_t part = 0;
        for (; k < stop; k += 4) {
            const int32_t wq = mcu_nn_read_s8x4(w + k);
            uint32_t x01;
            uint32_t x23;
            memcpy(&x01, x + k, sizeof(x01));
            memcpy(&x23, x + k + 2, sizeof(x23));
            const int32_t x02 = (int32_t)((x01 & 0xFFFFu) | (x23 << 16));
            const int32_t x13 = (int32_t)((x01 >> 16) | (x23 & 0xFFFF0000u));
            part = mcu_smlad(x02, mcu_sxtb16(wq), part);
            part = mcu_smlad(x13, mcu_sxtb16_ror8(wq), part);
        }
        acc += part;
    }
#endif
    for (; k < n; k++) {
        acc += (int32_t)x[k] * w[k];
    }
    return acc;
}

/* TFLite's int16 LOGISTIC (frac_bits 9) and TANH (frac_bits 8): the input in units of
 * 1 / (3 * 4096) (multiplier, then a rounding right shift), its magnitude split into a table
 * index and frac_bits of interpolation between table entries (sigmoid(i / 24), unsigned
 * Q0.16). Returns the interpolated magnitude and sets *negative. */
static inline uint32_t mcu_nn_sigmoid_interp_s16(int16_t x,
                                                 int32_t multiplier,
                                                 int32_t shift,
                                                 const uint16_t *table,
                                                 int32_t frac_bits,
                                                 uint32_t saturated,
                                                 int *negative)
{
    const int32_t round = shift > 0 ? 1 << (shift - 1) : 0;
    /* the lowering keeps 32768 * multiplier within int32 */
    const int32_t v = (x * multiplier + round) >> shift;
    const uint32_t magnitude = v < 0 ? (uint32_t)(-(int64_t)v) : (uint32_t)v;
    const uint32_t index = magnitude >> frac_bits;
    *negative = v < 0;
    if (index >= 255) {
        return saturated;
    }
    const uint32_t lo = table[index];
    const uint32_t hi = table[index + 1];
    const uint32_t frac = magnitude & ((1u << frac_bits) - 1);
    return (lo << frac_bits) + frac * (hi - lo);
}

/* One row of a 16x8 fully connected layer: dst[u] = clamp(requantize(bias[u] + sum_k x[k] *
 * w[u][k])) for u < units, with multiplier/shift index u * quant_stride (0: per tensor, 1: per
 * channel). bias may be NULL. */
static inline void mcu_nn_fc_row_s16(const int16_t *x,
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
    for (int32_t u = 0; u < units; u++) {
        int64_t acc = mcu_nn_dot_s16_s8(x, w + (int64_t)u * depth, depth);
        if (bias != NULL) {
            acc += bias[u];
        }
        const int32_t q = u * quant_stride;
        dst[u] =
            mcu_nn_clamp_s16(mcu_nn_requantize_s64(acc, multiplier[q], shift[q]), act_min, act_max);
    }
}

#endif
