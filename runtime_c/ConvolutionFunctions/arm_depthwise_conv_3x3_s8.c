/*
 * mcutool portable runtime: arm_depthwise_conv_3x3_s8, int8 DEPTHWISE_CONV_2D with a 3x3 filter
 * and a depth multiplier of 1, bit-exact with TFLite-Micro's reference DepthwiseConvPerChannel.
 *
 * Layouts: input [N, H, W, C], filter [1, 3, 3, C], bias [C] (int32, may be NULL), output
 * [N, H_OUT, W_OUT, C]. Ranges as arm_depthwise_conv_s8, which does the work (its packed path
 * uses ctx->buf when it holds arm_depthwise_conv_s8_opt_get_buffer_size() bytes; ctx->buf may
 * be NULL). Like CMSIS-NN it reads neither filter_dims->c nor dw_conv_params->ch_mult: the
 * channel count is output_dims->c.
 * Returns ARM_CMSIS_NN_ARG_ERROR, as CMSIS-NN does, when input_dims->c differs from
 * output_dims->c, padding.w is above 1, or the filter is not 3x3.
 */
#include <stddef.h>

#include "arm_nnfunctions.h"

arm_cmsis_nn_status arm_depthwise_conv_3x3_s8(const cmsis_nn_context *ctx,
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
    if (input_dims->c != output_dims->c) {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    if (dw_conv_params->padding.w > 1 || filter_dims->w != 3 || filter_dims->h != 3) {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    /* The general kernel checks the depth multiplier and filter channels, which callers of this
     * entry point need not set. */
    cmsis_nn_dw_conv_params params = *dw_conv_params;
    params.ch_mult = 1;
    cmsis_nn_dims filter = *filter_dims;
    filter.n = 1;
    filter.c = output_dims->c;
    return arm_depthwise_conv_s8(ctx, &params, quant_params, input_dims, input_data, &filter,
                                 filter_data, bias_dims, bias_data, output_dims, output_data);
}
