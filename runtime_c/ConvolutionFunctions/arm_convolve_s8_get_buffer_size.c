/*
 * mcutool runtime: arm_convolve_s8_get_buffer_size, the scratch arm_convolve_s8 needs:
 * four im2col columns of int16, each HK * WK * C_IN elements rounded up to a multiple of 4
 * (twice the two columns CMSIS-NN's non-Helium arm_convolve_s8 asks for: four pixels per pass
 * let each unpacked filter word be used four times), plus, when C_IN or the filter depth C_F is
 * not a multiple of 4, one column of int8 where a patch is gathered before it is widened. A
 * grouped convolution's columns (HK * WK * C_F) are shorter, so the size covers them too, as
 * CMSIS-NN's does. The Helium (MVE) path keeps its four columns as int8 in the first quarter of
 * that, so one size suits every core (the lowering does not know the CPU).
 * input_dims->c, filter_dims->c, ->h, ->w >= 1.
 */
#include "arm_nnfunctions.h"

int32_t arm_convolve_s8_get_buffer_size(const cmsis_nn_dims *input_dims,
                                        const cmsis_nn_dims *filter_dims)
{
    const int32_t col_len = filter_dims->h * filter_dims->w * input_dims->c;
    const int32_t col_pitch = (col_len + 3) & ~3;
    const int32_t stage = ((input_dims->c | filter_dims->c) & 3) != 0 ? col_pitch : 0;
    return 4 * col_pitch * (int32_t)sizeof(int16_t) + stage;
}
