/*
 * mcutool portable runtime: arm_depthwise_conv_wrapper_s8_get_buffer_size. This runtime's
 * depthwise kernel works in place without scratch, so the answer is always 0 bytes.
 * (ARM's CMSIS-NN asks for C_IN * HK * WK * 2 bytes on DSP targets when ch_mult is 1, batch is 1,
 * dilation is 1 and the filter is not a 3x3 with padding <= 1.)
 */
#include "arm_nnfunctions.h"

int32_t arm_depthwise_conv_wrapper_s8_get_buffer_size(const cmsis_nn_dw_conv_params *dw_conv_params,
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
