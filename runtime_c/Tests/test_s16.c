/* The 16x8 convolution, depthwise and fully connected kernels against TFLite-Micro, on the
 * cases of golden_*_s16.h (mcutool.oracle.golden_s16): filter depths and channel counts that
 * are not multiples of 4, sums past 511 products at the int16 and int8 extremes, scales whose
 * requantization needs the int64 form. The convolution's scratch is what mcutool plans
 * (mcutool.abi.runtime_sizes.convolve_s16), filled with junk first, then one column (the slow
 * path); the outputs are followed by a canary. */
#include <string.h>

#include "arm_nnfunctions.h"
#include "golden_conv_s16.h"
#include "golden_depthwise_s16.h"
#include "golden_fc_s16.h"
#include "mcu_nnfunctions.h"
#include "mcu_test.h"

#define CANARY  16
#define MAX_OUT 1024
#define MAX_BUF 8192

static int32_t scratch[MAX_BUF / 4];
static int16_t out[MAX_OUT + CANARY];

static int begin(const golden_s16_case *g)
{
    mcu_test_begin(g->name);
    memset(out, 0x77, sizeof out);
    return MCU_TEST_INT(1, g->expected_size <= MAX_OUT);
}

static void finish(const golden_s16_case *g)
{
    MCU_TEST_S16_ARRAY(g->expected, out, g->expected_size);
    for (int32_t i = 0; i < CANARY; i++) {
        MCU_TEST_INT(0x7777, out[g->expected_size + i]);
    }
}

static void run_conv(const golden_s16_case *g)
{
    if (!begin(g)) {
        return;
    }
    cmsis_nn_conv_params p;
    memset(&p, 0, sizeof p);
    p.stride = g->stride;
    p.padding = g->padding;
    p.dilation = g->dilation;
    p.activation.min = g->act_min;
    p.activation.max = g->act_max;
    const cmsis_nn_per_channel_quant_params q = {(int32_t *)g->multiplier, (int32_t *)g->shift};
    const cmsis_nn_dims bias_dims = {1, 1, 1, g->output_dims.c};
    const cmsis_nn_bias_data bias = {g->bias, false};
    /* four int16 columns of round_up(HK * WK * C_F, 4), a fifth when C_F % 4 != 0 */
    const int32_t pitch = (g->filter_dims.h * g->filter_dims.w * g->filter_dims.c + 3) & ~3;
    const int32_t size = (4 + (g->filter_dims.c % 4 != 0)) * pitch * 2;
    if (!MCU_TEST_INT(1, size <= MAX_BUF)) {
        return;
    }
    memset(scratch, 0x5A, sizeof scratch);
    const cmsis_nn_context ctx = {scratch, size};
    MCU_TEST_INT(ARM_CMSIS_NN_SUCCESS,
                 arm_convolve_wrapper_s16(&ctx, &p, &q, &g->input_dims, g->input, &g->filter_dims,
                                          g->filter, &bias_dims, &bias, &g->output_dims, out));
    finish(g);
    /* a scratch of one column (less than runtime_c asks for, as much as CMSIS-NN's) takes the
     * slow path, with the same results; one byte less is refused */
    const int32_t column = g->filter_dims.h * g->filter_dims.w * g->filter_dims.c * 2;
    memset(out, 0x77, sizeof out);
    const cmsis_nn_context one = {scratch, column};
    MCU_TEST_INT(ARM_CMSIS_NN_SUCCESS,
                 arm_convolve_wrapper_s16(&one, &p, &q, &g->input_dims, g->input, &g->filter_dims,
                                          g->filter, &bias_dims, &bias, &g->output_dims, out));
    finish(g);
    const cmsis_nn_context small = {scratch, column - 1};
    MCU_TEST_INT(ARM_CMSIS_NN_ARG_ERROR,
                 arm_convolve_wrapper_s16(&small, &p, &q, &g->input_dims, g->input, &g->filter_dims,
                                          g->filter, &bias_dims, &bias, &g->output_dims, out));
}

static void run_depthwise(const golden_s16_case *g)
{
    if (!begin(g)) {
        return;
    }
    cmsis_nn_dw_conv_params p;
    memset(&p, 0, sizeof p);
    p.ch_mult = g->ch_mult;
    p.stride = g->stride;
    p.padding = g->padding;
    p.dilation = g->dilation;
    p.activation.min = g->act_min;
    p.activation.max = g->act_max;
    const cmsis_nn_per_channel_quant_params q = {(int32_t *)g->multiplier, (int32_t *)g->shift};
    const cmsis_nn_dims bias_dims = {1, 1, 1, g->output_dims.c};
    const cmsis_nn_context ctx = {NULL, 0};
    MCU_TEST_INT(ARM_CMSIS_NN_SUCCESS, arm_depthwise_conv_wrapper_s16(
                                           &ctx, &p, &q, &g->input_dims, g->input, &g->filter_dims,
                                           g->filter, &bias_dims, g->bias, &g->output_dims, out));
    finish(g);
}

static void run_fc(const golden_s16_case *g)
{
    if (!begin(g)) {
        return;
    }
    cmsis_nn_fc_params p;
    memset(&p, 0, sizeof p);
    p.activation.min = g->act_min;
    p.activation.max = g->act_max;
    const cmsis_nn_dims bias_dims = {1, 1, 1, g->output_dims.c};
    const cmsis_nn_context ctx = {NULL, 0};
    if (g->per_tensor) {
        const cmsis_nn_per_tensor_quant_params q = {g->multiplier[0], g->shift[0]};
        MCU_TEST_INT(ARM_CMSIS_NN_SUCCESS,
                     arm_fully_connected_s16(&ctx, &p, &q, &g->input_dims, g->input,
                                             &g->filter_dims, g->filter, &bias_dims, g->bias,
                                             &g->output_dims, out));
    } else {
        const cmsis_nn_per_channel_quant_params q = {(int32_t *)g->multiplier, (int32_t *)g->shift};
        MCU_TEST_INT(ARM_CMSIS_NN_SUCCESS,
                     mcu_fully_connected_per_channel_s16(&ctx, &p, &q, &g->input_dims, g->input,
                                                         &g->filter_dims, g->filter, &bias_dims,
                                                         g->bias, &g->output_dims, out));
    }
    finish(g);
}

int main(void)
{
    for (int i = 0; i < GOLDEN_CONV_S16_COUNT; i++) {
        run_conv(golden_conv_s16_cases[i]);
    }
    for (int i = 0; i < GOLDEN_DEPTHWISE_S16_COUNT; i++) {
        run_depthwise(golden_depthwise_s16_cases[i]);
    }
    for (int i = 0; i < GOLDEN_FC_S16_COUNT; i++) {
        run_fc(golden_fc_s16_cases[i]);
    }
    return mcu_test_summary();
}
