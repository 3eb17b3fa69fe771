/* arm_max_pool_s8 and arm_avgpool_s8 against TFLite-Micro, and the batch counts CMSIS-NN
 * rejects. */
#include <string.h>

#include "arm_nnfunctions.h"
#include "golden_pool.h"
#include "mcu_test.h"

#define MAX_OUT 1024

static int32_t scratch[256];
static int8_t out[MAX_OUT];

static cmsis_nn_pool_params pool_params(const golden_case *g)
{
    cmsis_nn_pool_params p;
    p.stride = g->stride;
    p.padding = g->padding;
    p.activation.min = g->act_min;
    p.activation.max = g->act_max;
    return p;
}

static arm_cmsis_nn_status run(const golden_case *g, const cmsis_nn_dims *input_dims)
{
    const cmsis_nn_pool_params p = pool_params(g);
    const cmsis_nn_context ctx = {
        scratch, arm_avgpool_s8_get_buffer_size(g->output_dims.w, g->input_dims.c)};
    if (strncmp(g->name, "max", 3) == 0) {
        return arm_max_pool_s8(&ctx, &p, input_dims, g->input, &g->filter_dims, &g->output_dims,
                               out);
    }
    return arm_avgpool_s8(&ctx, &p, input_dims, g->input, &g->filter_dims, &g->output_dims, out);
}

int main(void)
{
    for (int i = 0; i < GOLDEN_POOL_COUNT; i++) {
        const golden_case *g = golden_pool_cases[i];
        mcu_test_begin(g->name);
        MCU_TEST_INT(1, arm_avgpool_s8_get_buffer_size(g->output_dims.w, g->input_dims.c) <=
                            (int32_t)sizeof scratch);
        memset(out, 0x77, sizeof out);
        MCU_TEST_INT(ARM_CMSIS_NN_SUCCESS, run(g, &g->input_dims));
        MCU_TEST_S8_ARRAY(g->expected, out, g->expected_size);
        cmsis_nn_dims no_batch = g->input_dims;
        no_batch.n = -1;
        MCU_TEST_INT(ARM_CMSIS_NN_ARG_ERROR, run(g, &no_batch));
        no_batch.n = 0;
        MCU_TEST_INT(ARM_CMSIS_NN_ARG_ERROR, run(g, &no_batch));
    }
    return mcu_test_summary();
}
