/*
 * mcutool runtime: mcu_nn_vec_mat_mult_t_offset_s8, one fully connected row block with both an
 * input and a filter offset, bit-exact with TFLite-Micro's reference FullyConnected (the sum of
 * (input + input offset) * (filter + filter offset), plus the bias, requantized with the row's
 * multiplier and shift, plus the output offset, clamped).
 * Ranges: offsets in [-128, 128] (lhs, rhs) and [-128, 127] (dst); rhs_cols * 256 * 256 plus
 * the bias fits int32 (the model check guarantees it for the layers mcutool generates).
 */
#include "Internal/mcu_nn_mat_mult.h"
#include "arm_nnsupportfunctions.h"

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
                                     const int32_t activation_max)
{
    for (int32_t r = 0; r < rhs_rows; r++) {
        const int8_t *row = rhs + (size_t)r * rhs_cols;
        int32_t acc = bias != NULL ? bias[r] : 0;
        for (int32_t k = 0; k < rhs_cols; k++) {
            acc += (lhs[k] + lhs_offset) * (row[k] + rhs_offset);
        }
        acc = arm_nn_requantize(acc, multiplier[r * quant_stride], shift[r * quant_stride]);
        acc += dst_offset;
        dst[r] = (int8_t)MIN(MAX(acc, activation_min), activation_max);
    }
}
