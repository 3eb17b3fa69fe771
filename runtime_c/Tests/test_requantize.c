/*
 * The integer helpers of arm_nnsupportfunctions.h against gemmlowp's definitions as TFLite
 * writes them: arm_nn_doubling_high_mult_no_sat's single shift (both nudge variants, TFLite's
 * and CMSIS-NN's), arm_nn_requantize and mcu_nn_round_shift_right, on edge values, values
 * around every power of two and random ones. A board build (MCU_TEST_BOARD) checks a sparser
 * sweep so that it stays quick under QEMU.
 */
#include <limits.h>
#include <stdint.h>

#include "arm_nnsupportfunctions.h"
#include "mcu_test.h"

#if defined(MCU_TEST_BOARD)
enum { NV = 300, NM = 12, DENSE = 1 << 10, SPARSE_STEP = 16777213 };
#else
enum { NV = 1500, NM = 40, DENSE = 1 << 18, SPARSE_STEP = 65521 };
#endif

/* gemmlowp's definitions: nudge from the product's sign, division rounding toward zero. */
static int32_t srdhm_tflite(int32_t a, int32_t b)
{
    if (a == INT32_MIN && b == INT32_MIN) {
        return INT32_MAX;
    }
    const int64_t ab = (int64_t)a * b;
    const int64_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
    return (int32_t)((ab + nudge) / (1LL << 31));
}

/* CMSIS-NN's variant: nudge chosen from the operands' signs. */
static int32_t srdhm_cmsis(int32_t a, int32_t b)
{
    const int64_t nudge = ((a < 0) ^ (b < 0)) ? (1 - (1LL << 30)) : (1LL << 30);
    return (int32_t)(((int64_t)a * b + nudge) / (1LL << 31));
}

static int32_t rdbpot_tflite(int32_t x, int e)
{
    const int32_t mask = (int32_t)((1LL << e) - 1), rem = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0);
    return (x >> e) + (rem > threshold);
}

static int32_t mbqm_tflite(int32_t x, int32_t m, int shift)
{
    const int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
    return rdbpot_tflite(srdhm_tflite((int32_t)((uint32_t)x << left), m), right);
}

static uint32_t state = 12345;
static uint32_t rnd(void)
{
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return state;
}

static int32_t vals[NV], mults[NM];
static int nv, nm;

static void make_values(void)
{
    const int32_t edge[] = {0, 1, -1, 2, -2, INT32_MAX, INT32_MIN, INT32_MAX - 1, INT32_MIN + 1};
    for (unsigned i = 0; i < sizeof edge / sizeof *edge; i++) {
        vals[nv++] = edge[i];
    }
    for (int k = 0; k < 31; k++) { /* around every power of two: where the roundings turn */
        const int32_t p = (int32_t)(1u << k);
        const int32_t around[] = {p, p - 1, p + 1, -p, -p - 1, -p + 1};
        for (int i = 0; i < 6; i++) {
            vals[nv++] = around[i];
        }
    }
    while (nv < NV) {
        vals[nv++] = (int32_t)rnd() >> (rnd() % 32);
    }
    const int32_t medge[] = {0, 1, 1 << 30, (1 << 30) + 1, INT32_MAX, INT32_MAX - 1, 1518500250};
    for (unsigned i = 0; i < sizeof medge / sizeof *medge; i++) {
        mults[nm++] = medge[i];
    }
    while (nm < NM) {
        mults[nm++] = (int32_t)((1u << 30) | (rnd() >> 2));
    }
}

static void test_doubling_high_mult(void)
{
    mcu_test_begin("doubling high multiply");
    long bad = 0;
    for (int i = 0; i < nv; i++) {
        for (int j = 0; j < nv; j++) {
            const int32_t a = vals[i], b = vals[j];
            if (!(a == INT32_MIN && b == INT32_MIN)) {
                const int32_t r = arm_nn_doubling_high_mult_no_sat(a, b);
                bad += r != srdhm_tflite(a, b) || r != srdhm_cmsis(a, b);
            }
            bad += arm_nn_doubling_high_mult(a, b) != srdhm_tflite(a, b);
        }
    }
    MCU_TEST_INT(0, bad);
}

static void test_requantize(void)
{
    mcu_test_begin("requantize, every shift");
    long bad = 0;
    for (int shift = -31; shift <= 31; shift++) {
        for (int i = 0; i < nv; i++) {
            for (int j = 0; j < nm; j++) {
                bad += arm_nn_requantize(vals[i], mults[j], shift) !=
                       mbqm_tflite(vals[i], mults[j], shift);
            }
        }
    }
    MCU_TEST_INT(0, bad);
}

static void test_round_shift_right(void)
{
    mcu_test_begin("rounding shift, every exponent");
    long bad = 0;
    for (int e = 1; e <= 31; e++) {
        for (int32_t x = -DENSE; x <= DENSE; x++) {
            bad += mcu_nn_round_shift_right(x, e) != rdbpot_tflite(x, e);
        }
        for (int64_t x = INT32_MIN + 1; x <= INT32_MAX; x += SPARSE_STEP) {
            bad += mcu_nn_round_shift_right((int32_t)x, e) != rdbpot_tflite((int32_t)x, e);
        }
        bad += mcu_nn_round_shift_right(INT32_MAX - 1, e) != rdbpot_tflite(INT32_MAX - 1, e);
    }
    MCU_TEST_INT(0, bad);
}

int main(void)
{
    make_values();
    test_doubling_high_mult();
    test_requantize();
    test_round_shift_right();
    return mcu_test_summary();
}
