/*
 * mcutool portable runtime: arm_fully_connected_s4, TFLite FULLY_CONNECTED with int8 activations
 * and per-tensor int4 weights, bit-exact with TFLite-Micro (which refuses per-channel INT4 FC
 * weights).
 *
 * Layouts: input [batches, depth] (input_dims->n batches), filter [units, depth] packed two
 * weights per byte (element 0 in the low nibble; with an odd depth, rows start mid-byte)
 * described as filter_dims {n = depth, c = units}, bias [units] (int32, may be NULL), output
 * [batches, units]. fc_params->filter_offset must be 0. No scratch (ctx is not read), as in
 * CMSIS-NN. Each output is one mcu_nn_dot_s4 (scalar, DSP or Helium path).
 */
#include <stdint.h>

#include "arm_nnfunctions.h"
#include "arm_nnsupportfunctions.h"
#include "Internal/mcu_nn_s4.h"

arm_cmsis_nn_status arm_fully_connected_s4(const cmsis_nn_context *ctx,
                                           const cmsis_nn_fc_params *fc_params,
                                           const cmsis_nn_per_tensor_quant_params *quant_params,
                                           const cmsis_nn_dims *input_dims,
                                           const int8_t *input_data,
                                           const cmsis_nn_dims *filter_dims,
                                           const int8_t *packed_filter,
                                           const cmsis_nn_dims *bias_dims,
                                           const int32_t *bias_data,
                                           const cmsis_nn_dims *output_dims,
                                           int8_t *output_data)
{
    (void)ctx;
    (void)bias_dims;
    if (fc_params->filter_offset != 0) {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const int32_t depth = filter_dims->n, units = output_dims->c;
    const int32_t lo = fc_params->activation.min, hi = fc_params->activation.max;
    for (int32_t b = 0; b < input_dims->n; b++) {
        for (int32_t u = 0; u < units; u++) {
            const int32_t acc =
                mcu_nn_dot_s4(packed_filter, u * depth, input_data, depth, fc_params->input_offset);
            *output_data++ =
                mcu_nn_s4_out(acc, bias_data != NULL ? bias_data[u] : 0, quant_params->multiplier,
                              quant_params->shift, fc_params->output_offset, lo, hi);
        }
        input_data += depth;
    }
    return ARM_CMSIS_NN_SUCCESS;
}
