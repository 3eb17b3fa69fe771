/*
 * mcutool runtime: arm_softmax_s8 -- int8 softmax over each row, CMSIS-NN's signature.
 *
 * Bit-exact with TFLite-Micro's reference_ops::Softmax (int8 in, int8 out), which evaluates
 * exp() and 1/x in gemmlowp fixed point:
 *   diff = x - max(row); terms with diff < diff_min are dropped (output -128);
 *   e = exp(diff rescaled to Q5.26 by (mult, shift))            Q0.31
 *   sum = sum of e, each rounded to Q12.19                        wraps like int32
 *   out = e * (1 / sum), rounded to 1/256, minus 128, clamped.
 * TFLite-Micro aborts (TFLITE_CHECK) on a row whose sum reaches 512.0; every output of such a
 * row is below half an LSB, and this function writes -128 for all of it.
 *
 * Ranges: num_rows, row_size >= 0; mult in [2^30, 2^31) and shift in [0, 31] as computed by
 * PreprocessSoftmaxScaling(beta, input_scale, 5); diff_min = -CalculateInputRadius(5, shift),
 * so that every used diff * 2^shift fits in int32. input and output may be the same buffer.
 */
#include "arm_nnfunctions.h"
#include "arm_nnsupportfunctions.h"

#define ACCUM_INTEGER_BITS 12 /* sum of exps: Q12.19 */
#define ONE_QUARTER_Q5     (1 << 24)

/* Two's complement wrap-around add/sub: what the fixed-point reference computes, without
 * signed-overflow undefined behaviour. */
static int32_t add_wrap(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a + (uint32_t)b);
}
static int32_t sub_wrap(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a - (uint32_t)b);
}

/* x * 2^exponent, saturated to int32 (gemmlowp's SaturatingRoundingMultiplyByPOT<+e>). */
static int32_t saturating_shift_left(int32_t x, int32_t exponent)
{
    const int32_t threshold = (int32_t)((1UL << (31 - exponent)) - 1UL);
    if (x > threshold) {
        return INT32_MAX;
    }
    if (x < -threshold) {
        return INT32_MIN;
    }
    return (int32_t)((uint32_t)x << exponent);
}

/* exp(a) for a in [-1/4, 0), Q0.31: Taylor series around -1/8. */
static int32_t exp_on_interval_minus_quarter_to_zero(int32_t a)
{
    const int32_t exp_minus_one_eighth = 1895147668;
    const int32_t one_third = 715827883;
    const int32_t x = add_wrap(a, 1 << 28);
    const int32_t x2 = arm_nn_doubling_high_mult(x, x);
    const int32_t x3 = arm_nn_doubling_high_mult(x2, x);
    const int32_t x4 = arm_nn_doubling_high_mult(x2, x2);
    const int32_t x4_over_4 = arm_nn_divide_by_power_of_two(x4, 2);
    const int32_t poly = arm_nn_divide_by_power_of_two(
        add_wrap(arm_nn_doubling_high_mult(add_wrap(x4_over_4, x3), one_third), x2), 1);
    return add_wrap(exp_minus_one_eighth,
                    arm_nn_doubling_high_mult(exp_minus_one_eighth, add_wrap(x, poly)));
}

/* exp(a) for a <= 0 in Q5.26, result in Q0.31 (exp(0) is INT32_MAX). */
static int32_t exp_on_negative_values_q5(int32_t a)
{
    /* exp(-2^k) in Q0.31 for k = -2 .. 4, applied for each set bit of the multiple of 1/4. */
    static const int32_t exp_of_minus_pot[7] = {1672461947, 1302514674, 790015084, 290630308,
                                                39332535,   720401,     242};
    const int32_t a_mod_quarter_minus_quarter = (a & (ONE_QUARTER_Q5 - 1)) - ONE_QUARTER_Q5;
    const int32_t remainder = sub_wrap(a_mod_quarter_minus_quarter, a);
    /* Q5.26 -> Q0.31 of the part in [-1/4, 0) */
    const int32_t low_part = saturating_shift_left(a_mod_quarter_minus_quarter, 5);
    int32_t result = exp_on_interval_minus_quarter_to_zero(low_part);
    int32_t k;
    for (k = 0; k < 7; k++) {
        if (remainder & (int32_t)(1UL << (24 + k))) {
            result = arm_nn_doubling_high_mult(result, exp_of_minus_pot[k]);
        }
    }
    return a == 0 ? INT32_MAX : result;
}

/* 1 / (1 + a) for a in [0, 1), Q0.31: three Newton-Raphson steps in Q2.29. */
static int32_t one_over_one_plus_x(int32_t a)
{
    const int32_t one_q2 = 1 << 29;
    const int64_t sum = (int64_t)a + INT32_MAX;
    const int32_t half_denominator = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
    const int32_t constant_48_over_17 = 1515870810;      /* Q2.29 */
    const int32_t constant_neg_32_over_17 = -1010580540; /* Q2.29 */
    int32_t x = add_wrap(constant_48_over_17,
                         arm_nn_doubling_high_mult(half_denominator, constant_neg_32_over_17));
    int32_t i;
    for (i = 0; i < 3; i++) {
        const int32_t one_minus = sub_wrap(one_q2, arm_nn_doubling_high_mult(half_denominator, x));
        x = add_wrap(x, saturating_shift_left(arm_nn_doubling_high_mult(x, one_minus), 2));
    }
    return saturating_shift_left(x, 1);
}

static int32_t count_leading_zeros(uint32_t x)
{
    int32_t n = 0;
    if (x == 0) {
        return 32;
    }
    while (!(x & 0x80000000UL)) {
        x <<= 1;
        n++;
    }
    return n;
}

/* exp(diff * beta * input_scale) in Q0.31 for one element with diff >= diff_min. */
static int32_t exp_of_diff(int32_t diff, int32_t mult, int32_t shift)
{
    const int32_t scaled = arm_nn_doubling_high_mult((int32_t)((uint32_t)diff << shift), mult);
    return exp_on_negative_values_q5(scaled);
}

void arm_softmax_s8(const int8_t *input,
                    const int32_t num_rows,
                    const int32_t row_size,
                    const int32_t mult,
                    const int32_t shift,
                    const int32_t diff_min,
                    int8_t *output)
{
    int32_t row;
    for (row = 0; row < num_rows; row++) {
        const int8_t *in = input + (int64_t)row * row_size;
        int8_t *out = output + (int64_t)row * row_size;
        int32_t max = INT8_MIN;
        uint32_t sum = 0;
        int32_t c;
        int32_t headroom_plus_one;
        int32_t exponent;
        int32_t reciprocal;

        for (c = 0; c < row_size; c++) {
            max = MAX(max, (int32_t)in[c]);
        }
        for (c = 0; c < row_size; c++) {
            const int32_t diff = (int32_t)in[c] - max;
            if (diff >= diff_min) {
                sum += (uint32_t)arm_nn_divide_by_power_of_two(exp_of_diff(diff, mult, shift),
                                                               ACCUM_INTEGER_BITS);
            }
        }

        /* 1 / sum: normalise sum to [1, 2), then 1 / (1 + fraction). */
        headroom_plus_one = count_leading_zeros(sum);
        exponent = ACCUM_INTEGER_BITS - headroom_plus_one + 31 - 8;
        if (exponent > 31) {
            for (c = 0; c < row_size; c++) {
                out[c] = INT8_MIN;
            }
            continue;
        }
        reciprocal =
            one_over_one_plus_x((int32_t)((sum << MIN(headroom_plus_one, 31)) - 0x80000000UL));

        for (c = 0; c < row_size; c++) {
            const int32_t diff = (int32_t)in[c] - max;
            int32_t res = INT8_MIN;
            if (diff >= diff_min) {
                const int32_t scaled =
                    arm_nn_doubling_high_mult(reciprocal, exp_of_diff(diff, mult, shift));
                res = arm_nn_divide_by_power_of_two(scaled, exponent) + INT8_MIN;
                res = CLAMP(res, INT8_MAX, INT8_MIN);
            }
            out[c] = (int8_t)res;
        }
    }
}
