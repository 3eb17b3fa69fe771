/*
 * mcutool portable runtime: arm_convolve_1_x_n_s8, int8 CONV_2D of a one-row input (H = 1) with
 * a 1 x N filter, bit-exact with TFLite-Micro's reference ConvPerChannel.
 *
 * Layouts, ranges and scratch as arm_convolve_s8, which does the work: ctx->buf must hold
 * arm_convolve_1_x_n_s8_get_buffer_size() bytes, 4-byte aligned.
 * Returns ARM_CMSIS_NN_ARG_ERROR, as CMSIS-NN does, when input_dims->h is not 1, dilation.w is
 * not 1, ctx->buf is NULL, stride.w is 0, or stride.w * C_IN is not a multiple of 4 (the
 * conditions of CMSIS-NN's own kernel, kept so that code checked against either library
 * behaves alike).
 */
#include <stddef.h>

#include "arm_nnfunctions.h"

arm_cmsis_nn_status arm_convolve_1_x_n_s8(const cmsis_nn_context *ctx,
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
    if (input_dims->h != 1 || conv_params->dilation.w != 1 || ctx->buf == NULL ||
        conv_params->stride.w == 0 || (conv_params->stride.w * input_dims->c) % 4 != 0) {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    return arm_convolve_s8(ctx, conv_params, quant_params, input_dims, input_data, filter_dims,
                           filter_data, bias_dims, bias_data, NULL, output_dims, output_data);
}
