/*
 * mcutool portable runtime: arm_depthwise_conv_wrapper_s16, 16x8 DEPTHWISE_CONV_2D (int16
 * input and output, zero points 0; int8 per-channel weights; int64 bias or NULL), bit-exact
 * with TFLite-Micro's reference DepthwiseConvPerChannel for int16: an exact sum, the bias,
 * TFLite's int64 MultiplyByQuantizedMultiplier, the clamp.
 *
 * Layouts: input [N, H, W, C_IN], filter [1, HK, WK, C_OUT] with C_OUT = C_IN * ch_mult,
 * output [N, H_OUT, W_OUT, C_OUT]; output channel ic * ch_mult + m reads input channel ic.
 * The offsets in dw_conv_params are not used. No scratch is used.
 *
 * With depth multiplier 1 and at most MCU_NN_S16_EXACT_TAPS taps (every usual layer), four
 * neighbouring channels are computed together, one block at a time over the whole image so
 * that their requantization constants are worked out once: per tap two word loads of inputs,
 * one of weights (two SXTB16) and four halfword multiply-accumulates into exact int32 sums.
 * Other layers (and the channels past the last whole block) take the general int64 loop.
 */
#include <string.h>

#include "Internal/mcu_nn_s16.h"
#include "arm_nnfunctions.h"

/* The taps k in [*first, *last) of a window starting at base whose input index
 * base + k * dilation lies in [0, size). */
static void dw_s16_taps(
    int32_t base, int32_t dilation, int32_t size, int32_t taps, int32_t *first, int32_t *last)
{
    int32_t lo = 0;
    while (lo < taps && base + lo * dilation < 0) {
        lo++;
    }
    int32_t hi = lo;
    while (hi < taps && base + hi * dilation < size) {
        hi++;
    }
    *first = lo;
    *last = hi;
}

typedef struct {
    const cmsis_nn_dw_conv_params *p;
    const cmsis_nn_per_channel_quant_params *q;
    const cmsis_nn_dims *in;
    const cmsis_nn_dims *f;
    const cmsis_nn_dims *out;
    const int64_t *bias;
} dw_s16_layer;

/* Output channels [oc_first, out_c) of one image, one at a time, int64 sums. */
static void dw_s16_general(const dw_s16_layer *l,
                           const int16_t *x,
                           const int8_t *filter,
                           int16_t *output,
                           int32_t oc_first)
{
    const cmsis_nn_dw_conv_params *p = l->p;
    const int32_t mult = p->ch_mult;
    const int32_t in_w = l->in->w, in_c = l->in->c, out_c = l->out->c;
    const int64_t filter_row = (int64_t)l->f->w * out_c;
    for (int32_t oy = 0; oy < l->out->h; oy++) {
        const int32_t y0 = oy * p->stride.h - p->padding.h;
        int32_t ky_first;
        int32_t ky_end;
        dw_s16_taps(y0, p->dilation.h, l->in->h, l->f->h, &ky_first, &ky_end);
        for (int32_t ox = 0; ox < l->out->w; ox++) {
            const int32_t x0 = ox * p->stride.w - p->padding.w;
            int32_t kx_first;
            int32_t kx_end;
            dw_s16_taps(x0, p->dilation.w, in_w, l->f->w, &kx_first, &kx_end);
            int16_t *o = output + ((int64_t)oy * l->out->w + ox) * out_c;
            for (int32_t oc = oc_first; oc < out_c; oc++) {
                const int16_t *xc = x + oc / mult;
                const int8_t *wc = filter + oc;
                int64_t acc = 0;
                /* only the taps inside the image: no bounds test in the loop */
                for (int32_t ky = ky_first; ky < ky_end; ky++) {
                    const int16_t *xr = xc + ((int64_t)(y0 + ky * p->dilation.h) * in_w) * in_c;
                    const int8_t *wr = wc + ky * filter_row;
                    for (int32_t kx = kx_first; kx < kx_end; kx++) {
                        acc += (int32_t)xr[(int64_t)(x0 + kx * p->dilation.w) * in_c] *
                               wr[(int64_t)kx * out_c];
                    }
                }
                if (l->bias != NULL) {
                    acc += l->bias[oc];
                }
                const int32_t out =
                    mcu_nn_requantize_s64(acc, l->q->multiplier[oc], l->q->shift[oc]);
                o[oc] = mcu_nn_clamp_s16(out, p->activation.min, p->activation.max);
            }
        }
    }
}

/* Sums of channels c .. c+3 (x and w at channel c) over the taps inside the image. */
typedef struct {
    int32_t a0, a1, a2, a3;
} dw_s16_acc4;

static inline void dw_s16_tap4(dw_s16_acc4 *a, const int16_t *x, const int8_t *w)
{
#if MCU_NN_DSP
    int32_t x01;
    int32_t x23;
    memcpy(&x01, x, sizeof(x01));
    memcpy(&x23, x + 2, sizeof(x23));
    const int32_t wq = mcu_nn_read_s8x4(w);
    const int32_t w02 = mcu_sxtb16(wq), w13 = mcu_sxtb16_ror8(wq);
    a->a0 = mcu_smlabb(x01, w02, a->a0);
    a->a1 = mcu_smlatb(x01, w13, a->a1);
    a->a2 = mcu_smlabt(x23, w02, a->a2);
    a->a3 = mcu_smlatt(x23, w13, a->a3);
#else
    a->a0 += x[0] * w[0];
    a->a1 += x[1] * w[1];
    a->a2 += x[2] * w[2];
    a->a3 += x[3] * w[3];
#endif
}

/* Channels [0, out_c rounded down to 4) with depth multiplier 1, four at a time, until a
 * block's requantization has no exact int32 form (mcu_nn_s16_fast_multiplier); *done is set
 * to the channels written, the rest are left to the general loop. */
static MCU_NN_NOINLINE void dw_s16_blocks(
    const dw_s16_layer *l, const int16_t *x, const int8_t *filter, int16_t *output, int32_t *done)
{
    const cmsis_nn_dw_conv_params *p = l->p;
    const int32_t c = l->in->c, in_w = l->in->w, in_h = l->in->h;
    const int32_t k_w = l->f->w, k_h = l->f->h;
    const int32_t taps = k_w * k_h;
    const int32_t lo = p->activation.min, hi = p->activation.max;
    const int32_t x_step = p->dilation.w * c;
    const int32_t y_step = p->dilation.h * in_w * c;
    *done = 0;
    for (int32_t c0 = 0; c0 + 4 <= c; c0 += 4) {
        int32_t fm[4];
        int32_t b[4];
        for (int32_t i = 0; i < 4; i++) {
            const int64_t bias = l->bias != NULL ? l->bias[c0 + i] : 0;
            fm[i] = mcu_nn_s16_fast_multiplier(l->q->multiplier[c0 + i], l->q->shift[c0 + i], bias,
                                               taps);
            if (fm[i] == 0) {
                return;
            }
            b[i] = (int32_t)bias;
        }
        for (int32_t oy = 0; oy < l->out->h; oy++) {
            const int32_t y0 = oy * p->stride.h - p->padding.h;
            int32_t ky_first;
            int32_t ky_end;
            dw_s16_taps(y0, p->dilation.h, in_h, k_h, &ky_first, &ky_end);
            for (int32_t ox = 0; ox < l->out->w; ox++) {
                const int32_t x0 = ox * p->stride.w - p->padding.w;
                int32_t kx_first;
                int32_t kx_end;
                dw_s16_taps(x0, p->dilation.w, in_w, k_w, &kx_first, &kx_end);
                dw_s16_acc4 a = {b[0], b[1], b[2], b[3]};
                const int16_t *xr = x +
                                    ((int64_t)(y0 + ky_first * p->dilation.h) * in_w +
                                     (x0 + kx_first * p->dilation.w)) *
                                        c +
                                    c0;
                const int8_t *wr = filter + ((int64_t)ky_first * k_w + kx_first) * c + c0;
                const int32_t cols = kx_end - kx_first;
                for (int32_t ky = ky_first; ky < ky_end; ky++) {
                    const int16_t *xt = xr;
                    const int8_t *wt = wr;
                    for (int32_t kx = cols; kx > 0; kx--) {
                        dw_s16_tap4(&a, xt, wt);
                        xt += x_step;
                        wt += c;
                    }
                    xr += y_step;
                    wr += (int64_t)k_w * c;
                }
                int16_t *o = output + ((int64_t)oy * l->out->w + ox) * c + c0;
                o[0] = mcu_nn_clamp_s16(mcu_nn_mul_hi_round(a.a0, fm[0]), lo, hi);
                o[1] = mcu_nn_clamp_s16(mcu_nn_mul_hi_round(a.a1, fm[1]), lo, hi);
                o[2] = mcu_nn_clamp_s16(mcu_nn_mul_hi_round(a.a2, fm[2]), lo, hi);
                o[3] = mcu_nn_clamp_s16(mcu_nn_mul_hi_round(a.a3, fm[3]), lo, hi);
            }
        }
        *done = c0 + 4;
    }
}

arm_cmsis_nn_status
arm_depthwise_conv_wrapper_s16(const cmsis_nn_context *ctx,
                               const cmsis_nn_dw_conv_params *dw_conv_params,
                               const cmsis_nn_per_channel_quant_params *quant_params,
                               const cmsis_nn_dims *input_dims,
                               const int16_t *input_data,
                               const cmsis_nn_dims *filter_dims,
                               const int8_t *filter_data,
                               const cmsis_nn_dims *bias_dims,
                               const int64_t *bias_data,
                               const cmsis_nn_dims *output_dims,
                               int16_t *output_data)
{
    (void)ctx;
    (void)bias_dims;
    const int32_t mult = dw_conv_params->ch_mult;
    const int32_t out_c = output_dims->c;
    if (mult < 1 || out_c != input_dims->c * mult) {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const dw_s16_layer l = {dw_conv_params, quant_params, input_dims,
                            filter_dims,    output_dims,  bias_data};
    const int32_t blocks = mult == 1 && filter_dims->w * filter_dims->h <= MCU_NN_S16_EXACT_TAPS;
    const int64_t image = (int64_t)input_dims->h * input_dims->w * input_dims->c;
    const int64_t out_image = (int64_t)output_dims->h * output_dims->w * out_c;
    for (int32_t n = 0; n < input_dims->n; n++) {
        const int16_t *x = input_data + n * image;
        int16_t *out = output_data + n * out_image;
        int32_t done = 0;
        if (blocks) {
            dw_s16_blocks(&l, x, filter_data, out, &done);
        }
        if (done < out_c) {
            dw_s16_general(&l, x, filter_data, out, done);
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
