/*
 * mcutool portable runtime, private: the Arm DSP-extension (SIMD32) operations the int8 kernels
 * use, as small static inline functions, and a few load/pack helpers. Byte lanes are numbered
 * from the lowest address (little-endian, as every Cortex-M target here and the test host).
 *
 * MCU_NN_DSP is 1 where the operations are single instructions (__ARM_FEATURE_DSP: Cortex-M4,
 * M7, M33, M55) and 0 elsewhere (Cortex-M0/M3, host); kernels choose their packed int16 code
 * paths with it. Defining MCU_NN_EMULATE_DSP (tests only) turns the packed paths on anywhere,
 * with the plain C versions below, so that a host build under the sanitizers checks them too.
 *
 * Packed int16 pairs: the low halfword is element 0, the high halfword element 1.
 */
#ifndef MCU_NN_DSP_H
#define MCU_NN_DSP_H

#include <stdint.h>
#include <string.h>

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#define MCU_NN_DSP        1
#define MCU_NN_DSP_NATIVE 1
#elif defined(MCU_NN_EMULATE_DSP)
#define MCU_NN_DSP        1
#define MCU_NN_DSP_NATIVE 0
#else
#define MCU_NN_DSP        0
#define MCU_NN_DSP_NATIVE 0
#endif

/* MCU_NN_MVE is 1 where the integer Helium (MVE) instructions exist (Cortex-M55): the int8
 * conv, depthwise and fully connected kernels then take their vector paths instead of the
 * packed ones. */
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#define MCU_NN_MVE 1
#include <arm_mve.h>
#else
#define MCU_NN_MVE 0
#endif

/* Keeps a hot helper out of a large caller, so that its loops get the registers. */
#if defined(__GNUC__)
#define MCU_NN_NOINLINE __attribute__((noinline))
#else
#define MCU_NN_NOINLINE
#endif

/* Four int8 lanes from the low bytes of four int32 values, lane 0 from a (little-endian: the
 * byte at the lowest address). */
static inline int32_t mcu_nn_pack_s8x4(int32_t a, int32_t b, int32_t c, int32_t d)
{
    return (int32_t)(((uint32_t)a & 0xFFu) | (((uint32_t)b & 0xFFu) << 8) |
                     (((uint32_t)c & 0xFFu) << 16) | ((uint32_t)d << 24));
}

/* 4 bytes from any address (memcpy compiles to one LDR where unaligned access is allowed). */
static inline int32_t mcu_nn_read_s8x4(const int8_t *p)
{
    int32_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

#if MCU_NN_DSP_NATIVE

/* Bytes 0 and 2 of x sign-extended into a pair. */
static inline int32_t mcu_sxtb16(int32_t x)
{
    int32_t r;
    __asm__("sxtb16 %0, %1" : "=r"(r) : "r"(x));
    return r;
}

/* Bytes 1 and 3 of x sign-extended into a pair. */
static inline int32_t mcu_sxtb16_ror8(int32_t x)
{
    int32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}

/* Pair a plus bytes 0 and 2 of x, sign-extended (halfword-wise add). */
static inline int32_t mcu_sxtab16(int32_t a, int32_t x)
{
    int32_t r;
    __asm__("sxtab16 %0, %1, %2" : "=r"(r) : "r"(a), "r"(x));
    return r;
}

/* Pair a plus bytes 1 and 3 of x, sign-extended. */
static inline int32_t mcu_sxtab16_ror8(int32_t a, int32_t x)
{
    int32_t r;
    __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(a), "r"(x));
    return r;
}

/* Two consecutive words from a 4-byte aligned address (one LDRD), and the address after them. */
typedef struct {
    int32_t w[2];
} mcu_nn_word_pair;

static inline const int32_t *mcu_nn_read_pair_ia(const int32_t *p, int32_t *first, int32_t *second)
{
    __asm__("ldrd %0, %1, [%2], #8"
            : "=r"(*first), "=r"(*second), "+r"(p)
            : "m"(*(const mcu_nn_word_pair *)(const void *)p));
    return p;
}

/* acc + x.lo * y.lo + x.hi * y.hi (wraps like int32 addition). */
static inline int32_t mcu_smlad(int32_t x, int32_t y, int32_t acc)
{
    int32_t r;
    __asm__("smlad %0, %1, %2, %3" : "=r"(r) : "r"(x), "r"(y), "r"(acc));
    return r;
}

/* acc + x.lo * y.lo */
static inline int32_t mcu_smlabb(int32_t x, int32_t y, int32_t acc)
{
    int32_t r;
    __asm__("smlabb %0, %1, %2, %3" : "=r"(r) : "r"(x), "r"(y), "r"(acc));
    return r;
}

/* acc + x.hi * y.hi */
static inline int32_t mcu_smlatt(int32_t x, int32_t y, int32_t acc)
{
    int32_t r;
    __asm__("smlatt %0, %1, %2, %3" : "=r"(r) : "r"(x), "r"(y), "r"(acc));
    return r;
}

/* A compiler barrier: loads after it are not moved above it. GCC's first scheduling pass
 * otherwise hoists all the loads of an unrolled block and runs out of registers. */
static inline void mcu_nn_barrier(void)
{
    __asm__ volatile("" ::: "memory");
}

/* x saturated to [-128, 127]. */
static inline int32_t mcu_ssat8(int32_t x)
{
    int32_t r;
    __asm__("ssat %0, #8, %1" : "=r"(r) : "r"(x));
    return r;
}

/* Each of the four int8 lanes of x clamped to [lo, hi], given lo4 and hi4 with lo and hi in
 * every lane (SSUB8 sets a GE flag per lane, SEL picks by them). */
static inline int32_t mcu_clamp_s8x4(int32_t x, int32_t lo4, int32_t hi4)
{
    int32_t t;
    __asm__("ssub8 %1, %0, %2\n\t"
            "sel %0, %0, %2\n\t"
            "ssub8 %1, %3, %0\n\t"
            "sel %0, %0, %3"
            : "+r"(x), "=&r"(t)
            : "r"(lo4), "r"(hi4)
            : "cc");
    return x;
}

#elif MCU_NN_DSP

/* Plain C twins of the instructions above (for MCU_NN_EMULATE_DSP test builds). Packing goes
 * through uint32_t so that nothing relies on signed overflow. */
static inline int32_t mcu_nn_pack16(int32_t lo, int32_t hi)
{
    return (int32_t)(((uint32_t)hi << 16) | ((uint32_t)lo & 0xFFFFu));
}

static inline int32_t mcu_nn_lo16(int32_t x)
{
    return (int16_t)((uint32_t)x & 0xFFFFu);
}
static inline int32_t mcu_nn_hi16(int32_t x)
{
    return (int16_t)((uint32_t)x >> 16);
}
static inline int32_t mcu_nn_byte(int32_t x, int n)
{
    return (int8_t)(((uint32_t)x >> (8 * n)) & 0xFFu);
}

static inline int32_t mcu_sxtb16(int32_t x)
{
    return mcu_nn_pack16(mcu_nn_byte(x, 0), mcu_nn_byte(x, 2));
}
static inline int32_t mcu_sxtb16_ror8(int32_t x)
{
    return mcu_nn_pack16(mcu_nn_byte(x, 1), mcu_nn_byte(x, 3));
}

static inline int32_t mcu_sxtab16(int32_t a, int32_t x)
{
    return mcu_nn_pack16(mcu_nn_lo16(a) + mcu_nn_byte(x, 0), mcu_nn_hi16(a) + mcu_nn_byte(x, 2));
}

static inline int32_t mcu_sxtab16_ror8(int32_t a, int32_t x)
{
    return mcu_nn_pack16(mcu_nn_lo16(a) + mcu_nn_byte(x, 1), mcu_nn_hi16(a) + mcu_nn_byte(x, 3));
}

static inline const int32_t *mcu_nn_read_pair_ia(const int32_t *p, int32_t *first, int32_t *second)
{
    *first = p[0];
    *second = p[1];
    return p + 2;
}

static inline int32_t mcu_smlad(int32_t x, int32_t y, int32_t acc)
{
    const uint32_t sum = (uint32_t)acc + (uint32_t)(mcu_nn_lo16(x) * mcu_nn_lo16(y)) +
                         (uint32_t)(mcu_nn_hi16(x) * mcu_nn_hi16(y));
    return (int32_t)sum;
}

static inline void mcu_nn_barrier(void) {}

static inline int32_t mcu_ssat8(int32_t x)
{
    return x < -128 ? -128 : (x > 127 ? 127 : x);
}

static inline int32_t mcu_clamp_s8x4(int32_t x, int32_t lo4, int32_t hi4)
{
    uint32_t r = 0;
    for (int n = 0; n < 4; n++) {
        int32_t v = mcu_nn_byte(x, n);
        const int32_t lo = mcu_nn_byte(lo4, n), hi = mcu_nn_byte(hi4, n);
        v = v < lo ? lo : v;
        v = v > hi ? hi : v;
        r |= ((uint32_t)v & 0xFFu) << (8 * n);
    }
    return (int32_t)r;
}

static inline int32_t mcu_smlabb(int32_t x, int32_t y, int32_t acc)
{
    return (int32_t)((uint32_t)acc + (uint32_t)(mcu_nn_lo16(x) * mcu_nn_lo16(y)));
}

static inline int32_t mcu_smlatt(int32_t x, int32_t y, int32_t acc)
{
    return (int32_t)((uint32_t)acc + (uint32_t)(mcu_nn_hi16(x) * mcu_nn_hi16(y)));
}

#endif

#endif
