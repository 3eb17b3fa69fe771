/*
 * mcutool portable runtime, private: what the 16x8 kernels (int16 activations, int8 weights,
 * int64 bias) share: TFLite's MultiplyByQuantizedMultiplier for an int64 accumulator and the
 * clamp to the fused activation's int16 range.
 */
#ifndef MCU_NN_S16_H
#define MCU_NN_S16_H

#include <stddef.h>
#include <stdint.h>

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

#endif
