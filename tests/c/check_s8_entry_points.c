/*
 * The specialised CMSIS-NN s8 entry points of runtime_c/ against the general kernels they
 * specialise (whose outputs tests/test_ops_*.py check against TFLite-Micro): whole outputs must
 * be equal, and each must reject what CMSIS-NN's kernel of the same name rejects.
 * Prints one line per failed check and exits with the number of failures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arm_nnfunctions.h"

static int failures;
static uint32_t rng_state = 12345u;

static uint32_t next_random(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static void fill_s8(int8_t *p, int n)
{
    for (int i = 0; i < n; i++) {
        p[i] = (int8_t)(next_random() & 0xFF);
    }
}

/* Per-channel requantization that keeps most outputs inside int8. */
static void fill_quant(int32_t *mult, int32_t *shift, int32_t *bias, int n)
{
    for (int i = 0; i < n; i++) {
        mult[i] = (int32_t)(0x40000000u + (next_random() & 0x3FFFFFFFu));
        shift[i] = -6 - (int32_t)(next_random() % 4);
        bias[i] = (int32_t)(next_random() % 4001) - 2000;
    }
}

static void check(int ok, const char *what)
{
    if (!ok) {
        printf("FAIL %s\n", what);
        failures++;
    }
}

static void check_same(const int8_t *a, const int8_t *b, int n, const char *what)
{
    check(memcmp(a, b, (size_t)n) == 0, what);
}

enum {
    MAX_C = 16,
    MAX_IN = 2 * 7 * 9 * MAX_C,
    MAX_OUT = 2 * 7 * 9 * MAX_C,
    MAX_W = 5 * 5 * MAX_C * MAX_C
};

static int8_t input[MAX_IN], weights[MAX_W], out_a[MAX_OUT], out_b[MAX_OUT];
static int32_t mult[MAX_C], shift[MAX_C], bias[MAX_C];

static int32_t out_size(int32_t in, int32_t k, int32_t stride, int32_t pad)
{
    return (in + 2 * pad - k) / stride + 1;
}

/* arm_convolve_s8 with a buffer of its own size: the reference for the conv entry points. */
static arm_cmsis_nn_status general_conv(const cmsis_nn_conv_params *p,
                                        const cmsis_nn_per_channel_quant_params *q,
                                        const cmsis_nn_dims *in,
                                        const cmsis_nn_dims *f,
                                        const cmsis_nn_dims *out,
                                        int8_t *dst)
{
    cmsis_nn_context ctx = {NULL, arm_convolve_s8_get_buffer_size(in, f)};
    ctx.buf = malloc((size_t)ctx.size);
    const cmsis_nn_dims bias_dims = {1, 1, 1, out->c};
    arm_cmsis_nn_status s =
        arm_convolve_s8(&ctx, p, q, in, input, f, weights, &bias_dims, bias, NULL, out, dst);
    free(ctx.buf);
    return s;
}

static void check_conv_1x1(int32_t stride)
{
    const cmsis_nn_dims in = {2, 7, 9, 5}, f = {7, 1, 1, 5};
    const cmsis_nn_dims out = {2, out_size(7, 1, stride, 0), out_size(9, 1, stride, 0), 7};
    const cmsis_nn_dims bias_dims = {1, 1, 1, 7};
    cmsis_nn_conv_params p = {-3, 5, {stride, stride}, {0, 0}, {1, 1}, {-100, 120}};
    const cmsis_nn_per_channel_quant_params q = {mult, shift};
    fill_s8(input, in.n * in.h * in.w * in.c);
    fill_s8(weights, f.n * f.c);
    fill_quant(mult, shift, bias, f.n);
    const int n_out = out.n * out.h * out.w * out.c;
    check(general_conv(&p, &q, &in, &f, &out, out_a) == ARM_CMSIS_NN_SUCCESS, "1x1: general");
    check(arm_convolve_1x1_s8(NULL, &p, &q, &in, input, &f, weights, &bias_dims, bias, &out,
                              out_b) == ARM_CMSIS_NN_SUCCESS,
          "1x1: status");
    check_same(out_a, out_b, n_out, "1x1: output");
    const cmsis_nn_context ctx = {NULL, 0};
    const arm_cmsis_nn_status fast = arm_convolve_1x1_s8_fast(&ctx, &p, &q, &in, input, &f, weights,
                                                              &bias_dims, bias, &out, out_b);
    if (stride == 1) {
        check(fast == ARM_CMSIS_NN_SUCCESS, "1x1 fast: status");
        check_same(out_a, out_b, n_out, "1x1 fast: output");
    } else {
        check(fast == ARM_CMSIS_NN_ARG_ERROR, "1x1 fast: stride 2 rejected");
    }
    p.padding.h = 1;
    check(arm_convolve_1x1_s8(NULL, &p, &q, &in, input, &f, weights, &bias_dims, bias, &out,
                              out_b) == ARM_CMSIS_NN_ARG_ERROR,
          "1x1: padding rejected");
    check(arm_convolve_1x1_s8_fast_get_buffer_size(&in) == 0, "1x1 fast: no scratch");
}

static void check_conv_1_x_n(void)
{
    const cmsis_nn_dims in = {2, 1, 11, 4}, f = {6, 1, 3, 4};
    const cmsis_nn_dims out = {2, 1, out_size(11, 3, 1, 1), 6};
    const cmsis_nn_dims bias_dims = {1, 1, 1, 6};
    cmsis_nn_conv_params p = {7, -2, {1, 1}, {1, 0}, {1, 1}, {-128, 127}};
    const cmsis_nn_per_channel_quant_params q = {mult, shift};
    fill_s8(input, in.n * in.w * in.c);
    fill_s8(weights, f.n * f.w * f.c);
    fill_quant(mult, shift, bias, f.n);
    const int n_out = out.n * out.w * out.c;
    check(general_conv(&p, &q, &in, &f, &out, out_a) == ARM_CMSIS_NN_SUCCESS, "1xN: general");
    cmsis_nn_context ctx = {NULL, 0};
    const int32_t size = arm_convolve_1_x_n_s8_get_buffer_size(&p, &in, &f, &out);
    check(size == arm_convolve_s8_get_buffer_size(&in, &f), "1xN: buffer size");
    check(arm_convolve_1_x_n_s8(&ctx, &p, &q, &in, input, &f, weights, &bias_dims, bias, &out,
                                out_b) == ARM_CMSIS_NN_ARG_ERROR,
          "1xN: NULL buffer rejected");
    ctx.buf = malloc((size_t)size);
    ctx.size = size;
    check(arm_convolve_1_x_n_s8(&ctx, &p, &q, &in, input, &f, weights, &bias_dims, bias, &out,
                                out_b) == ARM_CMSIS_NN_SUCCESS,
          "1xN: status");
    check_same(out_a, out_b, n_out, "1xN: output");
    const cmsis_nn_dims tall = {1, 2, 11, 4};
    check(arm_convolve_1_x_n_s8(&ctx, &p, &q, &tall, input, &f, weights, &bias_dims, bias, &out,
                                out_b) == ARM_CMSIS_NN_ARG_ERROR,
          "1xN: input height 2 rejected");
    const cmsis_nn_dims odd = {1, 1, 11, 3};
    check(arm_convolve_1_x_n_s8(&ctx, &p, &q, &odd, input, &f, weights, &bias_dims, bias, &out,
                                out_b) == ARM_CMSIS_NN_ARG_ERROR,
          "1xN: stride * C_IN not a multiple of 4 rejected");
    p.dilation.w = 2;
    check(arm_convolve_1_x_n_s8(&ctx, &p, &q, &in, input, &f, weights, &bias_dims, bias, &out,
                                out_b) == ARM_CMSIS_NN_ARG_ERROR,
          "1xN: dilation rejected");
    free(ctx.buf);
}

/* A depthwise entry point against arm_depthwise_conv_s8 given complete dims, for filter k_h x
 * k_w, stride and padding; filter_dims.c and ch_mult are left unset for the entry point, as
 * CMSIS-NN's callers may. */
static void check_depthwise(int opt, int32_t k_h, int32_t k_w, int32_t stride, int32_t pad)
{
    const int32_t c = 9;
    const cmsis_nn_dims in = {1, 7, 6, c};
    const cmsis_nn_dims out = {1, out_size(7, k_h, stride, pad), out_size(6, k_w, stride, pad), c};
    const cmsis_nn_dims bias_dims = {1, 1, 1, c};
    cmsis_nn_dw_conv_params p = {-5, 3, 1, {stride, stride}, {pad, pad}, {1, 1}, {-120, 110}};
    const cmsis_nn_per_channel_quant_params q = {mult, shift};
    fill_s8(input, in.h * in.w * c);
    fill_s8(weights, k_h * k_w * c);
    fill_quant(mult, shift, bias, c);
    const int n_out = out.h * out.w * c;
    const cmsis_nn_dims full = {1, k_h, k_w, c};
    cmsis_nn_context ctx = {NULL,
                            arm_depthwise_conv_wrapper_s8_get_buffer_size(&p, &in, &full, &out)};
    ctx.buf = malloc((size_t)ctx.size + 1);
    check(arm_depthwise_conv_s8(&ctx, &p, &q, &in, input, &full, weights, &bias_dims, bias, &out,
                                out_a) == ARM_CMSIS_NN_SUCCESS,
          "depthwise: general");
    cmsis_nn_dims partial = {0, k_h, k_w, 0};
    p.ch_mult = 0;
    if (opt) {
        ctx.size = arm_depthwise_conv_s8_opt_get_buffer_size(&in, &partial);
        check(arm_depthwise_conv_s8_opt(&ctx, &p, &q, &in, input, &partial, weights, &bias_dims,
                                        bias, &out, out_b) == ARM_CMSIS_NN_SUCCESS,
              "depthwise opt: status");
        check_same(out_a, out_b, n_out, "depthwise opt: output");
        cmsis_nn_context none = {NULL, 0};
        check(arm_depthwise_conv_s8_opt(&none, &p, &q, &in, input, &partial, weights, &bias_dims,
                                        bias, &out, out_b) == ARM_CMSIS_NN_ARG_ERROR,
              "depthwise opt: NULL buffer rejected");
        const cmsis_nn_dims wide = {1, 1, 1, 2 * c};
        check(arm_depthwise_conv_s8_opt(&ctx, &p, &q, &in, input, &partial, weights, &bias_dims,
                                        bias, &wide, out_b) == ARM_CMSIS_NN_ARG_ERROR,
              "depthwise opt: C_OUT != C_IN rejected");
    } else {
        cmsis_nn_context none = {NULL, 0};
        check(arm_depthwise_conv_3x3_s8(&none, &p, &q, &in, input, &partial, weights, &bias_dims,
                                        bias, &out, out_b) == ARM_CMSIS_NN_SUCCESS,
              "depthwise 3x3: status");
        check_same(out_a, out_b, n_out, "depthwise 3x3: output");
        p.padding.w = 2;
        check(arm_depthwise_conv_3x3_s8(&none, &p, &q, &in, input, &partial, weights, &bias_dims,
                                        bias, &out, out_b) == ARM_CMSIS_NN_ARG_ERROR,
              "depthwise 3x3: padding 2 rejected");
        p.padding.w = pad;
        partial.w = 4;
        check(arm_depthwise_conv_3x3_s8(&none, &p, &q, &in, input, &partial, weights, &bias_dims,
                                        bias, &out, out_b) == ARM_CMSIS_NN_ARG_ERROR,
              "depthwise 3x3: 3x4 filter rejected");
    }
    free(ctx.buf);
}

static void check_fully_connected(void)
{
    const int32_t batches = 3, accum = 13, units = 6;
    const cmsis_nn_dims in = {batches, 1, 1, accum}, f = {accum, 1, 1, units};
    const cmsis_nn_dims out = {batches, 1, 1, units}, bias_dims = {1, 1, 1, units};
    const cmsis_nn_fc_params p = {9, 0, -4, {-128, 100}};
    const cmsis_nn_context ctx = {NULL, 0};
    fill_s8(input, batches * accum);
    fill_s8(weights, accum * units);
    fill_quant(mult, shift, bias, units);
    const int n_out = batches * units;

    cmsis_nn_quant_params wrapped = {mult, shift, 1};
    const cmsis_nn_per_channel_quant_params per_channel = {mult, shift};
    check(arm_fully_connected_per_channel_s8(&ctx, &p, &per_channel, &in, input, &f, weights,
                                             &bias_dims, bias, &out, out_a) == ARM_CMSIS_NN_SUCCESS,
          "fc per channel: general");
    check(arm_fully_connected_wrapper_s8(&ctx, &p, &wrapped, &in, input, &f, weights, &bias_dims,
                                         bias, &out, out_b) == ARM_CMSIS_NN_SUCCESS,
          "fc wrapper per channel: status");
    check_same(out_a, out_b, n_out, "fc wrapper per channel: output");

    wrapped.is_per_channel = 0;
    const cmsis_nn_per_tensor_quant_params per_tensor = {mult[0], shift[0]};
    check(arm_fully_connected_s8(&ctx, &p, &per_tensor, &in, input, &f, weights, &bias_dims, bias,
                                 &out, out_a) == ARM_CMSIS_NN_SUCCESS,
          "fc per tensor: general");
    check(arm_fully_connected_wrapper_s8(&ctx, &p, &wrapped, &in, input, &f, weights, &bias_dims,
                                         bias, &out, out_b) == ARM_CMSIS_NN_SUCCESS,
          "fc wrapper per tensor: status");
    check_same(out_a, out_b, n_out, "fc wrapper per tensor: output");
}

static void check_vector_sum(void)
{
    const int32_t rows = 7, cols = 19, lhs_offset = 11, rhs_offset = -3;
    int32_t sums[7], expected[7];
    fill_s8(weights, rows * cols);
    fill_quant(mult, shift, bias, rows);
    for (int with_bias = 0; with_bias < 2; with_bias++) {
        for (int32_t r = 0; r < rows; r++) {
            int32_t s = 0;
            for (int32_t k = 0; k < cols; k++) {
                s += weights[r * cols + k];
            }
            expected[r] = (with_bias ? bias[r] : 0) + lhs_offset * (s + cols * rhs_offset);
        }
        check(arm_vector_sum_s8(sums, cols, rows, weights, lhs_offset, rhs_offset,
                                with_bias ? bias : NULL) == ARM_CMSIS_NN_SUCCESS,
              "vector sum: status");
        check(memcmp(sums, expected, sizeof(sums)) == 0, "vector sum: values");
    }
}

static void check_buffer_size_variants(void)
{
    const cmsis_nn_dims in = {1, 8, 8, 12}, f = {4, 3, 3, 12}, df = {1, 3, 3, 12},
                        out = {1, 8, 8, 4};
    const cmsis_nn_conv_params p = {0, 0, {1, 1}, {1, 1}, {1, 1}, {-128, 127}};
    const cmsis_nn_dw_conv_params dp = {0, 0, 1, {1, 1}, {1, 1}, {1, 1}, {-128, 127}};
    const int32_t conv = arm_convolve_wrapper_s8_get_buffer_size(&p, &in, &f, &out);
    check(arm_convolve_wrapper_s8_get_buffer_size_dsp(&p, &in, &f, &out) == conv, "conv size dsp");
    check(arm_convolve_wrapper_s8_get_buffer_size_mve(&p, &in, &f, &out) == conv, "conv size mve");
    const int32_t dw = arm_depthwise_conv_wrapper_s8_get_buffer_size(&dp, &in, &df, &out);
    check(arm_depthwise_conv_wrapper_s8_get_buffer_size_dsp(&dp, &in, &df, &out) == dw, "dw dsp");
    check(arm_depthwise_conv_wrapper_s8_get_buffer_size_mve(&dp, &in, &df, &out) == dw, "dw mve");
    check(arm_depthwise_conv_s8_opt_get_buffer_size(&in, &df) == dw, "dw opt size");
    const int32_t pool = arm_avgpool_s8_get_buffer_size(8, 12);
    check(arm_avgpool_s8_get_buffer_size_dsp(8, 12) == pool, "avgpool size dsp");
    check(arm_avgpool_s8_get_buffer_size_mve(8, 12) == pool, "avgpool size mve");
}

int main(void)
{
    check_conv_1x1(1);
    check_conv_1x1(2);
    check_conv_1_x_n();
    check_depthwise(0, 3, 3, 1, 1);
    check_depthwise(0, 3, 3, 2, 0);
    check_depthwise(1, 3, 3, 1, 1);
    check_depthwise(1, 5, 3, 2, 2);
    check_fully_connected();
    check_vector_sum();
    check_buffer_size_variants();
    printf("%d failures\n", failures);
    return failures;
}
