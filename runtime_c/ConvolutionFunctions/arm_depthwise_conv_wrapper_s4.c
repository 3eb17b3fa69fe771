/*
 * mcutool portable runtime: arm_depthwise_conv_wrapper_s4, the DEPTHWISE_CONV_2D entry point for
 * int4 weights. One kernel covers every shape here, so the wrapper forwards to
 * arm_depthwise_conv_s4(), which needs no scratch.
 */
#include "arm_nnfunctions.h"

arm_cmsis_nn_status
arm_depthwise_conv_wrapper_s4(const cmsis_nn_context *ctx,
                              const cmsis_nn_dw_conv_params *dw_conv_params,
                              const cmsis_nn_per_channel_quant_params *quant_params,
                              const cmsis_nn_dims *input_dims,
                              const int8_t *input_data,
                              const cmsis_nn_dims *filter_dims,
                              const int8_t *filter_data,
                              const cmsis_nn_dims *bias_dims,
                              const int32_t *bias_data,
                              const cmsis_nn_dims *output_dims,
                              int8_t *output_data)
{
    return arm_depthwise_conv_s4(ctx, dw_conv_params, quant_params, input_dims, input_data,
                                 filter_dims, filter_data, bias_dims, bias_data, output_dims,
                                 output_data);
}
