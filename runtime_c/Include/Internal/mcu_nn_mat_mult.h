/*
 * mcutool runtime, private: the matrix-multiply cores that the convolution drivers share, and
 * the layout of the int16 im2col columns that the driver fills and the s8 x s16 core reads.
 *
 * A "column" is one output pixel's patch (HK * WK * C taps, C the filter depth). The rows of
 * the other operand are the filter's output channels, each col_len int8 taps long. Both cores
 * add the bias, requantize per output channel and clamp, writing out_c channels per pixel,
 * pixels out_stride elements apart (out_stride > out_c for a group of a grouped convolution).
 */
#ifndef MCU_NN_MAT_MULT_H
#define MCU_NN_MAT_MULT_H

#include <stdint.h>

#include "Internal/mcu_nn_dsp.h"

/* Columns per im2col pass: the s8 x s16 core uses each unpacked filter word on four pixels. */
#define MCU_NN_COLUMNS 4

typedef struct {
    const int8_t *filter; /* [out_c][col_len] */
    const int32_t *bias;  /* [out_c] or NULL */
    const int32_t *mult;  /* [out_c] */
    const int32_t *shift; /* [out_c] */
    int32_t col_len;
    int32_t col_pitch; /* round_up(col_len, 4): int16 slots per column in the plain layout */
    int32_t out_c;
    int32_t out_stride;
    int32_t out_offset;
    int32_t act_min;
    int32_t act_max;
} mcu_nn_gemm_args;

/*
 * int16 column layout. With the DSP extension (packed): taps are grouped by four; group g of
 * the four columns takes 16 int16 slots, [col 0: k, k+2, k+1, k+3][col 1: ...][col 2: ...]
 * [col 3: ...] for k = 4g. The 0, 2, 1, 3 order is the one SXTB16 unpacks a filter word in, so
 * no repacking is needed, and interleaving the columns lets one pointer walk all four.
 * Without it (plain): column j is col_pitch slots after column j - 1, taps in order.
 */
#if MCU_NN_DSP
#define MCU_NN_COL_GROUP_SLOTS 16 /* int16 slots of a group of four taps, all four columns */

/* Slot of tap k of column 0. */
static inline int32_t mcu_nn_col_slot(int32_t k)
{
    return ((k & ~3) << 2) | ((k & 1) << 1) | ((k >> 1) & 1);
}

/* Slots from column j to column j + 1. */
static inline int32_t mcu_nn_col_step(int32_t pitch)
{
    (void)pitch;
    return 4;
}
#else
static inline int32_t mcu_nn_col_slot(int32_t k)
{
    return k;
}

static inline int32_t mcu_nn_col_step(int32_t pitch)
{
    return pitch;
}
#endif

/* All output channels of the first `pixels` (1 to MCU_NN_COLUMNS) int16 columns, which hold
 * the input plus its offset (padding taps 0). In the packed layout the slots past col_len in
 * the last group must be zero. NNSupportFunctions/mcu_nn_mat_mult_kernel_s8_s16.c */
void mcu_nn_mat_mult_kernel_s8_s16(const mcu_nn_gemm_args *g,
                                   const int16_t *cols,
                                   int32_t pixels,
                                   int8_t *out);

/* All output channels of lhs_rows int8 rows (pixels) of col_len taps, lhs_pitch bytes apart,
 * each tap offset by lhs_offset (padding taps hold -lhs_offset): the Helium core of the
 * convolutions, also usable without im2col (a 1x1 convolution's input rows).
 * NNSupportFunctions/mcu_nn_mat_mult_nt_t_s8.c */
void mcu_nn_mat_mult_nt_t_s8(const mcu_nn_gemm_args *g,
                             const int8_t *lhs,
                             int32_t lhs_rows,
                             int32_t lhs_pitch,
                             int32_t lhs_offset,
                             int8_t *out);

/* mcu_nn_vec_mat_mult_t_s8 with a filter zero point as well: dst[r] = requantized (bias[r] +
 * sum_k (lhs[k] + lhs_offset) * (rhs[r][k] + rhs_offset)). TFLite-Micro and CMSIS-NN accept
 * such weights in fully connected layers; TFLite's converters never make them, so this plain
 * loop serves the rare case and the fast paths stay free of the extra term.
 * NNSupportFunctions/mcu_nn_vec_mat_mult_t_offset_s8.c */
void mcu_nn_vec_mat_mult_t_offset_s8(const int8_t *lhs,
                                     const int8_t *rhs,
                                     const int32_t *bias,
                                     int8_t *dst,
                                     const int32_t lhs_offset,
                                     const int32_t rhs_offset,
                                     const int32_t dst_offset,
                                     const int32_t *multiplier,
                                     const int32_t *shift,
                                     const int32_t quant_stride,
                                     const int32_t rhs_cols,
                                     const int32_t rhs_rows,
                                     const int32_t activation_min,
                                     const int32_t activation_max);

#endif
