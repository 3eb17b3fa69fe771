/*
 * mcutool portable runtime: arm_fully_connected_s16, 16x8 FULLY_CONNECTED (int16 input and
 * output, zero points 0; int8 weights with one multiplier; int64 bias or NULL), bit-exact with
 * TFLite-Micro's reference FullyConnected for int16: an exact int64 sum, the bias, then
 * MultiplyByQuantizedMultiplier for int64 and the clamp.
 *
 * Dims as arm_fully_connected_s8: input_dims->n = batches, filter_dims->n = accumulation
 * depth, output_dims->c = output depth; the offsets in fc_params are not used (all zero).
 * No scratch is used.
 */
#include "Internal/mcu_nn_s16.h"
#include "arm_nnfunctions.h"

arm_cmsis_nn_status arm_fully_connected_s16(const cmsis_nn_context *ctx,
                                            const cmsis_nn_fc_params *fc_params,
                                            const cmsis_nn_per_tensor_quant_params *quant_params,
                                            const cmsis_nn_dims *input_dims,
                                            const int16_t *input_data,
                                            const cmsis_nn_dims *filter_dims,
                                            const int8_t *filter_data,
                                            const cmsis_nn_dims *bias_dims,
                                            const int64_t *bias_data,
                                            const cmsis_nn_dims *output_dims,
                                            int16_t *output_data)
{
    (void)ctx;
    (void)bias_dims;
    const int32_t depth = filter_dims->n;
    const int32_t units = output_dims->c;
    for (int32_t b = 0; b < input_dims->n; b++) {
        mcu_nn_fc_row_s16(input_data + (int64_t)b * depth, filter_data, bias_data,
                          output_data + (int64_t)b * units, depth, units, &quant_params->multiplier,
                          &quant_params->shift, 0, fc_params->activation.min,
                          fc_params->activation.max);
    }
    return ARM_CMSIS_NN_SUCCESS;
}
