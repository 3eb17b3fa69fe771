/*
 * mcutool portable runtime: arm_convolve_wrapper_s8_get_buffer_size, the scratch bytes
 * arm_convolve_wrapper_s8() needs. The wrapper always runs arm_convolve_s8(), so this is
 * arm_convolve_s8_get_buffer_size(); conv_params and output_dims do not change it.
 */
#include "arm_nnfunctions.h"

int32_t arm_convolve_wrapper_s8_get_buffer_size(const cmsis_nn_conv_params *conv_params,
                                                const cmsis_nn_dims *input_dims,
                                                const cmsis_nn_dims *filter_dims,
                                                const cmsis_nn_dims *output_dims)
{
    (void)conv_params;
    (void)output_dims;
    return arm_convolve_s8_get_buffer_size(input_dims, filter_dims);
}
