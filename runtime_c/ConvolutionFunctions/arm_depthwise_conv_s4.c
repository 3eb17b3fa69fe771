/*
 * mcutool portable runtime: arm_depthwise_conv_s4, int8 depthwise convolution with int4 weights
 * (TFLite DEPTHWISE_CONV_2D with INT4 filters, per-channel requantization), bit-exact with
 * TFLite-Micro.
 *
 * Layouts: input [N, H, W, C_IN], filter [1, HK, WK, C_OUT] packed two weights per byte
 * (element 0 in the low nibble), bias [C_OUT] (int32, may be NULL), output
 * [N, H_OUT, W_OUT, C_OUT] with C_OUT = C_IN * ch_mult; output channel c reads input channel
 * c / ch_mult. No scratch is needed (ctx is not read).
 *
 * Taps that fall in the padding are skipped (they would add (pad + offset) * w = 0). Paths:
 * plain C, two channels at a time with depth multiplier 1 (else one); DSP, the same with the
 * two channels' weights unpacked from their shared byte at once (dw_pair);
 * Helium with ch_mult 1, four channels per vector: their weights gathered from the packed
 * bytes and sign-extended by shifts, their inputs widened to int32, a VMUL and VADD per tap.
 */
#include <stdint.h>

#include "arm_nnfunctions.h"
#include "arm_nnsupportfunctions.h"
#include "Internal/mcu_nn_s4.h"

typedef struct {
    int32_t y0, y1, x0, x1; /* valid taps: ky in [y0, y1), kx in [x0, x1) */
    int32_t base_y, base_x;
} dw_window;

/* One output channel oc over the window's valid taps (any depth multiplier). */
static int32_t dw_channel(const int8_t *input,
                          const cmsis_nn_dims *in,
                          const int8_t *w,
                          const cmsis_nn_dims *f,
                          const cmsis_nn_dw_conv_params *p,
                          const dw_window *win,
                          int32_t oc)
{
    const int32_t ic = oc / p->ch_mult;
    const int32_t off = p->input_offset;
    uint32_t acc = 0;
    for (int32_t ky = win->y0; ky < win->y1; ky++) {
        const int32_t iy = win->base_y + ky * p->dilation.h;
        const int32_t ix0 = win->base_x + win->x0 * p->dilation.w;
        const int8_t *x = input + ((size_t)iy * in->w + (size_t)ix0) * in->c + (size_t)ic;
        int32_t nib = (ky * f->w + win->x0) * f->c + oc;
        for (int32_t kx = win->x0; kx < win->x1; kx++) {
            acc += (uint32_t)(mcu_nn_s4_at(w, nib) * (*x + off));
            x += (size_t)p->dilation.w * in->c;
            nib += f->c;
        }
    }
    return (int32_t)acc;
}

/* Channels oc and oc + 1 of a depth-multiplier-1 layer over the window's valid taps, into
 * acc[0] and acc[1]. Where their two weights share a byte (an even nibble index), the DSP path
 * takes both with one SXTB16 (the nibbles masked into byte lanes 0 and 2: weights times 16)
 * and two halfword multiply-accumulates (SMLABB, SMLATT) against the two inputs widened with
 * the offset by SXTAB16; that sum is 16 times the true one (exact below 65536 taps). */
static void dw_pair(const int8_t *input,
                    const cmsis_nn_dims *in,
                    const int8_t *w,
                    const cmsis_nn_dims *f,
                    const cmsis_nn_dw_conv_params *p,
                    const dw_window *win,
                    int32_t oc,
                    int32_t *acc)
{
    const int32_t off = p->input_offset;
    uint32_t a0 = 0, a1 = 0;
#if MCU_NN_DSP
    const int32_t off_pair = (int32_t)(((uint32_t)off << 16) | ((uint32_t)off & 0xFFFFu));
    int32_t b0 = 0, b1 = 0; /* 16 times the sums of the byte-shared taps */
#endif
    for (int32_t ky = win->y0; ky < win->y1; ky++) {
        const int32_t iy = win->base_y + ky * p->dilation.h;
        const int32_t ix0 = win->base_x + win->x0 * p->dilation.w;
        const int8_t *x = input + ((size_t)iy * in->w + (size_t)ix0) * in->c + (size_t)oc;
        int32_t nib = (ky * f->w + win->x0) * f->c + oc;
        for (int32_t kx = win->x0; kx < win->x1; kx++) {
#if MCU_NN_DSP
            if ((nib & 1) == 0) {
                const uint32_t byte = (uint8_t)w[nib >> 1];
                const int32_t w16 =
                    mcu_sxtb16((int32_t)(((byte << 4) & 0xF0u) | ((byte << 16) & 0x00F00000u)));
                const uint32_t xs = (uint32_t)(uint8_t)x[0] | ((uint32_t)(uint8_t)x[1] << 16);
                const int32_t x16 = mcu_sxtab16(off_pair, (int32_t)xs);
                b0 = mcu_smlabb(w16, x16, b0);
                b1 = mcu_smlatt(w16, x16, b1);
            } else
#endif
            {
                a0 += (uint32_t)(mcu_nn_s4_at(w, nib) * (x[0] + off));
                a1 += (uint32_t)(mcu_nn_s4_at(w, nib + 1) * (x[1] + off));
            }
            x += (size_t)p->dilation.w * in->c;
            nib += f->c;
        }
    }
#if MCU_NN_DSP
    a0 += (uint32_t)(b0 >> 4);
    a1 += (uint32_t)(b1 >> 4);
#endif
    acc[0] = (int32_t)a0;
    acc[1] = (int32_t)a1;
}

#if MCU_NN_MVE
/* Four channels oc .. oc+3 (fewer at the end: n) of a window, ch_mult 1, into acc. */
static void dw_mve_four(const int8_t *input,
                        const cmsis_nn_dims *in,
                        const int8_t *w,
                        const cmsis_nn_dims *f,
                        const cmsis_nn_dw_conv_params *p,
                        const dw_window *win,
                        int32_t oc,
                        int32_t n,
                        int32_t *acc)
{
    static const uint32_t even_bytes[4] = {0, 0, 1, 1};
    static const uint32_t odd_bytes[4] = {0, 1, 1, 2};
    static const int32_t even_shift[4] = {28, 24, 28, 24};
    static const int32_t odd_shift[4] = {24, 28, 24, 28};
    const mve_pred16_t pred = vctp32q((uint32_t)n);
    int32x4_t sum = vdupq_n_s32(0);
    for (int32_t ky = win->y0; ky < win->y1; ky++) {
        const int32_t iy = win->base_y + ky * p->dilation.h;
        for (int32_t kx = win->x0; kx < win->x1; kx++) {
            const int32_t ix = win->base_x + kx * p->dilation.w;
            const int32_t i = (ky * f->w + kx) * f->c + oc; /* nibble of channel oc */
            const int odd = (i & 1) != 0;
            const int32x4_t raw = vldrbq_gather_offset_z_s32(
                w + (i >> 1), vld1q_u32(odd ? odd_bytes : even_bytes), pred);
            const int32x4_t wv =
                vshrq_n_s32(vshlq_s32(raw, vld1q_s32(odd ? odd_shift : even_shift)), 28);
            const int8_t *x = input + ((size_t)iy * in->w + (size_t)ix) * in->c + (size_t)oc;
            const int32x4_t xv = vaddq_n_s32(vldrbq_z_s32(x, pred), p->input_offset);
            sum = vaddq_s32(sum, vmulq_s32(xv, wv));
        }
    }
    vst1q_s32(acc, sum);
}
#endif

arm_cmsis_nn_status arm_depthwise_conv_s4(const cmsis_nn_context *ctx,
                                          const cmsis_nn_dw_conv_params *dw_conv_params,
                                          const cmsis_nn_per_channel_quant_params *quant_params,
                                          const cmsis_nn_dims *input_dims,
                                          const int8_t *input_data,
                                          const cmsis_nn_dims *filter_dims,
                                          const int8_t *packed_filter,
                                          const cmsis_nn_dims *bias_dims,
                                          const int32_t *bias_data,
                                          const cmsis_nn_dims *output_dims,
                                          int8_t *output_data)
{
    (void)ctx;
    (void)bias_dims;
    const cmsis_nn_dw_conv_params *p = dw_conv_params;
    const int32_t out_c = output_dims->c;
    if (p->ch_mult < 1 || out_c != input_dims->c * p->ch_mult || filter_dims->c != out_c) {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const int32_t lo = p->activation.min, hi = p->activation.max;
    const size_t in_batch = (size_t)input_dims->h * input_dims->w * input_dims->c;
    for (int32_t b = 0; b < input_dims->n; b++) {
        const int8_t *input = input_data + (size_t)b * in_batch;
        for (int32_t oy = 0; oy < output_dims->h; oy++) {
            dw_window win;
            win.base_y = oy * p->stride.h - p->padding.h;
            win.y0 = 0;
            win.y1 = filter_dims->h;
            while (win.y0 < win.y1 && win.base_y + win.y0 * p->dilation.h < 0) {
                win.y0++;
            }
            while (win.y1 > win.y0 && win.base_y + (win.y1 - 1) * p->dilation.h >= input_dims->h) {
                win.y1--;
            }
            for (int32_t ox = 0; ox < output_dims->w; ox++) {
                win.base_x = ox * p->stride.w - p->padding.w;
                win.x0 = 0;
                win.x1 = filter_dims->w;
                while (win.x0 < win.x1 && win.base_x + win.x0 * p->dilation.w < 0) {
                    win.x0++;
                }
                while (win.x1 > win.x0 &&
                       win.base_x + (win.x1 - 1) * p->dilation.w >= input_dims->w) {
                    win.x1--;
                }
                int32_t oc = 0;
#if MCU_NN_MVE
                if (p->ch_mult == 1) {
                    for (; oc < out_c; oc += 4) {
                        int32_t acc[4];
                        const int32_t n = out_c - oc < 4 ? out_c - oc : 4;
                        dw_mve_four(input, input_dims, packed_filter, filter_dims, p, &win, oc, n,
                                    acc);
                        for (int32_t j = 0; j < n; j++) {
                            output_data[oc + j] = mcu_nn_s4_out(
                                acc[j], bias_data != NULL ? bias_data[oc + j] : 0,
                                quant_params->multiplier[oc + j], quant_params->shift[oc + j],
                                p->output_offset, lo, hi);
                        }
                    }
                }
#endif
                if (p->ch_mult == 1) {
                    for (; oc + 1 < out_c; oc += 2) {
                        int32_t acc[2];
                        dw_pair(input, input_dims, packed_filter, filter_dims, p, &win, oc, acc);
                        for (int32_t j = 0; j < 2; j++) {
                            output_data[oc + j] = mcu_nn_s4_out(
                                acc[j], bias_data != NULL ? bias_data[oc + j] : 0,
                                quant_params->multiplier[oc + j], quant_params->shift[oc + j],
                                p->output_offset, lo, hi);
                        }
                    }
                }
                for (; oc < out_c; oc++) {
                    const int32_t acc =
                        dw_channel(input, input_dims, packed_filter, filter_dims, p, &win, oc);
                    output_data[oc] = mcu_nn_s4_out(
                        acc, bias_data != NULL ? bias_data[oc] : 0, quant_params->multiplier[oc],
                        quant_params->shift[oc], p->output_offset, lo, hi);
                }
                output_data += out_c;
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
