/*
 * mcutool portable runtime: arm_convolve_s8, int8 2-D convolution (TFLite CONV_2D, per-channel
 * requantization), bit-exact with TFLite-Micro's reference ConvPerChannel.
 *
 * Layouts: input [N, H, W, C_IN], filter [C_OUT, HK, WK, C_IN], bias [C_OUT] (int32, may be NULL),
 * output [N, H_OUT, W_OUT, C_OUT]. filter_dims->c must equal input_dims->c (no grouped conv).
 * Ranges: conv_params->input_offset in [-127, 128] (= -input zero point), output_offset in
 * [-128, 127], activation within [-128, 127]; stride, dilation >= 1; padding >= 0 (top/left).
 * upscale_dims must be NULL or 1x1 (no zero-insertion upscaling in this runtime).
 * ctx->buf: arm_convolve_s8_get_buffer_size() bytes, 2-byte aligned (im2col columns of int16).
 *
 * Method: the patch under an output pixel is copied into an int16 column with the input offset
 * already added, so padded taps become exact zeros and the multiply loop has no branches. Two
 * output pixels and two output channels are accumulated together so each loaded value is
 * used twice.
 */
#include <string.h>

#include "arm_nnfunctions.h"
#include "arm_nnsupportfunctions.h"

typedef struct {
    int32_t in_h, in_w, in_c;
    int32_t k_h, k_w;
    int32_t dil_y, dil_x;
    int16_t offset;
} conv_patch_shape;

/* One im2col column: the HK x WK x C_IN patch whose top-left tap is (base_y, base_x). */
static void conv_fill_column(int16_t *col, const int8_t *input, const conv_patch_shape *s,
                             int32_t base_y, int32_t base_x)
{
    const int32_t row_len = s->k_w * s->in_c;
    for (int32_t ky = 0; ky < s->k_h; ky++) {
        const int32_t iy = base_y + ky * s->dil_y;
        if (iy < 0 || iy >= s->in_h) {
            memset(col, 0, (size_t)row_len * sizeof(int16_t));
            col += row_len;
            continue;
        }
        const int8_t *in_row = input + (size_t)iy * s->in_w * s->in_c;
        for (int32_t kx = 0; kx < s->k_w; kx++) {
            const int32_t ix = base_x + kx * s->dil_x;
            if (ix < 0 || ix >= s->in_w) {
                memset(col, 0, (size_t)s->in_c * sizeof(int16_t));
            } else {
                const int8_t *src = in_row + (size_t)ix * s->in_c;
                for (int32_t c = 0; c < s->in_c; c++) {
                    col[c] = (int16_t)(src[c] + s->offset);
                }
            }
            col += s->in_c;
        }
    }
}

typedef struct {
    const int8_t *filter;
    const int32_t *bias;
    const int32_t *mult;
    const int32_t *shift;
    int32_t col_len;
    int32_t out_c;
    int32_t out_offset;
    int32_t act_min;
    int32_t act_max;
} conv_gemm_args;

static inline int8_t conv_requantize(int32_t acc, const conv_gemm_args *g, int32_t oc)
{
    acc = arm_nn_requantize(acc, g->mult[oc], g->shift[oc]) + g->out_offset;
    acc = MAX(acc, g->act_min);
    acc = MIN(acc, g->act_max);
    return (int8_t)acc;
}

/* All output channels of two pixels (columns col0, col1) into out0 and out1. */
static void conv_gemm_two(const conv_gemm_args *g, const int16_t *col0, const int16_t *col1,
                          int8_t *out0, int8_t *out1)
{
    const int32_t n = g->col_len;
    int32_t oc = 0;
    for (; oc + 1 < g->out_c; oc += 2) {
        const int8_t *w0 = g->filter + (size_t)oc * n;
        const int8_t *w1 = w0 + n;
        int32_t a00 = 0, a01 = 0, a10 = 0, a11 = 0;
        for (int32_t k = 0; k < n; k++) {
            const int32_t x0 = col0[k];
            const int32_t x1 = col1[k];
            const int32_t f0 = w0[k];
            const int32_t f1 = w1[k];
            a00 += f0 * x0;
            a01 += f0 * x1;
            a10 += f1 * x0;
            a11 += f1 * x1;
        }
        if (g->bias != NULL) {
            a00 += g->bias[oc];
            a01 += g->bias[oc];
            a10 += g->bias[oc + 1];
            a11 += g->bias[oc + 1];
        }
        out0[oc] = conv_requantize(a00, g, oc);
        out1[oc] = conv_requantize(a01, g, oc);
        out0[oc + 1] = conv_requantize(a10, g, oc + 1);
        out1[oc + 1] = conv_requantize(a11, g, oc + 1);
    }
    if (oc < g->out_c) {
        const int8_t *w0 = g->filter + (size_t)oc * n;
        int32_t a0 = 0, a1 = 0;
        for (int32_t k = 0; k < n; k++) {
            const int32_t f0 = w0[k];
            a0 += f0 * col0[k];
            a1 += f0 * col1[k];
        }
        if (g->bias != NULL) {
            a0 += g->bias[oc];
            a1 += g->bias[oc];
        }
        out0[oc] = conv_requantize(a0, g, oc);
        out1[oc] = conv_requantize(a1, g, oc);
    }
}

/* All output channels of one pixel. */
static void conv_gemm_one(const conv_gemm_args *g, const int16_t *col, int8_t *out)
{
    const int32_t n = g->col_len;
    for (int32_t oc = 0; oc < g->out_c; oc++) {
        const int8_t *w = g->filter + (size_t)oc * n;
        int32_t acc = 0;
        for (int32_t k = 0; k < n; k++) {
            acc += (int32_t)w[k] * col[k];
        }
        if (g->bias != NULL) {
            acc += g->bias[oc];
        }
        out[oc] = conv_requantize(acc, g, oc);
    }
}

arm_cmsis_nn_status arm_convolve_s8(const cmsis_nn_context *ctx,
                                    const cmsis_nn_conv_params *conv_params,
                                    const cmsis_nn_per_channel_quant_params *quant_params,
                                    const cmsis_nn_dims *input_dims,
                                    const int8_t *input_data,
                                    const cmsis_nn_dims *filter_dims,
                                    const int8_t *filter_data,
                                    const cmsis_nn_dims *bias_dims,
                                    const int32_t *bias_data,
                                    const cmsis_nn_dims *upscale_dims,
                                    const cmsis_nn_dims *output_dims,
                                    int8_t *output_data)
{
    (void)bias_dims;
    if (upscale_dims != NULL && (upscale_dims->w != 1 || upscale_dims->h != 1)) {
        return ARM_CMSIS_NN_NO_IMPL_ERROR;
    }
    if (filter_dims->c != input_dims->c) {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    if (ctx == NULL || ctx->buf == NULL) {
        return ARM_CMSIS_NN_ARG_ERROR;
    }

    conv_patch_shape shape;
    shape.in_h = input_dims->h;
    shape.in_w = input_dims->w;
    shape.in_c = input_dims->c;
    shape.k_h = filter_dims->h;
    shape.k_w = filter_dims->w;
    shape.dil_y = conv_params->dilation.h;
    shape.dil_x = conv_params->dilation.w;
    shape.offset = (int16_t)conv_params->input_offset;

    conv_gemm_args g;
    g.filter = filter_data;
    g.bias = bias_data;
    g.mult = quant_params->multiplier;
    g.shift = quant_params->shift;
    g.col_len = shape.k_h * shape.k_w * shape.in_c;
    g.out_c = output_dims->c;
    g.out_offset = conv_params->output_offset;
    g.act_min = conv_params->activation.min;
    g.act_max = conv_params->activation.max;

    /* Column pitch rounded up to 4 elements, as arm_convolve_s8_get_buffer_size() assumes. */
    const int32_t col_pitch = (g.col_len + 3) & ~3;
    int16_t *col0 = (int16_t *)ctx->buf;
    int16_t *col1 = col0 + col_pitch;

    const int32_t out_h = output_dims->h;
    const int32_t out_w = output_dims->w;
    const int32_t stride_y = conv_params->stride.h;
    const int32_t stride_x = conv_params->stride.w;
    const int32_t pad_y = conv_params->padding.h;
    const int32_t pad_x = conv_params->padding.w;
    const size_t in_batch = (size_t)shape.in_h * shape.in_w * shape.in_c;

    for (int32_t b = 0; b < input_dims->n; b++) {
        const int8_t *input = input_data + (size_t)b * in_batch;
        int8_t *out = output_data + (size_t)b * out_h * out_w * g.out_c;
        int32_t pending = 0; /* columns filled and not yet multiplied: 0 or 1 */
        for (int32_t oy = 0; oy < out_h; oy++) {
            const int32_t base_y = oy * stride_y - pad_y;
            for (int32_t ox = 0; ox < out_w; ox++) {
                const int32_t base_x = ox * stride_x - pad_x;
                if (pending == 0) {
                    conv_fill_column(col0, input, &shape, base_y, base_x);
                    pending = 1;
                } else {
                    conv_fill_column(col1, input, &shape, base_y, base_x);
                    conv_gemm_two(&g, col0, col1, out, out + g.out_c);
                    out += 2 * g.out_c;
                    pending = 0;
                }
            }
        }
        if (pending != 0) {
            conv_gemm_one(&g, col0, out);
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
