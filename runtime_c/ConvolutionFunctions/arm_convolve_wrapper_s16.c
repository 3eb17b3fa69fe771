/*
 * mcutool portable runtime: arm_convolve_wrapper_s16, 16x8 CONV_2D (int16 input and output,
 * zero points 0; int8 per-channel weights), bit-exact with TFLite-Micro's reference
 * ConvPerChannel for int16. With an int64 bias (the converter's) the sum is int64 and is
 * requantized by TFLite's int64 MultiplyByQuantizedMultiplier; with an int32 bias
 * (bias_data->is_int32_bias) TFLite-Micro accumulates in int32, so the sum wraps to int32 and
 * the int8 kernels' double-rounding requantization applies.
 *
 * Layouts: input [N, H, W, C_IN], filter [C_OUT, HK, WK, C_F] with C_IN = groups * C_F (output
 * channels split evenly between the groups), output [N, H_OUT, W_OUT, C_OUT]. The offsets in
 * conv_params are not used.
 * ctx->buf, 4-byte aligned: MCU_NN_COLUMNS int16 im2col columns of round_up(HK * WK * C_F, 4)
 * slots, then, when C_F is not a multiple of 4, one more column where a patch is gathered
 * before it is packed (mcutool.abi.runtime_sizes.convolve_s16). A smaller buffer that holds
 * one HK * WK * C_F int16 column (CMSIS-NN's own size does, 2-byte aligned) takes a slow path;
 * less, or none: ARM_CMSIS_NN_ARG_ERROR.
 *
 * This file is the driver: it copies the patches under four output pixels into the columns of
 * Internal/mcu_nn_s16.h's layout (packed with the DSP extension, plain with Helium) and hands
 * them to mcu_nn_mat_mult_kernel_s16.
 */
#include <string.h>

#include "Internal/mcu_nn_mat_mult.h"
#include "Internal/mcu_nn_s16.h"
#include "arm_nnfunctions.h"

typedef struct {
    int32_t in_h, in_w;
    int32_t in_c;       /* channels per tap: the filter depth C_F */
    int32_t pix_stride; /* int16 elements from one input pixel to the next: C_IN */
    int32_t k_h, k_w;
    int32_t dil_y, dil_x;
    int32_t stride_y, stride_x;
    int32_t pad_y, pad_x;
    int16_t *stage; /* a patch is gathered here first when C_F is not a multiple of 4, else NULL */
} conv_s16_shape;

/* Taps k .. k+n-1 of a column from n int16 inputs; k and n are multiples of 4. */
static void col_put(int16_t *col, int32_t k, const int16_t *src, int32_t n)
{
#if MCU_NN_S16_PACKED
    /* two loads and two halfword packs (PKHBT, PKHTB) per group: inputs 0, 2 and 1, 3 */
    uint32_t *words = (uint32_t *)(void *)(col + mcu_nn_s16_col_slot(k));
    for (; n > 0; n -= 4) {
        uint32_t x01;
        uint32_t x23;
        memcpy(&x01, src, sizeof(x01));
        memcpy(&x23, src + 2, sizeof(x23));
        int32_t x02;
        int32_t x13;
        mcu_nn_pair_s16(x01, x23, &x02, &x13);
        words[0] = (uint32_t)x02;
        words[1] = (uint32_t)x13;
        words += MCU_NN_COL_GROUP_SLOTS / 2;
        src += 4;
    }
#else
    memcpy(col + k, src, (size_t)n * sizeof(int16_t));
#endif
}

/* Taps k .. k+n-1 of a column set to zero; k and n are multiples of 4. */
static void col_zero(int16_t *col, int32_t k, int32_t n)
{
#if MCU_NN_S16_PACKED
    uint32_t *words = (uint32_t *)(void *)(col + mcu_nn_s16_col_slot(k));
    for (; n > 0; n -= 4) {
        words[0] = 0;
        words[1] = 0;
        words += MCU_NN_COL_GROUP_SLOTS / 2;
    }
#else
    memset(col + k, 0, (size_t)n * sizeof(int16_t));
#endif
}

/* A run of n inputs as taps k .. k+n-1: into the column, or gathered in the stage. */
static void
patch_copy(int16_t *col, const conv_s16_shape *s, int32_t k, const int16_t *src, int32_t n)
{
    if (s->stage == NULL) {
        col_put(col, k, src, n);
    } else {
        memcpy(s->stage + k, src, (size_t)n * sizeof(int16_t));
    }
}

/* Taps k .. k+n-1 in the padding. */
static void patch_pad(int16_t *col, const conv_s16_shape *s, int32_t k, int32_t n)
{
    if (s->stage == NULL) {
        col_zero(col, k, n);
    } else {
        memset(s->stage + k, 0, (size_t)n * sizeof(int16_t));
    }
}

/* One im2col column: the HK x WK x C_F patch under output pixel (oy, ox), zeros off the image
 * and in the slots past HK * WK * C_F. */
static void conv_fill_column(
    int16_t *col, const int16_t *input, const conv_s16_shape *s, int32_t oy, int32_t ox)
{
    const int32_t base_y = oy * s->stride_y - s->pad_y;
    const int32_t base_x = ox * s->stride_x - s->pad_x;
    const size_t in_row_len = (size_t)s->in_w * s->pix_stride;
    /* with dilation 1, one group and the window inside the image horizontally, a filter row
     * is one run of consecutive inputs */
    const int32_t row_len = s->k_w * s->in_c;
    const int32_t whole_rows =
        s->dil_x == 1 && s->in_c == s->pix_stride && base_x >= 0 && base_x + s->k_w <= s->in_w;
    int32_t k = 0;
    for (int32_t ky = 0; ky < s->k_h; ky++) {
        const int32_t iy = base_y + ky * s->dil_y;
        if (iy < 0 || iy >= s->in_h) {
            patch_pad(col, s, k, row_len);
            k += row_len;
            continue;
        }
        const int16_t *in_row = input + (size_t)iy * in_row_len;
        if (whole_rows) {
            patch_copy(col, s, k, in_row + (size_t)base_x * s->pix_stride, row_len);
            k += row_len;
            continue;
        }
        for (int32_t kx = 0; kx < s->k_w; kx++) {
            const int32_t ix = base_x + kx * s->dil_x;
            if (ix < 0 || ix >= s->in_w) {
                patch_pad(col, s, k, s->in_c);
            } else {
                patch_copy(col, s, k, in_row + (size_t)ix * s->pix_stride, s->in_c);
            }
            k += s->in_c;
        }
    }
    if (s->stage != NULL) {
        const int32_t pitch = (k + 3) & ~3;
        memset(s->stage + k, 0, (size_t)(pitch - k) * sizeof(int16_t)); /* to whole groups */
        col_put(col, 0, s->stage, pitch);
    }
}

/* The slow path for a scratch of CMSIS-NN's size (two columns on DSP cores) rather than
 * runtime_c's: one plain column of one group's window per output pixel (zeros off the image),
 * every channel of the group a dot product with it, exact as the core's. */
static void conv_s16_one_column(const mcu_nn_gemm_s16_args *g,
                                const conv_s16_shape *s,
                                const int16_t *input,
                                int16_t *col,
                                int32_t oy,
                                int32_t ox,
                                int16_t *out)
{
    const int32_t base_y = oy * s->stride_y - s->pad_y;
    const int32_t base_x = ox * s->stride_x - s->pad_x;
    int16_t *dst = col;
    for (int32_t ky = 0; ky < s->k_h; ky++) {
        const int32_t iy = base_y + ky * s->dil_y;
        for (int32_t kx = 0; kx < s->k_w; kx++, dst += s->in_c) {
            const int32_t ix = base_x + kx * s->dil_x;
            if (iy < 0 || iy >= s->in_h || ix < 0 || ix >= s->in_w) {
                memset(dst, 0, (size_t)s->in_c * sizeof(int16_t));
            } else {
                memcpy(dst, input + ((size_t)iy * s->in_w + ix) * s->pix_stride,
                       (size_t)s->in_c * sizeof(int16_t));
            }
        }
    }
    const int8_t *w = g->filter;
    for (int32_t oc = 0; oc < g->out_c; oc++, w += g->col_len) {
        int64_t total = 0;
        for (int32_t k = 0; k < g->col_len;) {
            const int32_t stop =
                g->col_len - k > MCU_NN_S16_EXACT_TAPS ? k + MCU_NN_S16_EXACT_TAPS : g->col_len;
            int32_t part = 0;
            for (; k < stop; k++) {
                part += col[k] * w[k];
            }
            total += part;
        }
        out[oc] = mcu_nn_s16_output(g, oc, total);
    }
}

arm_cmsis_nn_status arm_convolve_wrapper_s16(const cmsis_nn_context *ctx,
                                             const cmsis_nn_conv_params *conv_params,
                                             const cmsis_nn_per_channel_quant_params *quant_params,
                                             const cmsis_nn_dims *input_dims,
                                             const int16_t *input_data,
                                             const cmsis_nn_dims *filter_dims,
                                             const int8_t *filter_data,
                                             const cmsis_nn_dims *bias_dims,
                                             const cmsis_nn_bias_data *bias_data,
                                             const cmsis_nn_dims *output_dims,
                                             int16_t *output_data)
{
    (void)bias_dims;
    const int32_t in_c = input_dims->c;
    const int32_t group_c = filter_dims->c;
    const int32_t out_c = output_dims->c;
    if (group_c < 1 || in_c % group_c != 0 || out_c % (in_c / group_c) != 0) {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const int32_t groups = in_c / group_c;
    const int32_t col_len = filter_dims->h * filter_dims->w * group_c;
    const int32_t pitch = (col_len + 3) & ~3;
    const int64_t need = (int64_t)(MCU_NN_COLUMNS + ((group_c & 3) != 0)) * pitch * 2;
    if (ctx == NULL || ctx->buf == NULL) {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    /* the packed columns are read as 32-bit words; a smaller scratch (CMSIS-NN's size) that
     * holds one column takes the slow path */
    const int fast = ((uintptr_t)ctx->buf & 3u) == 0 && (int64_t)ctx->size >= need;
    if (!fast && ((uintptr_t)ctx->buf & 1u) != 0) {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    if (!fast && (int64_t)ctx->size < (int64_t)col_len * 2) {
        return ARM_CMSIS_NN_ARG_ERROR;
    }

    conv_s16_shape shape;
    shape.in_h = input_dims->h;
    shape.in_w = input_dims->w;
    shape.in_c = group_c;
    shape.pix_stride = in_c;
    shape.k_h = filter_dims->h;
    shape.k_w = filter_dims->w;
    shape.dil_y = conv_params->dilation.h;
    shape.dil_x = conv_params->dilation.w;
    shape.stride_y = conv_params->stride.h;
    shape.stride_x = conv_params->stride.w;
    shape.pad_y = conv_params->padding.h;
    shape.pad_x = conv_params->padding.w;
    int16_t *cols = (int16_t *)ctx->buf;
    /* plain columns take any run as it is: no stage */
    shape.stage = MCU_NN_S16_PACKED && (group_c & 3) != 0 ? cols + MCU_NN_COLUMNS * pitch : NULL;
    const int32_t step = mcu_nn_s16_col_step(pitch);

    mcu_nn_gemm_s16_args g;
    g.bias_is_int32 = bias_data != NULL && bias_data->is_int32_bias;
    g.col_len = col_len;
    g.out_c = out_c / groups;
    g.out_stride = out_c;
    g.act_min = conv_params->activation.min;
    g.act_max = conv_params->activation.max;
    g.all_fast = !g.bias_is_int32 &&
                 mcu_nn_s16_layer_fast(quant_params->multiplier, quant_params->shift,
                                       bias_data != NULL ? (const int64_t *)bias_data->data : NULL,
                                       out_c, col_len);

    const size_t in_batch = (size_t)shape.in_h * shape.in_w * in_c;
    const size_t out_pixels = (size_t)output_dims->h * output_dims->w;
    for (int32_t b = 0; b < input_dims->n; b++) {
        /* a grouped convolution is `groups` convolutions side by side, one after another */
        for (int32_t grp = 0; grp < groups; grp++) {
            const int32_t oc0 = grp * g.out_c;
            const int16_t *input = input_data + (size_t)b * in_batch + (size_t)grp * group_c;
            int16_t *out = output_data + (size_t)b * out_pixels * out_c + oc0;
            const void *bias = bias_data != NULL ? bias_data->data : NULL;
            g.filter = filter_data + (size_t)oc0 * col_len;
            g.bias = bias == NULL      ? NULL
                     : g.bias_is_int32 ? (const void *)((const int32_t *)bias + oc0)
                                       : (const void *)((const int64_t *)bias + oc0);
            g.mult = quant_params->multiplier + oc0;
            g.shift = quant_params->shift + oc0;
            if (!fast) {
                for (int32_t oy = 0; oy < output_dims->h; oy++) {
                    for (int32_t ox = 0; ox < output_dims->w; ox++, out += out_c) {
                        conv_s16_one_column(&g, &shape, input, cols, oy, ox, out);
                    }
                }
                continue;
            }
            int32_t filled = 0; /* columns filled and not yet multiplied */
            for (int32_t oy = 0; oy < output_dims->h; oy++) {
                for (int32_t ox = 0; ox < output_dims->w; ox++) {
                    conv_fill_column(cols + filled * step, input, &shape, oy, ox);
                    if (++filled == MCU_NN_COLUMNS) {
                        mcu_nn_mat_mult_kernel_s16(&g, cols, MCU_NN_COLUMNS, out);
                        out += MCU_NN_COLUMNS * out_c;
                        filled = 0;
                    }
                }
            }
            if (filled != 0) {
                mcu_nn_mat_mult_kernel_s16(&g, cols, filled, out);
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
