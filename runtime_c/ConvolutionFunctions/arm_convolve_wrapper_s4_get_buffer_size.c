/*
 * mcutool portable runtime: arm_convolve_wrapper_s4_get_buffer_size, the scratch bytes
 * arm_convolve_wrapper_s4() needs: the wrapper always runs arm_convolve_s4().
 */
#include "arm_nnfunctions.h"

int32_t arm_convolve_wrapper_s4_get_buffer_size(const cmsis_nn_conv_params *conv_params,
                                                const cmsis_nn_dims *input_dims,
                                                const cmsis_nn_dims *filter_dims,
                                                const cmsis_nn_dims *output_dims)
{
    (void)conv_params;
    (void)output_dims;
    return arm_convolve_s4_get_buffer_size(input_dims, filter_dims);
}
