/*
 * mcutool portable runtime: arm_convolve_s8_get_buffer_size, the scratch arm_convolve_s8 needs:
 * two im2col columns of int16, each HK * WK * C_IN elements rounded up to a multiple of 4
 * (the same size CMSIS-NN's non-Helium arm_convolve_s8 asks for, so either library fits it).
 * input_dims->c and filter_dims->h, ->w >= 1.
 */
#include "arm_nnfunctions.h"

int32_t arm_convolve_s8_get_buffer_size(const cmsis_nn_dims *input_dims, const cmsis_nn_dims *filter_dims)
{
    const int32_t col_len = filter_dims->h * filter_dims->w * input_dims->c;
    const int32_t col_pitch = (col_len + 3) & ~3;
    return 2 * col_pitch * (int32_t)sizeof(int16_t);
}
