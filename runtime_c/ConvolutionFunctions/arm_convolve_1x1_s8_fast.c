/*
 * mcutool portable runtime: arm_convolve_1x1_s8_fast, int8 CONV_2D with a 1x1 filter, stride 1
 * and no padding (the case where every input pixel is one fully connected row), bit-exact with
 * TFLite-Micro's reference ConvPerChannel.
 *
 * Arguments, layouts and ranges as arm_convolve_1x1_s8, which does the work. No scratch is
 * used (arm_convolve_1x1_s8_fast_get_buffer_size() is 0); ctx may be NULL.
 * Returns ARM_CMSIS_NN_ARG_ERROR when padding is not 0 or a stride is not 1 (CMSIS-NN's
 * conditions).
 */
#include "arm_nnfunctions.h"

arm_cmsis_nn_status arm_convolve_1x1_s8_fast(const cmsis_nn_context *ctx,
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
    if (conv_params->padding.w != 0 || conv_params->padding.h != 0 || conv_params->stride.w != 1 ||
        conv_params->stride.h != 1) {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    return arm_convolve_1x1_s8(ctx, conv_params, quant_params, input_dims, input_data, filter_dims,
                               filter_data, bias_dims, bias_data, output_dims, output_data);
}
