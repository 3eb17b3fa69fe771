/*
 * mcutool portable runtime: arm_depthwise_conv_s8, int8 depthwise 2-D convolution (TFLite
 * DEPTHWISE_CONV_2D, per-channel requantization), bit-exact with TFLite-Micro's reference
 * DepthwiseConvPerChannel.
 *
 * Layouts: input [N, H, W, C_IN], filter [1, HK, WK, C_OUT] with C_OUT = C_IN * ch_mult,
 * bias [C_OUT] (int32, may be NULL), output [N, H_OUT, W_OUT, C_OUT]. Output channel
 * ic * ch_mult + m reads input channel ic.
 * Ranges: dw_conv_params->input_offset in [-127, 128] (= -input zero point), output_offset in
 * [-128, 127], activation within [-128, 127]; ch_mult, stride, dilation >= 1; padding >= 0.
 * No scratch: ctx may be NULL or have a NULL buffer.
 *
 * Method: for each output pixel the range of filter taps that land inside the image is worked
 * out once, so the multiply loops walk only valid taps with no per-tap bounds test. With
 * ch_mult 1 (the common case) four channels share each pass over the taps.
 */
#include <string.h>

#include "arm_nnfunctions.h"
#include "arm_nnsupportfunctions.h"

/* First and one-past-last tap index k in [0, taps) with 0 <= base + k * dilation < size. */
static void dw_valid_taps(int32_t base, int32_t dilation, int32_t size, int32_t taps, int32_t *first,
                          int32_t *last)
{
    int32_t lo = 0;
    if (base < 0) {
        lo = (-base + dilation - 1) / dilation;
    }
    int32_t hi = 0;
    if (size - base > 0) {
        hi = (size - base + dilation - 1) / dilation;
    }
    *first = lo;
    *last = MIN(hi, taps);
}

typedef struct {
    int32_t in_step_x, in_step_y; /* input elements between valid taps along x and y */
    int32_t f_step_y;             /* filter elements between filter rows */
    int32_t in_c, out_c, ch_mult;
    int32_t in_offset, out_offset, act_min, act_max;
    const int32_t *bias, *mult, *shift;
} dw_consts;

static inline int8_t dw_requantize(int32_t acc, const dw_consts *k, int32_t oc)
{
    acc = arm_nn_requantize(acc, k->mult[oc], k->shift[oc]) + k->out_offset;
    acc = MAX(acc, k->act_min);
    acc = MIN(acc, k->act_max);
    return (int8_t)acc;
}

/* One output pixel with ch_mult == 1: four channels at a time share the tap loop. in_tap and
 * f_tap point at the top-left valid tap (channel 0); n_y x n_x valid taps. */
static void dw_pixel_mult1(const dw_consts *k, const int8_t *in_tap, const int8_t *f_tap, int32_t n_y,
                           int32_t n_x, int8_t *out)
{
    const int32_t channels = k->out_c;
    const int32_t off = k->in_offset;
    int32_t c = 0;
    for (; c + 3 < channels; c += 4) {
        int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        const int8_t *in_row = in_tap + c;
        const int8_t *f_row = f_tap + c;
        for (int32_t ky = 0; ky < n_y; ky++) {
            const int8_t *ip = in_row;
            const int8_t *fp = f_row;
            for (int32_t kx = 0; kx < n_x; kx++) {
                a0 += fp[0] * (ip[0] + off);
                a1 += fp[1] * (ip[1] + off);
                a2 += fp[2] * (ip[2] + off);
                a3 += fp[3] * (ip[3] + off);
                ip += k->in_step_x;
                fp += channels;
            }
            in_row += k->in_step_y;
            f_row += k->f_step_y;
        }
        if (k->bias != NULL) {
            a0 += k->bias[c];
            a1 += k->bias[c + 1];
            a2 += k->bias[c + 2];
            a3 += k->bias[c + 3];
        }
        out[c] = dw_requantize(a0, k, c);
        out[c + 1] = dw_requantize(a1, k, c + 1);
        out[c + 2] = dw_requantize(a2, k, c + 2);
        out[c + 3] = dw_requantize(a3, k, c + 3);
    }
    for (; c < channels; c++) {
        int32_t acc = 0;
        const int8_t *in_row = in_tap + c;
        const int8_t *f_row = f_tap + c;
        for (int32_t ky = 0; ky < n_y; ky++) {
            for (int32_t kx = 0; kx < n_x; kx++) {
                acc += f_row[kx * channels] * (in_row[kx * k->in_step_x] + off);
            }
            in_row += k->in_step_y;
            f_row += k->f_step_y;
        }
        if (k->bias != NULL) {
            acc += k->bias[c];
        }
        out[c] = dw_requantize(acc, k, c);
    }
}

/* One output pixel, any ch_mult: output channel ic * ch_mult + m reads input channel ic. */
static void dw_pixel_generic(const dw_consts *k, const int8_t *in_tap, const int8_t *f_tap, int32_t n_y,
                             int32_t n_x, int8_t *out)
{
    for (int32_t ic = 0; ic < k->in_c; ic++) {
        for (int32_t m = 0; m < k->ch_mult; m++) {
            const int32_t oc = ic * k->ch_mult + m;
            int32_t acc = 0;
            const int8_t *in_row = in_tap + ic;
            const int8_t *f_row = f_tap + oc;
            for (int32_t ky = 0; ky < n_y; ky++) {
                const int8_t *ip = in_row;
                const int8_t *fp = f_row;
                for (int32_t kx = 0; kx < n_x; kx++) {
                    acc += (int32_t)(*fp) * ((int32_t)(*ip) + k->in_offset);
                    ip += k->in_step_x;
                    fp += k->out_c;
                }
                in_row += k->in_step_y;
                f_row += k->f_step_y;
            }
            if (k->bias != NULL) {
                acc += k->bias[oc];
            }
            out[oc] = dw_requantize(acc, k, oc);
        }
    }
}

arm_cmsis_nn_status arm_depthwise_conv_s8(const cmsis_nn_context *ctx,
                                          const cmsis_nn_dw_conv_params *dw_conv_params,
                                          const cmsis_nn_per_channel_quant_params *quant_params,
                                          const cmsis_nn_dims *input_dims,
                                          const int8_t *input_data,
                                          const cmsis_nn_dims *filter_dims,
                                          const int8_t *filter_data,
                                          const cmsis_nn_dims *bias_dims,
                                          const int32_t *bias_data,
                                          const cmsis_nn_dims *output_dims,
                                          int8_t *output_data)
{
    (void)ctx;
    (void)bias_dims;

    const int32_t in_h = input_dims->h;
    const int32_t in_w = input_dims->w;
    const int32_t in_c = input_dims->c;
    const int32_t k_h = filter_dims->h;
    const int32_t k_w = filter_dims->w;
    const int32_t out_h = output_dims->h;
    const int32_t out_w = output_dims->w;
    const int32_t out_c = output_dims->c;
    if (dw_conv_params->ch_mult < 1 || out_c != in_c * dw_conv_params->ch_mult || filter_dims->c != out_c) {
        return ARM_CMSIS_NN_ARG_ERROR;
    }

    const int32_t stride_y = dw_conv_params->stride.h;
    const int32_t stride_x = dw_conv_params->stride.w;
    const int32_t pad_y = dw_conv_params->padding.h;
    const int32_t pad_x = dw_conv_params->padding.w;
    const int32_t dil_y = dw_conv_params->dilation.h;
    const int32_t dil_x = dw_conv_params->dilation.w;

    dw_consts k;
    k.in_step_x = dil_x * in_c;
    k.in_step_y = dil_y * in_w * in_c;
    k.f_step_y = k_w * out_c;
    k.in_c = in_c;
    k.out_c = out_c;
    k.ch_mult = dw_conv_params->ch_mult;
    k.in_offset = dw_conv_params->input_offset;
    k.out_offset = dw_conv_params->output_offset;
    k.act_min = dw_conv_params->activation.min;
    k.act_max = dw_conv_params->activation.max;
    k.bias = bias_data;
    k.mult = quant_params->multiplier;
    k.shift = quant_params->shift;

    for (int32_t b = 0; b < input_dims->n; b++) {
        const int8_t *input = input_data + (size_t)b * in_h * in_w * in_c;
        int8_t *out = output_data + (size_t)b * out_h * out_w * out_c;
        for (int32_t oy = 0; oy < out_h; oy++) {
            const int32_t base_y = oy * stride_y - pad_y;
            int32_t ky0, ky1;
            dw_valid_taps(base_y, dil_y, in_h, k_h, &ky0, &ky1);
            for (int32_t ox = 0; ox < out_w; ox++) {
                const int32_t base_x = ox * stride_x - pad_x;
                int32_t kx0, kx1;
                dw_valid_taps(base_x, dil_x, in_w, k_w, &kx0, &kx1);
                /* Top-left valid tap, for channel 0. A window that misses the image entirely
                 * has no taps: the output is the bias alone. */
                const int8_t *in_tap = input;
                const int8_t *f_tap = filter_data;
                int32_t n_y = 0, n_x = 0;
                if (ky0 < ky1 && kx0 < kx1) {
                    in_tap += ((size_t)(base_y + ky0 * dil_y) * in_w + (size_t)(base_x + kx0 * dil_x)) * in_c;
                    f_tap += ((size_t)ky0 * k_w + (size_t)kx0) * out_c;
                    n_y = ky1 - ky0;
                    n_x = kx1 - kx0;
                }
                if (k.ch_mult == 1) {
                    dw_pixel_mult1(&k, in_tap, f_tap, n_y, n_x, out);
                } else {
                    dw_pixel_generic(&k, in_tap, f_tap, n_y, n_x, out);
                }
                out += out_c;
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
