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
 * ctx->buf: arm_depthwise_conv_wrapper_s8_get_buffer_size() bytes, 4-byte aligned (the widened
 * filter of the packed code path; when ctx or its buffer is NULL the portable path runs).
 *
 * Method: for each output pixel the range of filter taps that land inside the image is worked
 * out once, so the multiply loops walk only valid taps with no per-tap bounds test. With
 * ch_mult 1 (the common case) four channels share each pass over the taps; with the DSP
 * extension they are widened to int16 pairs and multiplied by halfword (SMLABB/SMLATT); with
 * Helium (MVE), eight channels per vector step, requantized per lane (see dw_mve_pixel).
 */
#include <stdint.h>
#include <string.h>

#include "arm_nnfunctions.h"
#include "arm_nnsupportfunctions.h"
#include "Internal/mcu_nn_dsp.h"

/* First and one-past-last tap index k in [0, taps) with 0 <= base + k * dilation < size. */
static void dw_valid_taps(
    int32_t base, int32_t dilation, int32_t size, int32_t taps, int32_t *first, int32_t *last)
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
    /* for the row walk of the packed path */
    int32_t in_w, out_w, k_w, taps, dil_x, stride_x, pad_x;
} dw_consts;

/* The output stage of one accumulator. Callers pass the constants as values: int8 stores may
 * alias anything, so fields read through k would be reloaded after every store. */
static inline int8_t dw_output(
    int32_t acc, int32_t mult, int32_t shift, int32_t out_offset, int32_t act_min, int32_t act_max)
{
    acc = arm_nn_requantize(acc, mult, shift) + out_offset;
    acc = acc < act_min ? act_min : acc;
    acc = acc > act_max ? act_max : acc;
    return (int8_t)acc;
}

static inline int8_t dw_requantize(int32_t acc, const dw_consts *k, int32_t oc)
{
    return dw_output(acc, k->mult[oc], k->shift[oc], k->out_offset, k->act_min, k->act_max);
}

#if !MCU_NN_MVE
/* One channel of one output pixel (ch_mult 1): acc plus its n_y x n_x valid taps, in_tap and
 * f_tap at the channel's top-left valid tap. */
static int32_t dw_channel(const dw_consts *k,
                          const int8_t *in_tap,
                          const int8_t *f_tap,
                          int32_t n_y,
                          int32_t n_x,
                          int32_t acc)
{
    for (int32_t ky = 0; ky < n_y; ky++) {
        for (int32_t kx = 0; kx < n_x; kx++) {
            acc += f_tap[kx * k->out_c] * (in_tap[kx * k->in_step_x] + k->in_offset);
        }
        in_tap += k->in_step_y;
        f_tap += k->f_step_y;
    }
    return acc;
}
#endif

#if MCU_NN_DSP && !MCU_NN_MVE
/* The packed path (Arm DSP extension), for ch_mult 1. The filter's whole channel quads are
 * widened once per call into ctx->buf: for quad q and tap t (row-major over HK x WK), words
 * 2 * (q * taps + t) and 2 * (q * taps + t) + 1 hold channels 0, 2 and 1, 3 of the quad as
 * int16 pairs. A tap of four channels then costs one input word, widened with the offset added
 * (SXTAB16), one LDRD of filter pairs and four halfword multiplies (SMLABB / SMLATT). */
static void dw_widen_filter(int32_t *wide, const int8_t *filter, int32_t taps, int32_t channels)
{
    for (int32_t c = 0; c + 3 < channels; c += 4) {
        for (int32_t t = 0; t < taps; t++) {
            const int32_t w = mcu_nn_read_s8x4(filter + (size_t)t * channels + c);
            wide[0] = mcu_sxtb16(w);
            wide[1] = mcu_sxtb16_ror8(w);
            wide += 2;
        }
    }
}

typedef struct {
    int32_t a0, a1, a2, a3;
} dw_acc4;

/* One tap of four channels; returns the next tap's filter pairs. */
static inline const int32_t *
dw_tap_quad(dw_acc4 *acc, const int8_t *ip, const int32_t *wp, int32_t off_pair)
{
    int32_t w02, w13;
    const int32_t x = mcu_nn_read_s8x4(ip);
    wp = mcu_nn_read_pair_ia(wp, &w02, &w13);
    const int32_t x02 = mcu_sxtab16(off_pair, x), x13 = mcu_sxtab16_ror8(off_pair, x);
    acc->a0 = mcu_smlabb(x02, w02, acc->a0);
    acc->a2 = mcu_smlatt(x02, w02, acc->a2);
    acc->a1 = mcu_smlabb(x13, w13, acc->a1);
    acc->a3 = mcu_smlatt(x13, w13, acc->a3);
    return wp;
}

/* One output row. in_rows: the input row of the first valid filter row (x 0, channel 0);
 * ky0, n_y: that filter row and the number of valid ones. Kept out of line so that its loops
 * get the registers. */
static MCU_NN_NOINLINE void dw_row_wide(const dw_consts *k,
                                        const int32_t *wide,
                                        const int8_t *filter,
                                        const int8_t *in_rows,
                                        int32_t ky0,
                                        int32_t n_y,
                                        int8_t *out)
{
    const int32_t channels = k->out_c, taps = k->taps;
    const int32_t step_x = k->in_step_x, step_y = k->in_step_y;
    const int32_t zp = k->out_offset;
    const int32_t *bias = k->bias, *mult = k->mult, *shift = k->shift;
    const int32_t off_pair =
        (int32_t)(((uint32_t)k->in_offset << 16) | ((uint32_t)k->in_offset & 0xFFFFu));
    const int32_t lo4 = (int32_t)((uint32_t)(uint8_t)k->act_min * 0x01010101u);
    const int32_t hi4 = (int32_t)((uint32_t)(uint8_t)k->act_max * 0x01010101u);
    const int32_t full_range = k->act_min == INT8_MIN && k->act_max == INT8_MAX;
    for (int32_t ox = 0; ox < k->out_w; ox++, out += channels) {
        const int32_t base_x = ox * k->stride_x - k->pad_x;
        int32_t kx0 = 0, kx1 = k->k_w;
        if (base_x < 0 || base_x + (k->k_w - 1) * k->dil_x >= k->in_w) {
            dw_valid_taps(base_x, k->dil_x, k->in_w, k->k_w, &kx0, &kx1);
        }
        /* A window that misses the image has no taps: the output is the bias alone. */
        const int32_t n_x = kx0 < kx1 ? kx1 - kx0 : 0;
        const int32_t rows = n_x > 0 ? n_y : 0;
        const int8_t *in_px =
            rows > 0 ? in_rows + (size_t)(base_x + kx0 * k->dil_x) * k->in_c : in_rows;
        const int32_t tap0 = rows > 0 ? ky0 * k->k_w + kx0 : 0;
        const int32_t w_skip =
            2 * (k->k_w - n_x); /* filter words from a row's last valid tap to the next's first */
        int32_t c = 0;
        for (; c + 3 < channels; c += 4) {
            dw_acc4 acc = {0, 0, 0, 0};
            if (bias != NULL) {
                acc.a0 = bias[c];
                acc.a1 = bias[c + 1];
                acc.a2 = bias[c + 2];
                acc.a3 = bias[c + 3];
            }
            const int8_t *ip = in_px + c;
            const int32_t *wp = wide + 2 * ((c >> 2) * taps + tap0);
            if (n_x == 3 && w_skip == 0) {
                /* whole rows of three taps (3x3 filters): unrolled, one pointer walking the
                 * input, so that everything stays in registers */
                const int32_t row_skip = step_y - 2 * step_x;
                for (int32_t ky = rows; ky > 0; ky--) {
                    wp = dw_tap_quad(&acc, ip, wp, off_pair);
                    ip += step_x;
                    mcu_nn_barrier();
                    wp = dw_tap_quad(&acc, ip, wp, off_pair);
                    ip += step_x;
                    mcu_nn_barrier();
                    wp = dw_tap_quad(&acc, ip, wp, off_pair);
                    ip += row_skip;
                }
            } else {
                for (int32_t ky = rows; ky > 0; ky--) {
                    const int8_t *p = ip;
                    for (int32_t kx = n_x; kx > 0; kx--) {
                        wp = dw_tap_quad(&acc, p, wp, off_pair);
                        p += step_x;
                    }
                    ip += step_y;
                    wp += w_skip;
                }
            }
            /* requantize, saturate to int8 (all the clamping the usual [-128, 127] range
             * needs), clamp all four lanes at once, one word store */
            const int32_t r0 = mcu_ssat8(arm_nn_requantize(acc.a0, mult[c], shift[c]) + zp);
            const int32_t r1 = mcu_ssat8(arm_nn_requantize(acc.a1, mult[c + 1], shift[c + 1]) + zp);
            const int32_t r2 = mcu_ssat8(arm_nn_requantize(acc.a2, mult[c + 2], shift[c + 2]) + zp);
            const int32_t r3 = mcu_ssat8(arm_nn_requantize(acc.a3, mult[c + 3], shift[c + 3]) + zp);
            int32_t packed = mcu_nn_pack_s8x4(r0, r1, r2, r3);
            if (!full_range) {
                packed = mcu_clamp_s8x4(packed, lo4, hi4);
            }
            memcpy(out + c, &packed, 4);
        }
        /* the last channels (out_c not a multiple of 4) straight from the int8 filter */
        for (; c < channels; c++) {
            const int32_t acc = dw_channel(k, in_px + c, filter + (size_t)tap0 * channels + c, rows,
                                           n_x, bias != NULL ? bias[c] : 0);
            out[c] = dw_output(acc, mult[c], shift[c], zp, k->act_min, k->act_max);
        }
    }
}
#endif

#if MCU_NN_MVE
/* Helium (MVE) path for ch_mult 1: eight channels per step as int16 lanes (input plus offset
 * fits: [-255, 255]), multiplied into int32 by VMULLB (even lanes) and VMULLT (odd lanes);
 * the last channels use predicated loads (zeroed lanes, no access past the end) and stores. */

/* arm_nn_requantize() per lane, each lane with its own multiplier and shift of either sign:
 * left shift by max(s, 0) (VSHL wraps like the scalar code), VQRDMULH (the doubling high
 * multiply rounded half up; it saturates only for INT32_MIN * INT32_MIN, which a multiplier
 * >= 0 never meets), then for s < 0 a rounding right shift made to round half away from zero
 * by first adding -1 to negative values, as mcu_nn_round_shift_right() does. */
static inline int32x4_t dw_mve_requantize(int32x4_t acc, int32x4_t m, int32x4_t s)
{
    const int32x4_t zero = vdupq_n_s32(0);
    const int32x4_t right = vminq_s32(s, zero);
    int32x4_t v = vqrdmulhq_s32(vshlq_s32(acc, vmaxq_s32(s, zero)), m);
    /* the sign bit of v & right is set when v < 0 and the shift is to the right */
    v = vaddq_s32(v, vshrq_n_s32(vandq_s32(v, right), 31));
    return vrshlq_s32(v, right);
}

/* Output stage of the channels c + lanes (lane offsets 0, 2, 4, 6 or 1, 3, 5, 7). */
static inline void dw_mve_store(
    const dw_consts *k, int32x4_t acc, int32_t c, uint32x4_t lanes, mve_pred16_t p, int8_t *out)
{
    const int32x4_t m = vldrwq_gather_shifted_offset_z_s32(k->mult + c, lanes, p);
    const int32x4_t s = vldrwq_gather_shifted_offset_z_s32(k->shift + c, lanes, p);
    int32x4_t v = vaddq_n_s32(dw_mve_requantize(acc, m, s), k->out_offset);
    v = vminq_s32(vmaxq_s32(v, vdupq_n_s32(k->act_min)), vdupq_n_s32(k->act_max));
    vstrbq_scatter_offset_p_s32(out + c, lanes, v, p);
}

/* One output pixel with ch_mult == 1. in_tap and f_tap point at the top-left valid tap
 * (channel 0); n_y x n_x valid taps. */
static void dw_mve_pixel(const dw_consts *k,
                         const int8_t *in_tap,
                         const int8_t *f_tap,
                         int32_t n_y,
                         int32_t n_x,
                         int8_t *out)
{
    const int32_t channels = k->out_c;
    const int32_t step_x = k->in_step_x, step_y = k->in_step_y, f_step_y = k->f_step_y;
    const int16_t off = (int16_t)k->in_offset;
    const uint32x4_t even = vidupq_n_u32(0, 2), odd = vidupq_n_u32(1, 2);
    const mve_pred16_t all = vctp32q(4);
    int32_t c = 0;
    /* sixteen channels per step while they last: half the pointer and loop overhead per tap */
    for (; c + 16 <= channels; c += 16) {
        int32x4_t e0 = vdupq_n_s32(0), o0 = vdupq_n_s32(0), e1 = vdupq_n_s32(0),
                  o1 = vdupq_n_s32(0);
        if (k->bias != NULL) {
            e0 = vldrwq_gather_shifted_offset_s32(k->bias + c, even);
            o0 = vldrwq_gather_shifted_offset_s32(k->bias + c, odd);
            e1 = vldrwq_gather_shifted_offset_s32(k->bias + c + 8, even);
            o1 = vldrwq_gather_shifted_offset_s32(k->bias + c + 8, odd);
        }
        const int8_t *in_row = in_tap + c;
        const int8_t *f_row = f_tap + c;
        for (int32_t ky = 0; ky < n_y; ky++) {
            const int8_t *ip = in_row;
            const int8_t *fp = f_row;
            for (int32_t kx = 0; kx < n_x; kx++) {
                const int16x8_t x0 = vaddq_n_s16(vldrbq_s16(ip), off);
                const int16x8_t w0 = vldrbq_s16(fp);
                e0 = vaddq_s32(e0, vmullbq_int_s16(x0, w0));
                o0 = vaddq_s32(o0, vmulltq_int_s16(x0, w0));
                const int16x8_t x1 = vaddq_n_s16(vldrbq_s16(ip + 8), off);
                const int16x8_t w1 = vldrbq_s16(fp + 8);
                e1 = vaddq_s32(e1, vmullbq_int_s16(x1, w1));
                o1 = vaddq_s32(o1, vmulltq_int_s16(x1, w1));
                ip += step_x;
                fp += channels;
            }
            in_row += step_y;
            f_row += f_step_y;
        }
        dw_mve_store(k, e0, c, even, all, out);
        dw_mve_store(k, o0, c, odd, all, out);
        dw_mve_store(k, e1, c + 8, even, all, out);
        dw_mve_store(k, o1, c + 8, odd, all, out);
    }
    for (; c < channels; c += 8) {
        const int32_t rem = channels - c;
        const mve_pred16_t p16 = vctp16q((uint32_t)rem);
        const mve_pred16_t p_even = vctp32q((uint32_t)(rem + 1) >> 1);
        const mve_pred16_t p_odd = vctp32q((uint32_t)rem >> 1);
        int32x4_t acc_even = vdupq_n_s32(0), acc_odd = vdupq_n_s32(0);
        if (k->bias != NULL) {
            acc_even = vldrwq_gather_shifted_offset_z_s32(k->bias + c, even, p_even);
            acc_odd = vldrwq_gather_shifted_offset_z_s32(k->bias + c, odd, p_odd);
        }
        const int8_t *in_row = in_tap + c;
        const int8_t *f_row = f_tap + c;
        for (int32_t ky = 0; ky < n_y; ky++) {
            const int8_t *ip = in_row;
            const int8_t *fp = f_row;
            if (rem >= 8) {
                for (int32_t kx = 0; kx < n_x; kx++) {
                    const int16x8_t x = vaddq_n_s16(vldrbq_s16(ip), off);
                    const int16x8_t w = vldrbq_s16(fp);
                    acc_even = vaddq_s32(acc_even, vmullbq_int_s16(x, w));
                    acc_odd = vaddq_s32(acc_odd, vmulltq_int_s16(x, w));
                    ip += step_x;
                    fp += channels;
                }
            } else {
                /* lanes past the last channel: filter 0, so they add nothing */
                for (int32_t kx = 0; kx < n_x; kx++) {
                    const int16x8_t x = vaddq_n_s16(vldrbq_z_s16(ip, p16), off);
                    const int16x8_t w = vldrbq_z_s16(fp, p16);
                    acc_even = vaddq_s32(acc_even, vmullbq_int_s16(x, w));
                    acc_odd = vaddq_s32(acc_odd, vmulltq_int_s16(x, w));
                    ip += step_x;
                    fp += channels;
                }
            }
            in_row += step_y;
            f_row += f_step_y;
        }
        dw_mve_store(k, acc_even, c, even, p_even, out);
        dw_mve_store(k, acc_odd, c, odd, p_odd, out);
    }
}
#endif

#if !MCU_NN_MVE
/* One output pixel with ch_mult == 1: four channels at a time share the tap loop. in_tap and
 * f_tap point at the top-left valid tap (channel 0); n_y x n_x valid taps. */
static void dw_pixel_mult1(const dw_consts *k,
                           const int8_t *in_tap,
                           const int8_t *f_tap,
                           int32_t n_y,
                           int32_t n_x,
                           int8_t *out)
{
    const int32_t channels = k->out_c;
    const int32_t off = k->in_offset;
    const int32_t step_x = k->in_step_x, step_y = k->in_step_y, f_step_y = k->f_step_y;
    const int32_t zp = k->out_offset, lo = k->act_min, hi = k->act_max;
    const int32_t *bias = k->bias, *mult = k->mult, *shift = k->shift;
    int32_t c = 0;
    for (; c + 3 < channels; c += 4) {
        int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        if (bias != NULL) {
            a0 = bias[c];
            a1 = bias[c + 1];
            a2 = bias[c + 2];
            a3 = bias[c + 3];
        }
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
                ip += step_x;
                fp += channels;
            }
            in_row += step_y;
            f_row += f_step_y;
        }
        out[c] = dw_output(a0, mult[c], shift[c], zp, lo, hi);
        out[c + 1] = dw_output(a1, mult[c + 1], shift[c + 1], zp, lo, hi);
        out[c + 2] = dw_output(a2, mult[c + 2], shift[c + 2], zp, lo, hi);
        out[c + 3] = dw_output(a3, mult[c + 3], shift[c + 3], zp, lo, hi);
    }
    for (; c < channels; c++) {
        const int32_t acc =
            dw_channel(k, in_tap + c, f_tap + c, n_y, n_x, bias != NULL ? bias[c] : 0);
        out[c] = dw_output(acc, mult[c], shift[c], zp, lo, hi);
    }
}
#endif

/* One output pixel, any ch_mult: output channel ic * ch_mult + m reads input channel ic. */
static void dw_pixel_generic(const dw_consts *k,
                             const int8_t *in_tap,
                             const int8_t *f_tap,
                             int32_t n_y,
                             int32_t n_x,
                             int8_t *out)
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
    (void)ctx; /* used by the packed path only */
    (void)bias_dims;

    const int32_t in_h = input_dims->h;
    const int32_t in_w = input_dims->w;
    const int32_t in_c = input_dims->c;
    const int32_t k_h = filter_dims->h;
    const int32_t k_w = filter_dims->w;
    const int32_t out_h = output_dims->h;
    const int32_t out_w = output_dims->w;
    const int32_t out_c = output_dims->c;
    /* filter_dims->c is not read (CMSIS-NN does not read it either: ARM's unit tests leave it
     * unset); the filter's depth is out_c. */
    if (dw_conv_params->ch_mult < 1 || out_c != in_c * dw_conv_params->ch_mult) {
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
    k.in_w = in_w;
    k.out_w = out_w;
    k.k_w = k_w;
    k.taps = k_h * k_w;
    k.dil_x = dil_x;
    k.stride_x = stride_x;
    k.pad_x = pad_x;

#if MCU_NN_DSP && !MCU_NN_MVE
    /* The packed path needs the widened filter in ctx->buf (4-byte aligned, size as
     * arm_depthwise_conv_wrapper_s8_get_buffer_size()); without it the portable code below
     * gives the same results, more slowly. */
    const int32_t wide_bytes = k.taps * (out_c & ~3) * (int32_t)sizeof(int16_t);
    if (k.ch_mult == 1 && out_c >= 4 && ctx != NULL && ctx->buf != NULL &&
        ctx->size >= wide_bytes && ((uintptr_t)ctx->buf & 3u) == 0) {
        int32_t *wide = (int32_t *)ctx->buf;
        dw_widen_filter(wide, filter_data, k.taps, out_c);
        for (int32_t b = 0; b < input_dims->n; b++) {
            const int8_t *input = input_data + (size_t)b * in_h * in_w * in_c;
            int8_t *out = output_data + (size_t)b * out_h * out_w * out_c;
            for (int32_t oy = 0; oy < out_h; oy++) {
                const int32_t base_y = oy * stride_y - pad_y;
                int32_t ky0, ky1;
                dw_valid_taps(base_y, dil_y, in_h, k_h, &ky0, &ky1);
                const int32_t n_y = ky0 < ky1 ? ky1 - ky0 : 0;
                const int8_t *in_rows =
                    n_y > 0 ? input + (size_t)(base_y + ky0 * dil_y) * in_w * in_c : input;
                dw_row_wide(&k, wide, filter_data, in_rows, ky0, n_y, out);
                out += (size_t)out_w * out_c;
            }
        }
        return ARM_CMSIS_NN_SUCCESS;
    }
#endif

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
                    in_tap +=
                        ((size_t)(base_y + ky0 * dil_y) * in_w + (size_t)(base_x + kx0 * dil_x)) *
                        in_c;
                    f_tap += ((size_t)ky0 * k_w + (size_t)kx0) * out_c;
                    n_y = ky1 - ky0;
                    n_x = kx1 - kx0;
                }
                if (k.ch_mult == 1) {
#if MCU_NN_MVE
                    dw_mve_pixel(&k, in_tap, f_tap, n_y, n_x, out);
#else
                    dw_pixel_mult1(&k, in_tap, f_tap, n_y, n_x, out);
#endif
                } else {
                    dw_pixel_generic(&k, in_tap, f_tap, n_y, n_x, out);
                }
                out += out_c;
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
