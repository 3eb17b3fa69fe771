/*
 * mcutool portable runtime: arm_depthwise_conv_wrapper_s8_get_buffer_size_mve, the scratch
 * arm_depthwise_conv_wrapper_s8() needs when built for a core with Helium (MVE, Cortex-M55), for
 * sizing on another machine. This runtime's depthwise convolution asks for one size that suits
 * every core, so it is arm_depthwise_conv_wrapper_s8_get_buffer_size().
 */
#include "arm_nnfunctions.h"

int32_t
arm_depthwise_conv_wrapper_s8_get_buffer_size_mve(const cmsis_nn_dw_conv_params *dw_conv_params,
                                                  const cmsis_nn_dims *input_dims,
                                                  const cmsis_nn_dims *filter_dims,
                                                  const cmsis_nn_dims *output_dims)
{
    return arm_depthwise_conv_wrapper_s8_get_buffer_size(dw_conv_params, input_dims, filter_dims,
                                                         output_dims);
}
