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
#include "arm_nnsupportfunctions.h"

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

/* Taps an int32 sum of int16 x int8 products holds exactly: each product's magnitude is at
 * most 32768 * 128 = 2^22, and 511 of them stay below 2^31 (CMSIS-NN's MAX_COL_COUNT is 512,
 * TFLite's weights stop at -127). Longer sums are split into int32 parts of at most this many
 * taps that join an int64 total, so every sum is exact whatever the kernel size. */
#define MCU_NN_S16_EXACT_TAPS 511

/* The per-channel s16 convolution core's arguments (one group of a grouped convolution). */
typedef struct {
    const int8_t *filter; /* [out_c][col_len] */
    const void *bias;     /* [out_c] int64, or int32 when bias_is_int32, or NULL */
    int32_t bias_is_int32;
    const int32_t *mult;  /* [out_c] */
    const int32_t *shift; /* [out_c] */
    int32_t col_len;
    int32_t out_c;
    int32_t out_stride; /* int16 elements from one output pixel to the next */
    int32_t act_min;
    int32_t act_max;
    int32_t all_fast; /* every channel has the one-multiply requantization with 15 - shift >= 17
                         (mcu_nn_s16_layer_fast): its multiplier is then cheap to find */
} mcu_nn_gemm_s16_args;

/* One output value from an exact sum: with an int64 bias (the converter's) the int64 total and
 * TFLite's int64 requantization; with an int32 bias TFLite-Micro's int32 accumulator, which
 * wraps, and the int8 kernels' double rounding. Clamped to [act_min, act_max]. */
static inline int16_t mcu_nn_s16_output(const mcu_nn_gemm_s16_args *g, int32_t oc, int64_t sum)
{
    int32_t out;
    if (g->bias_is_int32) {
        uint32_t acc = (uint32_t)sum;
        if (g->bias != NULL) {
            acc += (uint32_t)((const int32_t *)g->bias)[oc];
        }
        out = arm_nn_requantize((int32_t)acc, g->mult[oc], g->shift[oc]);
    } else {
        if (g->bias != NULL) {
            sum += ((const int64_t *)g->bias)[oc];
        }
        out = mcu_nn_requantize_s64(sum, g->mult[oc], g->shift[oc]);
    }
    return mcu_nn_clamp_s16(out, g->act_min, g->act_max);
}

/* (a * b + 2^31) >> 32: SMMULR where the DSP extension has it. */
static inline int32_t mcu_nn_mul_hi_round(int32_t a, int32_t b)
{
#if MCU_NN_DSP_NATIVE
    int32_t r;
    __asm__("smmulr %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
#else
    return (int32_t)(((int64_t)a * b + ((int64_t)1 << 31)) >> 32);
#endif
}

#if MCU_NN_DSP_NATIVE
/* acc + x.hi * y.lo */
static inline int32_t mcu_smlatb(int32_t x, int32_t y, int32_t acc)
{
    int32_t r;
    __asm__("smlatb %0, %1, %2, %3" : "=r"(r) : "r"(x), "r"(y), "r"(acc));
    return r;
}

/* acc + x.lo * y.hi */
static inline int32_t mcu_smlabt(int32_t x, int32_t y, int32_t acc)
{
    int32_t r;
    __asm__("smlabt %0, %1, %2, %3" : "=r"(r) : "r"(x), "r"(y), "r"(acc));
    return r;
}
#elif MCU_NN_DSP
static inline int32_t mcu_smlatb(int32_t x, int32_t y, int32_t acc)
{
    return (int32_t)((uint32_t)acc + (uint32_t)(mcu_nn_hi16(x) * mcu_nn_lo16(y)));
}

static inline int32_t mcu_smlabt(int32_t x, int32_t y, int32_t acc)
{
    return (int32_t)((uint32_t)acc + (uint32_t)(mcu_nn_lo16(x) * mcu_nn_hi16(y)));
}
#endif

/* The inputs x0 x1 | x2 x3 (two words of int16 pairs) regrouped as the pairs (x0, x2) and
 * (x1, x3) that meet a filter word unpacked by SXTB16: PKHBT and PKHTB where they exist. */
static inline void mcu_nn_pair_s16(uint32_t x01, uint32_t x23, int32_t *x02, int32_t *x13)
{
#if MCU_NN_DSP_NATIVE
    __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(*x02) : "r"(x01), "r"(x23));
    __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(*x13) : "r"(x23), "r"(x01));
#else
    *x02 = (int32_t)((x01 & 0xFFFFu) | (x23 << 16));
    *x13 = (int32_t)((x01 >> 16) | (x23 & 0xFFFF0000u));
#endif
}

/* TFLite's int64 requantization of a sum that is an int32 value a, (a * reduced +
 * 2^(total - 1)) >> total with total = 15 - shift, is (a * (reduced << (32 - total)) + 2^31)
 * >> 32 exactly (both sides scaled by 2^(32 - total)): one rounding high multiply when that
 * multiplier fits an int32 (total from 1 to 32 and not too large a reduced multiplier; the
 * usual 16x8 layer has total about 20). Returns it, or 0 when the int64 form must be used:
 * also when the sum of `taps` products and `bias` could leave int32. */
static inline int32_t
mcu_nn_s16_fast_multiplier(int32_t multiplier, int32_t shift, int64_t bias, int32_t taps)
{
    const int32_t reduced = multiplier < 0x7FFF0000 ? (multiplier + (1 << 15)) >> 16 : 0x7FFF;
    const int32_t total = 15 - shift;
    if (reduced <= 0 || total < 1 || total > 32 || taps > MCU_NN_S16_EXACT_TAPS ||
        bias < -INT32_MAX || bias > INT32_MAX) {
        return 0;
    }
    const int64_t m = (int64_t)reduced << (32 - total);
    const int64_t reach = (int64_t)taps * (1 << 22) + (bias < 0 ? -bias : bias);
    if (m > INT32_MAX || reach > INT32_MAX) {
        return 0;
    }
    return (int32_t)m;
}

/* 1 when every one of `channels` has mcu_nn_s16_fast_multiplier's form with 15 - shift >= 17,
 * so that reduced << (17 + shift) is that multiplier and fits an int32 (reduced < 2^15); the
 * drivers check it once per call instead of once per channel and pixel block. */
static inline int32_t mcu_nn_s16_layer_fast(const int32_t *multiplier,
                                            const int32_t *shift,
                                            const int64_t *bias,
                                            int32_t channels,
                                            int32_t taps)
{
    for (int32_t c = 0; c < channels; c++) {
        if (shift[c] > -2 || mcu_nn_s16_fast_multiplier(multiplier[c], shift[c],
                                                        bias != NULL ? bias[c] : 0, taps) == 0) {
            return 0;
        }
    }
    return 1;
}

/* Channel oc's one-multiply multiplier, or 0 for the int64 form (or an int32 bias); *bias is
 * set to its int64 bias (0 with an int32 one). */
static inline int32_t
mcu_nn_s16_channel_multiplier(const mcu_nn_gemm_s16_args *g, int32_t oc, int64_t *bias)
{
    *bias = 0;
    if (g->bias_is_int32) {
        return 0;
    }
    if (g->bias != NULL) {
        *bias = ((const int64_t *)g->bias)[oc];
    }
    if (g->all_fast) {
        const int32_t m = g->mult[oc];
        const int32_t reduced = m < 0x7FFF0000 ? (m + (1 << 15)) >> 16 : 0x7FFF;
        return reduced << (17 + g->shift[oc]);
    }
    return mcu_nn_s16_fast_multiplier(g->mult[oc], g->shift[oc], *bias, g->col_len);
}

/* The s16 convolution's im2col layout: packed as the int8 one (Internal/mcu_nn_mat_mult.h)
 * with the DSP extension, plain (column j at j * pitch, taps in order) otherwise and with
 * Helium, whose core loads eight taps at a time with tail predication. */
#define MCU_NN_S16_PACKED (MCU_NN_DSP && !MCU_NN_MVE)

/* Slot of tap k of column 0. */
static inline int32_t mcu_nn_s16_col_slot(int32_t k)
{
#if MCU_NN_S16_PACKED
    return ((k & ~3) << 2) | ((k & 1) << 1) | ((k >> 1) & 1);
#else
    return k;
#endif
}

/* Slots from column j to column j + 1. */
static inline int32_t mcu_nn_s16_col_step(int32_t pitch)
{
#if MCU_NN_S16_PACKED
    (void)pitch;
    return 4;
#else
    return pitch;
#endif
}

/* One row of a 16x8 fully connected layer: dst[u] = clamp(requantize(bias[u] + sum_k x[k] *
 * w[u][k])) for u < units, with multiplier/shift index u * quant_stride (0: per tensor, 1: per
 * channel). bias may be NULL. NNSupportFunctions/mcu_nn_fc_row_s16.c */
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
                       int32_t act_max);

/* All output channels of the first `pixels` (1 to MCU_NN_COLUMNS) int16 im2col columns in the
 * layout above (packed: groups of four taps in the order SXTB16 unpacks a filter word, the
 * columns interleaved, the slots past col_len in the last group zero), holding the int16 input
 * itself (no offset).
 * NNSupportFunctions/mcu_nn_mat_mult_kernel_s16.c */
void mcu_nn_mat_mult_kernel_s16(const mcu_nn_gemm_s16_args *g,
                                const int16_t *cols,
                                int32_t pixels,
                                int16_t *out);

#endif
