/*
 * mcutool portable runtime: arm_convolve_1_x_n_s8_get_buffer_size, the scratch
 * arm_convolve_1_x_n_s8() needs: that of arm_convolve_s8(), which does its work.
 */
#include "arm_nnfunctions.h"

int32_t arm_convolve_1_x_n_s8_get_buffer_size(const cmsis_nn_conv_params *conv_params,
                                              const cmsis_nn_dims *input_dims,
                                              const cmsis_nn_dims *filter_dims,
                                              const cmsis_nn_dims *output_dims)
{
    (void)conv_params;
    (void)output_dims;
    return arm_convolve_s8_get_buffer_size(input_dims, filter_dims);
}
