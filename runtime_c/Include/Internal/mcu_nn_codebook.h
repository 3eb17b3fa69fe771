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

/* dst[k] = table[index start + k * stride] for k < count: one output channel's weights decoded
 * from flash into a small scratch buffer. The byte after an index is only read when the index
 * runs into it, so nothing past the stream is touched. Consecutive 1-, 2- or 4-bit indices are
 * taken a whole byte at a time once the stream is at a byte boundary. */
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
        const uint8_t *p = indices + (pos >> 3);
        for (; k + per_byte <= count; k += per_byte, pos += 8u) {
            uint32_t byte = *p++;
            for (int32_t j = 0; j < per_byte; j++, byte >>= (uint32_t)bits) {
                dst[k + j] = table[byte & mask];
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

/* Output channels a convolution computes together (sharing each input load): their filters are
 * decoded side by side, so the scratch holds this many filters. */
#define MCU_NN_CODEBOOK_BLOCK 4

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
