/*
 * mcutool portable runtime: arm_vector_sum_s8, the per-row constant term of a matrix product
 * with offsets, computed once ahead of the multiplies (CMSIS-NN's Helium kernels read it from
 * their scratch buffer; this runtime's kernels add the offsets themselves and do not need it).
 *
 * For each of the vector_rows rows r of vector_data ([vector_rows][vector_cols] int8):
 *   vector_sum_buf[r] = bias[r] + lhs_offset * (sum_k vector_data[r][k] + vector_cols * rhs_offset)
 * where bias[r] is 0 when bias_data is NULL. The sums wrap in int32 as in CMSIS-NN.
 * vector_sum_buf holds vector_rows int32 values. Always returns ARM_CMSIS_NN_SUCCESS.
 */
#include <stddef.h>

#include "arm_nnfunctions.h"

arm_cmsis_nn_status arm_vector_sum_s8(int32_t *vector_sum_buf,
                                      const int32_t vector_cols,
                                      const int32_t vector_rows,
                                      const int8_t *vector_data,
                                      const int32_t lhs_offset,
                                      const int32_t rhs_offset,
                                      const int32_t *bias_data)
{
    for (int32_t r = 0; r < vector_rows; r++) {
        const int8_t *row = vector_data + (size_t)r * vector_cols;
        uint32_t sum = 0;
        for (int32_t k = 0; k < vector_cols; k++) {
            sum += (uint32_t)(int32_t)row[k];
        }
        sum += (uint32_t)vector_cols * (uint32_t)rhs_offset;
        const uint32_t bias = bias_data != NULL ? (uint32_t)bias_data[r] : 0u;
        vector_sum_buf[r] = (int32_t)(bias + sum * (uint32_t)lhs_offset);
    }
    return ARM_CMSIS_NN_SUCCESS;
}
