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

/* dst[k] = table[index start + k * stride] for k < count: one output channel's weights decoded
 * from flash into a small scratch buffer. The byte after an index is only read when the index
 * runs into it, so nothing past the stream is touched. */
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
    for (int32_t k = 0; k < count; k++) {
        const uint32_t byte = pos >> 3, sh = pos & 7u;
        uint32_t v = (uint32_t)indices[byte] >> sh;
        if (sh + (uint32_t)bits > 8u) {
            v |= (uint32_t)indices[byte + 1u] << (8u - sh);
        }
        dst[k] = table[v & mask];
        pos += step;
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
