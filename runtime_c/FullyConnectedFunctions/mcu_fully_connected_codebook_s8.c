/*
 * mcutool portable runtime: mcu_fully_connected_codebook_s8, TFLite FULLY_CONNECTED with int8
 * activations and codebook weights (packed indices into an int8 table), bit-exact with
 * TFLite-Micro on the decoded int8 weights. Arguments as arm_fully_connected_per_channel_s8's
 * (a per-tensor scale comes as the same multiplier per unit), the filter [units, depth] given
 * as (indices, table, bits per index), filter_dims {n = depth, c = units}.
 *
 * One unit at a time: its row of depth weights is decoded into the scratch (ctx->size at least
 * depth), then its output for every batch row is computed.
 */
#include <stddef.h>
#include <stdint.h>

#include "arm_nnfunctions.h"
#include "arm_nnsupportfunctions.h"
#include "mcu_nnfunctions.h"
#include "Internal/mcu_nn_codebook.h"

arm_cmsis_nn_status
mcu_fully_connected_codebook_s8(const cmsis_nn_context *ctx,
                                const cmsis_nn_fc_params *fc_params,
                                const cmsis_nn_per_channel_quant_params *quant_params,
                                const cmsis_nn_dims *input_dims,
                                const int8_t *input_data,
                                const cmsis_nn_dims *filter_dims,
                                const uint8_t *filter_indices,
                                const int8_t *filter_table,
                                const int32_t index_bits,
                                const cmsis_nn_dims *bias_dims,
                                const int32_t *bias_data,
                                const cmsis_nn_dims *output_dims,
                                int8_t *output_data)
{
    (void)bias_dims;
    const int32_t depth = filter_dims->n, units = output_dims->c, batches = input_dims->n;
    if (fc_params->filter_offset != 0 || ctx == NULL || ctx->buf == NULL || ctx->size < depth) {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const int32_t in_offset = fc_params->input_offset;
    const int32_t lo = fc_params->activation.min, hi = fc_params->activation.max;
    int8_t *w = (int8_t *)ctx->buf;
    for (int32_t u = 0; u < units; u++) {
        mcu_nn_codebook_decode(filter_indices, index_bits, filter_table, u * depth, 1, depth, w);
        const int32_t bias = bias_data != NULL ? bias_data[u] : 0;
        for (int32_t b = 0; b < batches; b++) {
            const uint32_t acc = mcu_nn_codebook_dot(input_data + b * depth, w, depth, in_offset);
            output_data[b * units + u] =
                mcu_nn_codebook_out(acc, bias, quant_params->multiplier[u], quant_params->shift[u],
                                    fc_params->output_offset, lo, hi);
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
