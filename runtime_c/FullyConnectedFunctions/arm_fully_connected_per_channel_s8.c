/*
 * mcutool portable runtime: arm_fully_connected_per_channel_s8, int8 FULLY_CONNECTED with one
 * multiplier and shift per output channel (TensorFlow's converter quantizes Dense weights per
 * channel), bit-exact with TFLite-Micro's reference FullyConnectedPerChannel.
 *
 * Dims, layouts and ranges as arm_fully_connected_s8; quant_params->multiplier and ->shift hold
 * output depth entries. No scratch is used (size it with arm_fully_connected_s8_get_buffer_size,
 * as TFLite-Micro's glue does).
 */
#include "Internal/mcu_nn_mat_mult.h"
#include "arm_nnfunctions.h"
#include "arm_nnsupportfunctions.h"

arm_cmsis_nn_status
arm_fully_connected_per_channel_s8(const cmsis_nn_context *ctx,
                                   const cmsis_nn_fc_params *fc_params,
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
    (void)ctx;
    (void)bias_dims;
    const int32_t accum_depth = filter_dims->n;
    const int32_t output_depth = output_dims->c;
    if (fc_params->filter_offset != 0) {
        for (int32_t b = 0; b < input_dims->n; b++) {
            mcu_nn_vec_mat_mult_t_offset_s8(input_data, filter_data, bias_data, output_data,
                                            fc_params->input_offset, fc_params->filter_offset,
                                            fc_params->output_offset, quant_params->multiplier,
                                            quant_params->shift, 1, accum_depth, output_depth,
                                            fc_params->activation.min, fc_params->activation.max);
            input_data += accum_depth;
            output_data += output_depth;
        }
        return ARM_CMSIS_NN_SUCCESS;
    }
    for (int32_t b = 0; b < input_dims->n; b++) {
        mcu_nn_vec_mat_mult_t_s8(
            input_data, filter_data, bias_data, output_data, fc_params->input_offset,
            fc_params->output_offset, quant_params->multiplier, quant_params->shift, 1, accum_depth,
            output_depth, fc_params->activation.min, fc_params->activation.max);
        input_data += accum_depth;
        output_data += output_depth;
    }
    return ARM_CMSIS_NN_SUCCESS;
}
