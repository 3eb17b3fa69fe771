/*
 * mcutool portable runtime: arm_convolve_wrapper_s8, the CONV_2D entry point. CMSIS-NN's wrapper
 * picks a specialised kernel; this runtime has one im2col kernel that covers every shape
 * (1x1, 1xN, strides, dilation, padding), so the wrapper forwards to arm_convolve_s8().
 * Arguments and ranges: see arm_convolve_s8.c. ctx->buf must hold
 * arm_convolve_wrapper_s8_get_buffer_size() bytes.
 */
#include <string.h>

#include "arm_nnfunctions.h"

arm_cmsis_nn_status arm_convolve_wrapper_s8(const cmsis_nn_context *ctx,
                                            const cmsis_nn_conv_params *conv_params,
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
    return arm_convolve_s8(ctx, conv_params, quant_params, input_dims, input_data, filter_dims,
                           filter_data, bias_dims, bias_data, NULL, output_dims, output_data);
}
