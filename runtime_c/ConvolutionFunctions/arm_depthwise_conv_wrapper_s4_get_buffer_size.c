/*
 * mcutool portable runtime: arm_depthwise_conv_wrapper_s4_get_buffer_size. This runtime's s4
 * depthwise kernel needs no scratch. (ARM's CMSIS-NN asks for some; mcutool's generated code
 * reserves CMSIS-NN's size so that either library can be linked.)
 */
#include "arm_nnfunctions.h"

int32_t arm_depthwise_conv_wrapper_s4_get_buffer_size(const cmsis_nn_dw_conv_params *dw_conv_params,
                                                      const cmsis_nn_dims *input_dims,
                                                      const cmsis_nn_dims *filter_dims,
                                                      const cmsis_nn_dims *output_dims)
{
    (void)dw_conv_params;
    (void)input_dims;
    (void)filter_dims;
    (void)output_dims;
    return 0;
}
