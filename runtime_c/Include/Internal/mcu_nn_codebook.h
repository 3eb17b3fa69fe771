/*
 * mcutool portable runtime, private: reading codebook weights, stored as a little-endian bit
 * stream of 1- to 4-bit indices (index i in bits [i * bits, (i + 1) * bits) from bit 0 of
 * byte 0; a 3-bit index may straddle two bytes) into a table of int8 values, and the output
 * stage the codebook kernels share.
 */
#ifndef MCU_NN_CODEBOOK_H
#define MCU_NN_CODEBOOK_H

#include <stdint.h>

#include "arm_nnsupportfunctions.h"
#include "Internal/mcu_nn_dsp.h"

/* The indices of n whole bytes (8 / bits each, bits 1, 2 or 4, lowest bits first) through
 * the table into dst. */
static inline void
mcu_nn_codebook_bytes(const uint8_t *p, int32_t bits, const int8_t *table, int32_t n, int8_t *dst)
{
    const uint32_t mask = (1u << (uint32_t)bits) - 1u;
    const int32_t per_byte = 8 / bits;
    for (; n > 0; n--) {
        uint32_t byte = *p++;
        for (int32_t j = 0; j < per_byte; j++, byte >>= (uint32_t)bits) {
            dst[j] = table[byte & mask];
        }
        dst += per_byte;
    }
}

/* dst[k] = table[index start + k * stride] for k < count: one output channel's weights decoded
 * from flash into a small scratch buffer. The byte after an index is only read when the index
 * runs into it, so nothing past the stream is touched. Consecutive 1-, 2- or 4-bit indices are
 * taken a whole byte at a time once the stream is at a byte boundary, 3-bit ones three bytes
 * (eight indices) at a time. */
static inline void mcu_nn_codebook_decode(const uint8_t *indices,
                                          int32_t bits,
                                          const int8_t *table,
                                          int32_t start,
                                          int32_t stride,
                                          int32_t count,
                                          int8_t *dst)
{
    const uint32_t mask = (1u << (uint32_t)bits) - 1u;
    const uint32_t step = (uint32_t)stride * (uint32_t)bits;
    uint32_t pos = (uint32_t)start * (uint32_t)bits;
    int32_t k = 0;
    if (stride == 1 && bits != 3) {
        const int32_t per_byte = 8 / bits;
        for (; k < count && (pos & 7u) != 0u; k++, pos += (uint32_t)bits) {
            dst[k] = table[((uint32_t)indices[pos >> 3] >> (pos & 7u)) & mask];
        }
        const int32_t bytes = (count - k) / per_byte;
        /* a constant index width per call, so that the per-byte loop unrolls */
        if (bits == 4) {
            mcu_nn_codebook_bytes(indices + (pos >> 3), 4, table, bytes, dst + k);
        } else if (bits == 2) {
            mcu_nn_codebook_bytes(indices + (pos >> 3), 2, table, bytes, dst + k);
        } else {
            mcu_nn_codebook_bytes(indices + (pos >> 3), 1, table, bytes, dst + k);
        }
        k += bytes * per_byte;
        pos += 8u * (uint32_t)bytes;
    }
    if (stride == 1 && bits == 3) {
        /* from a byte boundary on, eight 3-bit indices are three whole bytes */
        for (; k < count && (pos & 7u) != 0u; k++, pos += 3u) {
            const uint32_t byte = pos >> 3, sh = pos & 7u;
            uint32_t v = (uint32_t)indices[byte] >> sh;
            if (sh > 5u) {
                v |= (uint32_t)indices[byte + 1u] << (8u - sh);
            }
            dst[k] = table[v & 7u];
        }
        const uint8_t *p = indices + (pos >> 3);
        for (; k + 8 <= count; k += 8, pos += 24u, p += 3) {
            uint32_t v = (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16);
            for (int32_t j = 0; j < 8; j++, v >>= 3u) {
                dst[k + j] = table[v & 7u];
            }
        }
    }
    for (; k < count; k++, pos += step) {
        const uint32_t byte = pos >> 3, sh = pos & 7u;
        uint32_t v = (uint32_t)indices[byte] >> sh;
        if (sh + (uint32_t)bits > 8u) {
            v |= (uint32_t)indices[byte + 1u] << (8u - sh);
        }
        dst[k] = table[v & mask];
    }
}

/* sum_k (x[k] + offset) * w[k] for k < n, in int32 wrapping as TFLite's accumulator. DSP path:
 * four taps per two SMLADs, the inputs widened with the offset added by SXTAB16 (|x + offset|
 * <= 255 fits a halfword) and the decoded weights by SXTB16. */
static inline uint32_t
mcu_nn_codebook_dot(const int8_t *x, const int8_t *w, int32_t n, int32_t offset)
{
    uint32_t acc = 0;
    int32_t k = 0;
#if MCU_NN_DSP
    const int32_t offset_pair = (int32_t)(((uint32_t)offset << 16) | ((uint32_t)offset & 0xFFFFu));
    for (; k + 3 < n; k += 4) {
        const int32_t xv = mcu_nn_read_s8x4(x + k), wv = mcu_nn_read_s8x4(w + k);
        acc = (uint32_t)mcu_smlad(mcu_sxtab16(offset_pair, xv), mcu_sxtb16(wv), (int32_t)acc);
        acc = (uint32_t)mcu_smlad(mcu_sxtab16_ror8(offset_pair, xv), mcu_sxtb16_ror8(wv),
                                  (int32_t)acc);
    }
#endif
    for (; k < n; k++) {
        acc += (uint32_t)((x[k] + offset) * w[k]);
    }
    return acc;
}

/* Output channels a depthwise convolution computes together (sharing each input load): their
 * filters are decoded side by side, so the scratch holds this many filters. */
#define MCU_NN_CODEBOOK_BLOCK 4

/* Output channels whose filters the convolution decodes at a time: each block makes its own
 * im2col pass, so larger blocks spread that cost (mcutool.abi.runtime_sizes). */
#define MCU_NN_CODEBOOK_CONV_BLOCK 8

/* acc[j] += sum_k (x[k] + offset) * w[j * w_stride + k] for k < n, j < nb: the dot products of
 * one input run with nb decoded filters; the DSP path widens each four inputs once for all. */
static inline void mcu_nn_codebook_dot_block(const int8_t *x,
                                             const int8_t *w,
                                             int32_t w_stride,
                                             int32_t nb,
                                             int32_t n,
                                             int32_t offset,
                                             uint32_t *acc)
{
    int32_t k = 0;
#if MCU_NN_DSP
    const int32_t offset_pair = (int32_t)(((uint32_t)offset << 16) | ((uint32_t)offset & 0xFFFFu));
    for (; k + 3 < n; k += 4) {
        const int32_t xv = mcu_nn_read_s8x4(x + k);
        const int32_t x02 = mcu_sxtab16(offset_pair, xv), x13 = mcu_sxtab16_ror8(offset_pair, xv);
        for (int32_t j = 0; j < nb; j++) {
            const int32_t wv = mcu_nn_read_s8x4(w + j * w_stride + k);
            int32_t a = mcu_smlad(x02, mcu_sxtb16(wv), (int32_t)acc[j]);
            acc[j] = (uint32_t)mcu_smlad(x13, mcu_sxtb16_ror8(wv), a);
        }
    }
#endif
    for (; k < n; k++) {
        const int32_t xo = x[k] + offset;
        for (int32_t j = 0; j < nb; j++) {
            acc[j] += (uint32_t)(xo * w[j * w_stride + k]);
        }
    }
}

/* Four accumulators kept in registers (an array indexed by a variable lives in memory). */
typedef struct {
    uint32_t a0, a1, a2, a3;
} mcu_nn_codebook_acc4;

/* mcu_nn_codebook_dot_block for exactly four filters: the same sums, the accumulators in
 * registers and the filter loop unrolled. */
static inline void mcu_nn_codebook_dot4(const int8_t *x,
                                        const int8_t *w,
                                        int32_t w_stride,
                                        int32_t n,
                                        int32_t offset,
                                        mcu_nn_codebook_acc4 *acc)
{
    uint32_t a0 = acc->a0, a1 = acc->a1, a2 = acc->a2, a3 = acc->a3;
    const int8_t *w0 = w, *w1 = w + w_stride, *w2 = w1 + w_stride, *w3 = w2 + w_stride;
    int32_t k = 0;
#if MCU_NN_DSP
    const int32_t offset_pair = (int32_t)(((uint32_t)offset << 16) | ((uint32_t)offset & 0xFFFFu));
    for (; k + 3 < n; k += 4) {
        const int32_t xv = mcu_nn_read_s8x4(x + k);
        const int32_t x02 = mcu_sxtab16(offset_pair, xv), x13 = mcu_sxtab16_ror8(offset_pair, xv);
        int32_t wv = mcu_nn_read_s8x4(w0 + k);
        a0 = (uint32_t)mcu_smlad(x13, mcu_sxtb16_ror8(wv),
                                 mcu_smlad(x02, mcu_sxtb16(wv), (int32_t)a0));
        wv = mcu_nn_read_s8x4(w1 + k);
        a1 = (uint32_t)mcu_smlad(x13, mcu_sxtb16_ror8(wv),
                                 mcu_smlad(x02, mcu_sxtb16(wv), (int32_t)a1));
        wv = mcu_nn_read_s8x4(w2 + k);
        a2 = (uint32_t)mcu_smlad(x13, mcu_sxtb16_ror8(wv),
                                 mcu_smlad(x02, mcu_sxtb16(wv), (int32_t)a2));
        wv = mcu_nn_read_s8x4(w3 + k);
        a3 = (uint32_t)mcu_smlad(x13, mcu_sxtb16_ror8(wv),
                                 mcu_smlad(x02, mcu_sxtb16(wv), (int32_t)a3));
    }
#endif
    for (; k < n; k++) {
        const int32_t xo = x[k] + offset;
        a0 += (uint32_t)(xo * w0[k]);
        a1 += (uint32_t)(xo * w1[k]);
        a2 += (uint32_t)(xo * w2[k]);
        a3 += (uint32_t)(xo * w3[k]);
    }
    acc->a0 = a0;
    acc->a1 = a1;
    acc->a2 = a2;
    acc->a3 = a3;
}

/* mcu_nn_codebook_mac_lanes for exactly four channels, on register accumulators. */
static inline void mcu_nn_codebook_mac4(const int8_t *x,
                                        const int8_t *w,
                                        int32_t offset_pair,
                                        int32_t offset,
                                        mcu_nn_codebook_acc4 *acc)
{
#if MCU_NN_DSP
    (void)offset;
    const int32_t xv = mcu_nn_read_s8x4(x), wv = mcu_nn_read_s8x4(w);
    const int32_t x02 = mcu_sxtab16(offset_pair, xv), x13 = mcu_sxtab16_ror8(offset_pair, xv);
    const int32_t w02 = mcu_sxtb16(wv), w13 = mcu_sxtb16_ror8(wv);
    acc->a0 = (uint32_t)mcu_smlabb(x02, w02, (int32_t)acc->a0);
    acc->a1 = (uint32_t)mcu_smlabb(x13, w13, (int32_t)acc->a1);
    acc->a2 = (uint32_t)mcu_smlatt(x02, w02, (int32_t)acc->a2);
    acc->a3 = (uint32_t)mcu_smlatt(x13, w13, (int32_t)acc->a3);
#else
    (void)offset_pair;
    acc->a0 += (uint32_t)((x[0] + offset) * w[0]);
    acc->a1 += (uint32_t)((x[1] + offset) * w[1]);
    acc->a2 += (uint32_t)((x[2] + offset) * w[2]);
    acc->a3 += (uint32_t)((x[3] + offset) * w[3]);
#endif
}

/* acc[j] += (x[j] + offset) * w[j] for j < nb (at most 4): one depthwise tap of nb neighbouring
 * channels; the DSP path takes all four with SMLABB/SMLATT on the widened pairs. */
static inline void mcu_nn_codebook_mac_lanes(
    const int8_t *x, const int8_t *w, int32_t nb, int32_t offset, uint32_t *acc)
{
#if MCU_NN_DSP
    if (nb == 4) {
        const int32_t offset_pair =
            (int32_t)(((uint32_t)offset << 16) | ((uint32_t)offset & 0xFFFFu));
        const int32_t xv = mcu_nn_read_s8x4(x), wv = mcu_nn_read_s8x4(w);
        const int32_t x02 = mcu_sxtab16(offset_pair, xv), x13 = mcu_sxtab16_ror8(offset_pair, xv);
        const int32_t w02 = mcu_sxtb16(wv), w13 = mcu_sxtb16_ror8(wv);
        acc[0] = (uint32_t)mcu_smlabb(x02, w02, (int32_t)acc[0]);
        acc[1] = (uint32_t)mcu_smlabb(x13, w13, (int32_t)acc[1]);
        acc[2] = (uint32_t)mcu_smlatt(x02, w02, (int32_t)acc[2]);
        acc[3] = (uint32_t)mcu_smlatt(x13, w13, (int32_t)acc[3]);
        return;
    }
#endif
    for (int32_t j = 0; j < nb; j++) {
        acc[j] += (uint32_t)((x[j] + offset) * w[j]);
    }
}

/* The int32 sum (wrapped, as TFLite's accumulator) plus bias, requantized, offset, clamped. */
static inline int8_t mcu_nn_codebook_out(
    uint32_t acc, int32_t bias, int32_t mult, int32_t shift, int32_t offset, int32_t lo, int32_t hi)
{
    int32_t out = arm_nn_requantize((int32_t)(acc + (uint32_t)bias), mult, shift) + offset;
    out = out < lo ? lo : out;
    return (int8_t)(out > hi ? hi : out);
}

#endif /* MCU_NN_CODEBOOK_H */
