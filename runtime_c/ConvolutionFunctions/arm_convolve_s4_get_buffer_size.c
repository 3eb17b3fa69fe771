/*
 * mcutool portable runtime: arm_convolve_s4_get_buffer_size, the scratch bytes arm_convolve_s4()
 * needs: two int8 im2col columns, rounded up to a word. (ARM's CMSIS-NN asks for more; a caller
 * that may link either library reserves the larger, as mcutool's generated code does.)
 */
#include "arm_nnfunctions.h"

int32_t arm_convolve_s4_get_buffer_size(const cmsis_nn_dims *input_dims,
                                        const cmsis_nn_dims *filter_dims)
{
    return (2 * filter_dims->h * filter_dims->w * input_dims->c + 3) & ~3;
}
