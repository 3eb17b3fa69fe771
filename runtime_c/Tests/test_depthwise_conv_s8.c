/* arm_depthwise_conv_wrapper_s8 against TFLite-Micro, with filter_dims->c set (as
 * TFLite-Micro sets it) and left 0 (as ARM's unit tests leave it: CMSIS-NN never reads it). */
#include <string.h>

#include "arm_nnfunctions.h"
#include "golden_depthwise.h"
#include "mcu_test.h"

#define CANARY  16
#define MAX_OUT 1024
#define MAX_BUF 4096

static int32_t scratch[MAX_BUF / 4];
static int8_t out[MAX_OUT + CANARY];

static void run_case(const golden_case *g, int32_t filter_c)
{
    cmsis_nn_dw_conv_params p;
    p.input_offset = g->input_offset;
    p.output_offset = g->output_offset;
    p.ch_mult = g->ch_mult;
    p.stride = g->stride;
    p.padding = g->padding;
    p.dilation = g->dilation;
    p.activation.min = g->act_min;
    p.activation.max = g->act_max;
    const cmsis_nn_per_channel_quant_params q = {(int32_t *)g->multiplier, (int32_t *)g->shift};
    const cmsis_nn_dims bias_dims = {1, 1, 1, g->output_dims.c};
    cmsis_nn_dims filter = g->filter_dims;
    filter.c = filter_c;
    const int32_t size =
        arm_depthwise_conv_wrapper_s8_get_buffer_size(&p, &g->input_dims, &filter, &g->output_dims);
    if (!MCU_TEST_INT(1, size >= 0 && size <= MAX_BUF) ||
        !MCU_TEST_INT(1, g->expected_size <= MAX_OUT)) {
        return;
    }
    memset(scratch, 0x5A, sizeof scratch);
    memset(out, 0x77, sizeof out);
    const cmsis_nn_context ctx = {scratch, size};
    MCU_TEST_INT(ARM_CMSIS_NN_SUCCESS, arm_depthwise_conv_wrapper_s8(
                                           &ctx, &p, &q, &g->input_dims, g->input, &filter,
                                           g->filter, &bias_dims, g->bias, &g->output_dims, out));
    MCU_TEST_S8_ARRAY(g->expected, out, g->expected_size);
    for (int32_t i = 0; i < CANARY; i++) {
        MCU_TEST_INT(0x77, out[g->expected_size + i]);
    }
}

int main(void)
{
    for (int i = 0; i < GOLDEN_DEPTHWISE_COUNT; i++) {
        const golden_case *g = golden_depthwise_cases[i];
        mcu_test_begin(g->name);
        run_case(g, g->filter_dims.c);
        run_case(g, 0);
    }
    return mcu_test_summary();
}
