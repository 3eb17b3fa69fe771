/*
 * mcutool portable runtime: arm_avgpool_s16, 16x8 AVERAGE_POOL_2D (int16 NHWC, input and output
 * sharing one scale), bit-exact with TFLite-Micro's reference AveragePool for int16: an int32
 * sum over the window clipped to the image, divided by the number of taps rounding halves away
 * from zero, then the activation clamp. No scratch is used (ctx is ignored). Exact whenever
 * the int32 sum is, as in TFLite-Micro (always for windows of fewer than 65536 taps).
 *
 * Channels are contiguous in NHWC, so each output pixel is taken a block of channels at a
 * time, its int32 sums in registers while the window is walked: with Helium eight channels
 * (two widening loads of four lanes, tail-predicated; the division by a multiply-high, below),
 * with the DSP extension eight channels in four word loads (each word's halves added to two
 * sums), then pairs; single channels otherwise. The sums are exact either way, and every
 * division gives the portable one's quotient.
 */
#include <stddef.h>

#include "Internal/mcu_nn_s16.h"
#include "arm_nnfunctions.h"
#include "arm_nnsupportfunctions.h"

/* TFLite's rounding division (halves away from zero), then the activation clamp. */
static inline int16_t average_s16(int32_t sum, int32_t count, int32_t act_min, int32_t act_max)
{
    const int32_t avg = sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
    return mcu_nn_clamp_s16(avg, act_min, act_max);
}

#if MCU_NN_MVE
/* Division by a count (1 to 2^31 - 1) as a high multiply and shifts (Granlund and Montgomery
 * 1994, figure 4.1), exact for every uint32 dividend: with l = ceil(log2 count), magic =
 * floor(2^32 * (2^l - count) / count) + 1 and t = (n * magic) >> 32, n / count is
 * (t + ((n - t) >> sh1)) >> sh2, sh1 = min(l, 1), sh2 = max(l - 1, 0). Helium has no vector
 * division. */
typedef struct {
    int32_t count;
    uint32_t magic;
    int32_t sh1;
    int32_t sh2;
} mcu_divider;

static void divider_set(mcu_divider *d, int32_t count)
{
    const uint32_t c = (uint32_t)count;
    int32_t l = 0;
    while ((1u << l) < c) {
        l++;
    }
    const uint32_t r = (1u << l) - c; /* < count */
    uint32_t q;
    if (c <= 0xFFFFu) {
        /* floor(2^32 * r / count) in two 16-bit steps of 32-bit division (no library call) */
        const uint32_t q1 = (r << 16) / c;
        const uint32_t q0 = (((r << 16) % c) << 16) / c;
        q = (q1 << 16) | q0;
    } else {
        q = (uint32_t)(((uint64_t)r << 32) / c);
    }
    d->count = count;
    d->magic = q + 1u;
    d->sh1 = l > 0 ? 1 : 0;
    d->sh2 = l > 0 ? l - 1 : 0;
}

/* average_s16 on four lanes: |sum| + count / 2 divided, the sign put back (truncating division
 * is symmetric), then the clamp. |sum| <= 2^31 as a uint32 (VABS leaves INT32_MIN as 2^31), and
 * n = |sum| + count / 2 < 2^32. */
static inline int32x4_t
average_s32x4(int32x4_t sum, const mcu_divider *d, int32_t act_min, int32_t act_max)
{
    const uint32x4_t n =
        vaddq_n_u32(vreinterpretq_u32_s32(vabsq_s32(sum)), (uint32_t)(d->count / 2));
    const uint32x4_t t = vmulhq_u32(n, vdupq_n_u32(d->magic));
    const uint32x4_t q = vshlq_r_u32(vaddq_u32(t, vshlq_r_u32(vsubq_u32(n, t), -d->sh1)), -d->sh2);
    int32x4_t avg = vreinterpretq_s32_u32(q);
    avg = vpselq_s32(vnegq_s32(avg), avg, vcmpltq_n_s32(sum, 0));
    return vminq_s32(vmaxq_s32(avg, vdupq_n_s32(act_min)), vdupq_n_s32(act_max));
}
#endif

#if MCU_NN_DSP && !MCU_NN_MVE
/* Two int16 from any halfword-aligned address (one LDR where unaligned access is allowed). */
static inline int32_t mcu_read_s16x2(const int16_t *p)
{
    int32_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

/* The low and high int16 of a word (SXTAH and ADD with ASR #16 where they exist). */
static inline int32_t mcu_lo_s16(int32_t v)
{
    return (int16_t)((uint32_t)v & 0xFFFFu);
}

static inline int32_t mcu_hi_s16(int32_t v)
{
    return (int16_t)((uint32_t)v >> 16);
}
#endif

/* The window of one output pixel: its first element, rows x cols taps, row_step elements from
 * one row to the next and step (the channel count) from one tap to the next; with Helium the
 * division by its tap count. */
typedef struct {
    const int16_t *first;
    int32_t rows;
    int32_t cols;
    int32_t row_step;
    int32_t step;
#if MCU_NN_MVE
    mcu_divider div;
#endif
} mcu_pool_window;

/* All channels of one output pixel. */
static void average_pixel(
    const mcu_pool_window *w, int32_t channels, int32_t act_min, int32_t act_max, int16_t *out)
{
    const int32_t count = w->rows * w->cols;
    int32_t ch = 0;
#if MCU_NN_MVE
    const mcu_divider *div = &w->div;
    for (; ch < channels; ch += 8) {
        const mve_pred16_t p0 = vctp32q((uint32_t)(channels - ch));
        const mve_pred16_t p1 = vctp32q((uint32_t)MAX(channels - ch - 4, 0));
        const int16_t *row = w->first + ch;
        int32x4_t s0 = vdupq_n_s32(0);
        int32x4_t s1 = vdupq_n_s32(0);
        for (int32_t y = 0; y < w->rows; y++, row += w->row_step) {
            const int16_t *tap = row;
            for (int32_t x = 0; x < w->cols; x++, tap += w->step) {
                s0 = vaddq_s32(s0, vldrhq_z_s32(tap, p0));
                s1 = vaddq_s32(s1, vldrhq_z_s32(tap + 4, p1));
            }
        }
        vstrhq_p_s32(out + ch, average_s32x4(s0, div, act_min, act_max), p0);
        vstrhq_p_s32(out + ch + 4, average_s32x4(s1, div, act_min, act_max), p1);
    }
#elif MCU_NN_DSP
    for (; ch + 8 <= channels; ch += 8) {
        const int16_t *row = w->first + ch;
        int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        for (int32_t y = 0; y < w->rows; y++, row += w->row_step) {
            const int16_t *tap = row;
            for (int32_t x = w->cols; x > 0; x--, tap += w->step) {
                const int32_t v01 = mcu_read_s16x2(tap);
                const int32_t v23 = mcu_read_s16x2(tap + 2);
                const int32_t v45 = mcu_read_s16x2(tap + 4);
                const int32_t v67 = mcu_read_s16x2(tap + 6);
                s0 += mcu_lo_s16(v01);
                s1 += mcu_hi_s16(v01);
                s2 += mcu_lo_s16(v23);
                s3 += mcu_hi_s16(v23);
                s4 += mcu_lo_s16(v45);
                s5 += mcu_hi_s16(v45);
                s6 += mcu_lo_s16(v67);
                s7 += mcu_hi_s16(v67);
            }
        }
        out[ch] = average_s16(s0, count, act_min, act_max);
        out[ch + 1] = average_s16(s1, count, act_min, act_max);
        out[ch + 2] = average_s16(s2, count, act_min, act_max);
        out[ch + 3] = average_s16(s3, count, act_min, act_max);
        out[ch + 4] = average_s16(s4, count, act_min, act_max);
        out[ch + 5] = average_s16(s5, count, act_min, act_max);
        out[ch + 6] = average_s16(s6, count, act_min, act_max);
        out[ch + 7] = average_s16(s7, count, act_min, act_max);
    }
    for (; ch + 2 <= channels; ch += 2) {
        const int16_t *row = w->first + ch;
        int32_t s0 = 0, s1 = 0;
        for (int32_t y = 0; y < w->rows; y++, row += w->row_step) {
            const int16_t *tap = row;
            for (int32_t x = w->cols; x > 0; x--, tap += w->step) {
                const int32_t v = mcu_read_s16x2(tap);
                s0 += mcu_lo_s16(v);
                s1 += mcu_hi_s16(v);
            }
        }
        out[ch] = average_s16(s0, count, act_min, act_max);
        out[ch + 1] = average_s16(s1, count, act_min, act_max);
    }
#endif
    for (; ch < channels; ch++) {
        const int16_t *row = w->first + ch;
        int32_t sum = 0;
        for (int32_t y = 0; y < w->rows; y++, row += w->row_step) {
            const int16_t *tap = row;
            for (int32_t x = w->cols; x > 0; x--, tap += w->step) {
                sum += *tap;
            }
        }
        out[ch] = average_s16(sum, count, act_min, act_max);
    }
}

arm_cmsis_nn_status arm_avgpool_s16(const cmsis_nn_context *ctx,
                                    const cmsis_nn_pool_params *pool_params,
                                    const cmsis_nn_dims *input_dims,
                                    const int16_t *input_data,
                                    const cmsis_nn_dims *filter_dims,
                                    const cmsis_nn_dims *output_dims,
                                    int16_t *output_data)
{
    (void)ctx;
    const int32_t in_h = input_dims->h;
    const int32_t in_w = input_dims->w;
    const int32_t channels = input_dims->c;
    if (input_dims->n < 1) {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    mcu_pool_window w;
#if MCU_NN_MVE
    divider_set(&w.div, 1);
#endif
    w.row_step = in_w * channels;
    w.step = channels;
    for (int32_t batch = 0; batch < input_dims->n; batch++) {
        const int16_t *in = input_data + (size_t)batch * in_h * in_w * channels;
        for (int32_t oy = 0; oy < output_dims->h; oy++) {
            const int32_t origin_y = oy * pool_params->stride.h - pool_params->padding.h;
            const int32_t y_start = MAX(0, origin_y);
            const int32_t y_end = MIN(in_h, origin_y + filter_dims->h);
            for (int32_t ox = 0; ox < output_dims->w; ox++) {
                const int32_t origin_x = ox * pool_params->stride.w - pool_params->padding.w;
                const int32_t x_start = MAX(0, origin_x);
                const int32_t x_end = MIN(in_w, origin_x + filter_dims->w);
                if (y_end <= y_start || x_end <= x_start) {
                    return ARM_CMSIS_NN_ARG_ERROR;
                }
                w.first = in + ((size_t)y_start * in_w + x_start) * channels;
                w.rows = y_end - y_start;
                w.cols = x_end - x_start;
#if MCU_NN_MVE
                /* the magic number changes only where the window is clipped */
                if (w.div.count != w.rows * w.cols) {
                    divider_set(&w.div, w.rows * w.cols);
                }
#endif
                average_pixel(&w, channels, pool_params->activation.min,
                              pool_params->activation.max, output_data);
                output_data += channels;
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
