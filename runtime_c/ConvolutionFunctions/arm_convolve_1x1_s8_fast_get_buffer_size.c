/*
 * mcutool portable runtime: arm_convolve_1x1_s8_fast_get_buffer_size. This runtime's 1x1
 * convolution multiplies the input in place and needs no scratch on any core: 0 bytes.
 */
#include "arm_nnfunctions.h"

int32_t arm_convolve_1x1_s8_fast_get_buffer_size(const cmsis_nn_dims *input_dims)
{
    (void)input_dims;
    return 0;
}
