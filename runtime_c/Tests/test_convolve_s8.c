/* arm_convolve_s8 and its wrapper against TFLite-Micro (plain, 1x1, dilated, batched and
 * grouped convolutions), the scratch they ask for, and the arguments they reject. */
#include <string.h>

#include "arm_nnfunctions.h"
#include "golden_conv.h"
#include "mcu_test.h"

#define CANARY  16
#define MAX_OUT 1024
#define MAX_BUF 4096

static int32_t scratch[MAX_BUF / 4];
static int8_t out[MAX_OUT + CANARY];

static cmsis_nn_conv_params conv_params(const golden_case *g)
{
    cmsis_nn_conv_params p;
    p.input_offset = g->input_offset;
    p.output_offset = g->output_offset;
    p.stride = g->stride;
    p.padding = g->padding;
    p.dilation = g->dilation;
    p.activation.min = g->act_min;
    p.activation.max = g->act_max;
    return p;
}

/* One run of the wrapper (wrapper != 0) or of arm_convolve_s8, with a canary after the
 * output and the scratch filled with garbage (the kernel must not depend on its contents). */
static void run_case(const golden_case *g, int wrapper)
{
    const cmsis_nn_conv_params p = conv_params(g);
    const cmsis_nn_per_channel_quant_params q = {(int32_t *)g->multiplier, (int32_t *)g->shift};
    const cmsis_nn_dims bias_dims = {1, 1, 1, g->output_dims.c};
    const int32_t size = wrapper ? arm_convolve_wrapper_s8_get_buffer_size(
                                       &p, &g->input_dims, &g->filter_dims, &g->output_dims)
                                 : arm_convolve_s8_get_buffer_size(&g->input_dims, &g->filter_dims);
    if (!MCU_TEST_INT(1, size > 0 && size <= MAX_BUF) ||
        !MCU_TEST_INT(1, g->expected_size <= MAX_OUT)) {
        return;
    }
    memset(scratch, 0x5A, sizeof scratch);
    memset(out, 0x77, sizeof out);
    const cmsis_nn_context ctx = {scratch, size};
    const arm_cmsis_nn_status status =
        wrapper ? arm_convolve_wrapper_s8(&ctx, &p, &q, &g->input_dims, g->input, &g->filter_dims,
                                          g->filter, &bias_dims, g->bias, &g->output_dims, out)
                : arm_convolve_s8(&ctx, &p, &q, &g->input_dims, g->input, &g->filter_dims,
                                  g->filter, &bias_dims, g->bias, NULL, &g->output_dims, out);
    MCU_TEST_INT(ARM_CMSIS_NN_SUCCESS, status);
    MCU_TEST_S8_ARRAY(g->expected, out, g->expected_size);
    for (int32_t i = 0; i < CANARY; i++) {
        MCU_TEST_INT(0x77, out[g->expected_size + i]);
    }
}

static void test_golden_cases(void)
{
    for (int i = 0; i < GOLDEN_CONV_COUNT; i++) {
        mcu_test_begin(golden_conv_cases[i]->name);
        run_case(golden_conv_cases[i], 1);
        run_case(golden_conv_cases[i], 0);
    }
}

/* A filter depth that does not divide the input depth, or groups that do not divide the
 * output depth: ARM_CMSIS_NN_ARG_ERROR, as CMSIS-NN. So is a missing buffer. */
static void test_rejected_arguments(void)
{
    mcu_test_begin("rejected arguments");
    const golden_case *g = &golden_conv_grouped_2;
    const cmsis_nn_conv_params p = conv_params(g);
    const cmsis_nn_per_channel_quant_params q = {(int32_t *)g->multiplier, (int32_t *)g->shift};
    const cmsis_nn_dims bias_dims = {1, 1, 1, g->output_dims.c};
    cmsis_nn_context ctx = {scratch, sizeof scratch};
    cmsis_nn_dims filter = g->filter_dims;
    filter.c = 3; /* 8 input channels */
    MCU_TEST_INT(ARM_CMSIS_NN_ARG_ERROR,
                 arm_convolve_wrapper_s8(&ctx, &p, &q, &g->input_dims, g->input, &filter, g->filter,
                                         &bias_dims, g->bias, &g->output_dims, out));
    cmsis_nn_dims output = g->output_dims;
    output.c = 5; /* two groups */
    MCU_TEST_INT(ARM_CMSIS_NN_ARG_ERROR,
                 arm_convolve_wrapper_s8(&ctx, &p, &q, &g->input_dims, g->input, &g->filter_dims,
                                         g->filter, &bias_dims, g->bias, &output, out));
    ctx.buf = NULL;
    MCU_TEST_INT(ARM_CMSIS_NN_ARG_ERROR,
                 arm_convolve_wrapper_s8(&ctx, &p, &q, &g->input_dims, g->input, &g->filter_dims,
                                         g->filter, &bias_dims, g->bias, &g->output_dims, out));
}

int main(void)
{
    test_golden_cases();
    test_rejected_arguments();
    return mcu_test_summary();
}
