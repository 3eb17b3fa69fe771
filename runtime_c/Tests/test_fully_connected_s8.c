/* arm_fully_connected_per_channel_s8 against TFLite-Micro, and arm_fully_connected_s8 with
 * channel 0's multiplier against the same kernel (one multiplier for every channel); one case
 * has a weight zero point (filter_offset). */
#include <string.h>

#include "Internal/mcu_nn_dsp.h"
#include "arm_nnfunctions.h"
#include "golden_fc.h"
#include "mcu_test.h"

#define MAX_OUT 256

static int8_t out[MAX_OUT], per_channel[MAX_OUT];

static cmsis_nn_fc_params fc_params(const golden_case *g)
{
    cmsis_nn_fc_params p;
    p.input_offset = g->input_offset;
    p.filter_offset = g->filter_offset;
    p.output_offset = g->output_offset;
    p.activation.min = g->act_min;
    p.activation.max = g->act_max;
    return p;
}

int main(void)
{
    for (int i = 0; i < GOLDEN_FC_COUNT; i++) {
        const golden_case *g = golden_fc_cases[i];
        mcu_test_begin(g->name);
        const cmsis_nn_fc_params p = fc_params(g);
        const cmsis_nn_dims bias_dims = {1, 1, 1, g->output_dims.c};
        const cmsis_nn_context ctx = {NULL,
                                      arm_fully_connected_s8_get_buffer_size(&g->filter_dims)};
        MCU_TEST_INT(MCU_NN_MVE ? g->output_dims.c * 4 : 0, ctx.size); /* CMSIS-NN's sizes */
        const cmsis_nn_per_channel_quant_params q = {(int32_t *)g->multiplier, (int32_t *)g->shift};
        memset(out, 0x77, sizeof out);
        MCU_TEST_INT(ARM_CMSIS_NN_SUCCESS,
                     arm_fully_connected_per_channel_s8(&ctx, &p, &q, &g->input_dims, g->input,
                                                        &g->filter_dims, g->filter, &bias_dims,
                                                        g->bias, &g->output_dims, out));
        MCU_TEST_S8_ARRAY(g->expected, out, g->expected_size);

        /* per tensor: the per-channel kernel given channel 0's multiplier everywhere */
        int32_t mult[MAX_OUT], shift[MAX_OUT];
        for (int32_t c = 0; c < g->output_dims.c; c++) {
            mult[c] = g->multiplier[0];
            shift[c] = g->shift[0];
        }
        const cmsis_nn_per_channel_quant_params same = {mult, shift};
        const cmsis_nn_per_tensor_quant_params one = {g->multiplier[0], g->shift[0]};
        (void)arm_fully_connected_per_channel_s8(&ctx, &p, &same, &g->input_dims, g->input,
                                                 &g->filter_dims, g->filter, &bias_dims, g->bias,
                                                 &g->output_dims, per_channel);
        MCU_TEST_INT(ARM_CMSIS_NN_SUCCESS,
                     arm_fully_connected_s8(&ctx, &p, &one, &g->input_dims, g->input,
                                            &g->filter_dims, g->filter, &bias_dims, g->bias,
                                            &g->output_dims, out));
        MCU_TEST_S8_ARRAY(per_channel, out, g->expected_size);
    }
    return mcu_test_summary();
}
