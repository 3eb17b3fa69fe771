/*
 * mcutool portable runtime: the integer helpers every kernel shares (CMSIS-NN names).
 * Requantization is TFLite's default "double rounding": a saturating rounding doubling high
 * multiply, then a rounding divide by a power of two, both rounding halves away from zero.
 */
#ifndef ARM_NNSUPPORTFUNCTIONS_H
#define ARM_NNSUPPORTFUNCTIONS_H

#include <limits.h>
#include <stdint.h>

#include "arm_nn_types.h"

#define MAX(A, B)          ((A) > (B) ? (A) : (B))
#define MIN(A, B)          ((A) < (B) ? (A) : (B))
#define CLAMP(x, h, l)     MAX(MIN((x), (h)), (l))
#define LEFT_SHIFT(shift)  ((shift) > 0 ? (shift) : 0)
#define RIGHT_SHIFT(shift) ((shift) > 0 ? 0 : -(shift))

/* (m1 * m2 * 2) >> 32, rounded half up: gemmlowp's SaturatingRoundingDoublingHighMul without
 * the saturation, which only INT32_MIN * INT32_MIN needs. Its nudge of 1 - 2^30 for negative
 * products followed by division (rounding toward zero) gives exactly floor((p + 2^30) / 2^31),
 * so one arithmetic shift does it (Tests/test_requantize.c checks the two against each other). */
static inline int32_t arm_nn_doubling_high_mult_no_sat(const int32_t m1, const int32_t m2)
{
    const int64_t product = (int64_t)m1 * m2;
    return (int32_t)((product + (1LL << 30)) >> 31);
}

/* gemmlowp SaturatingRoundingDoublingHighMul, for multipliers of either sign. */
static inline int32_t arm_nn_doubling_high_mult(const int32_t m1, const int32_t m2)
{
    if (m1 == INT32_MIN && m2 == INT32_MIN) {
        return INT32_MAX;
    }
    return arm_nn_doubling_high_mult_no_sat(m1, m2);
}

/* dividend / 2^exponent, rounded half away from zero; 0 <= exponent <= 31. */
static inline int32_t arm_nn_divide_by_power_of_two(const int32_t dividend, const int32_t exponent)
{
    const int32_t mask = (int32_t)((1LL << exponent) - 1);
    const int32_t remainder = dividend & mask;
    const int32_t threshold = (mask >> 1) + (dividend < 0 ? 1 : 0);
    /* >> on a negative int is an arithmetic shift on every compiler we target. */
    return (dividend >> exponent) + (remainder > threshold ? 1 : 0);
}

/* x / 2^exponent rounded half away from zero, for 1 <= exponent <= 31 and x > INT32_MIN: the
 * same as arm_nn_divide_by_power_of_two() on that range, in four cheap instructions. Subtract 1
 * from a negative x, shift right by exponent - 1, add 1, shift right by 1. */
static inline int32_t mcu_nn_round_shift_right(const int32_t x, const int32_t exponent)
{
    const int32_t biased = (int32_t)((uint32_t)x + (uint32_t)(x >> 31));
    return (int32_t)((uint32_t)(biased >> (exponent - 1)) + 1u) >> 1;
}

/* TFLite's MultiplyByQuantizedMultiplier: val * multiplier * 2^(shift - 31), for
 * multiplier >= 0 (QuantizeMultiplier never makes a negative one), shift in [-31, 31]. Such a
 * multiplier keeps the high product above INT32_MIN, as mcu_nn_round_shift_right() needs. */
static inline int32_t
arm_nn_requantize(const int32_t val, const int32_t multiplier, const int32_t shift)
{
    if (shift < 0) {
        return mcu_nn_round_shift_right(arm_nn_doubling_high_mult_no_sat(val, multiplier), -shift);
    }
    /* Left shift in unsigned arithmetic: wraps like TFLite's int32 multiply instead of being
     * undefined behaviour. */
    return arm_nn_doubling_high_mult_no_sat((int32_t)((uint32_t)val << shift), multiplier);
}

/* One fully connected row block: dst[r] = requantized (bias[r] + sum_k (lhs[k] + lhs_offset) *
 * rhs[r][k]) for r < rhs_rows, with multiplier/shift index r * quant_stride (0: per tensor,
 * 1: per channel). bias may be NULL. NNSupportFunctions/mcu_nn_vec_mat_mult_t_s8.c */
void mcu_nn_vec_mat_mult_t_s8(const int8_t *lhs,
                              const int8_t *rhs,
                              const int32_t *bias,
                              int8_t *dst,
                              const int32_t lhs_offset,
                              const int32_t dst_offset,
                              const int32_t *multiplier,
                              const int32_t *shift,
                              const int32_t quant_stride,
                              const int32_t rhs_cols,
                              const int32_t rhs_rows,
                              const int32_t activation_min,
                              const int32_t activation_max);

/* int8 ADD (input_2_sign 1) or SUB (-1) with broadcasting; see its source file. */
void mcu_nn_broadcast_add_sub_s8(const cmsis_nn_dims *input_1_dims,
                                 const int8_t *input_1_data,
                                 const cmsis_nn_dims *input_2_dims,
                                 const int8_t *input_2_data,
                                 const int32_t input_1_offset,
                                 const int32_t input_1_mult,
                                 const int32_t input_1_shift,
                                 const int32_t input_2_offset,
                                 const int32_t input_2_mult,
                                 const int32_t input_2_shift,
                                 const int32_t left_shift,
                                 const cmsis_nn_dims *output_dims,
                                 int8_t *output_data,
                                 const int32_t out_offset,
                                 const int32_t out_mult,
                                 const int32_t out_shift,
                                 const int32_t out_activation_min,
                                 const int32_t out_activation_max,
                                 const int32_t input_2_sign);

/* The same for 16x8 int16 tensors (left_shift 15). NNSupportFunctions/mcu_nn_broadcast_add_sub_s16.c */
void mcu_nn_broadcast_add_sub_s16(const cmsis_nn_dims *input_1_dims,
                                  const int16_t *input_1_data,
                                  const cmsis_nn_dims *input_2_dims,
                                  const int16_t *input_2_data,
                                  const int32_t input_1_offset,
                                  const int32_t input_1_mult,
                                  const int32_t input_1_shift,
                                  const int32_t input_2_offset,
                                  const int32_t input_2_mult,
                                  const int32_t input_2_shift,
                                  const int32_t left_shift,
                                  const cmsis_nn_dims *output_dims,
                                  int16_t *output_data,
                                  const int32_t out_offset,
                                  const int32_t out_mult,
                                  const int32_t out_shift,
                                  const int32_t out_activation_min,
                                  const int32_t out_activation_max,
                                  const int32_t input_2_sign);

#endif
