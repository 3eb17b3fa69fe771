/*
 * mcutool portable runtime: arm_max_pool_s16, 16x8 MAX_POOL_2D (int16 NHWC, input and output
 * sharing one scale), bit-exact with TFLite-Micro's reference MaxPool for int16: the largest
 * code in the window clipped to the image, then the activation clamp. No scratch is used.
 *
 * Channels are contiguous in NHWC, so each output pixel is taken a block of channels at a
 * time: the block's running maximum stays in registers while the window is walked. With
 * Helium a block is eight lanes (VMAXQ, the last one tail-predicated); with the DSP extension
 * eight channels in four words (SSUB16 + SEL per pair), then pairs; single channels otherwise.
 */
#include <stddef.h>

#include "Internal/mcu_nn_s16.h"
#include "arm_nnfunctions.h"
#include "arm_nnsupportfunctions.h"

/* The window of one output pixel: its first element, rows x cols taps, row_step elements from
 * one row to the next and step (the channel count) from one tap to the next. */
typedef struct {
    const int16_t *first;
    int32_t rows;
    int32_t cols;
    int32_t row_step;
    int32_t step;
} mcu_pool_window;

#if MCU_NN_DSP && !MCU_NN_MVE
/* The larger of each int16 lane of a and b. SSUB16 sets GE per lane from the exact 17-bit
 * difference, so no lane wraps. */
static inline int32_t mcu_max_s16x2(int32_t a, int32_t b)
{
#if MCU_NN_DSP_NATIVE
    int32_t t;
    __asm__("ssub16 %1, %0, %2\n\t"
            "sel %0, %0, %2"
            : "+r"(a), "=&r"(t)
            : "r"(b)
            : "cc");
    return a;
#else
    const int32_t lo = MAX(mcu_nn_lo16(a), mcu_nn_lo16(b));
    const int32_t hi = MAX(mcu_nn_hi16(a), mcu_nn_hi16(b));
    return mcu_nn_pack16(lo, hi);
#endif
}

/* The smaller of each int16 lane of a and b. */
static inline int32_t mcu_min_s16x2(int32_t a, int32_t b)
{
#if MCU_NN_DSP_NATIVE
    int32_t t;
    __asm__("ssub16 %1, %0, %2\n\t"
            "sel %0, %2, %0"
            : "+r"(a), "=&r"(t)
            : "r"(b)
            : "cc");
    return a;
#else
    const int32_t lo = MIN(mcu_nn_lo16(a), mcu_nn_lo16(b));
    const int32_t hi = MIN(mcu_nn_hi16(a), mcu_nn_hi16(b));
    return mcu_nn_pack16(lo, hi);
#endif
}

/* Two int16 from any halfword-aligned address (one LDR where unaligned access is allowed). */
static inline int32_t mcu_read_s16x2(const int16_t *p)
{
    int32_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static inline void mcu_write_s16x2(int16_t *p, int32_t v)
{
    memcpy(p, &v, sizeof(v));
}

/* v in both lanes */
static inline int32_t mcu_splat_s16x2(int32_t v)
{
    return (int32_t)(((uint32_t)v << 16) | ((uint32_t)v & 0xFFFFu));
}
#endif

/* All channels of one output pixel. */
static void max_pixel(
    const mcu_pool_window *w, int32_t channels, int32_t act_min, int32_t act_max, int16_t *out)
{
    int32_t ch = 0;
#if MCU_NN_MVE
    const int16x8_t lo = vdupq_n_s16((int16_t)act_min);
    const int16x8_t hi = vdupq_n_s16((int16_t)act_max);
    for (; ch < channels; ch += 8) {
        const mve_pred16_t p = vctp16q((uint32_t)(channels - ch));
        const int16_t *row = w->first + ch;
        int16x8_t m = vdupq_n_s16(INT16_MIN);
        for (int32_t y = 0; y < w->rows; y++, row += w->row_step) {
            const int16_t *tap = row;
            for (int32_t x = 0; x < w->cols; x++, tap += w->step) {
                m = vmaxq_s16(m, vldrhq_z_s16(tap, p));
            }
        }
        vstrhq_p_s16(out + ch, vminq_s16(vmaxq_s16(m, lo), hi), p);
    }
#elif MCU_NN_DSP
    const int32_t lo = mcu_splat_s16x2(act_min);
    const int32_t hi = mcu_splat_s16x2(act_max);
    const int32_t floor = mcu_splat_s16x2(INT16_MIN);
    for (; ch + 8 <= channels; ch += 8) {
        const int16_t *row = w->first + ch;
        int32_t m0 = floor, m1 = floor, m2 = floor, m3 = floor;
        for (int32_t y = 0; y < w->rows; y++, row += w->row_step) {
            const int16_t *tap = row;
            for (int32_t x = w->cols; x > 0; x--, tap += w->step) {
                m0 = mcu_max_s16x2(m0, mcu_read_s16x2(tap));
                m1 = mcu_max_s16x2(m1, mcu_read_s16x2(tap + 2));
                m2 = mcu_max_s16x2(m2, mcu_read_s16x2(tap + 4));
                m3 = mcu_max_s16x2(m3, mcu_read_s16x2(tap + 6));
            }
        }
        mcu_write_s16x2(out + ch, mcu_min_s16x2(mcu_max_s16x2(m0, lo), hi));
        mcu_write_s16x2(out + ch + 2, mcu_min_s16x2(mcu_max_s16x2(m1, lo), hi));
        mcu_write_s16x2(out + ch + 4, mcu_min_s16x2(mcu_max_s16x2(m2, lo), hi));
        mcu_write_s16x2(out + ch + 6, mcu_min_s16x2(mcu_max_s16x2(m3, lo), hi));
    }
    for (; ch + 2 <= channels; ch += 2) {
        const int16_t *row = w->first + ch;
        int32_t m = floor;
        for (int32_t y = 0; y < w->rows; y++, row += w->row_step) {
            const int16_t *tap = row;
            for (int32_t x = w->cols; x > 0; x--, tap += w->step) {
                m = mcu_max_s16x2(m, mcu_read_s16x2(tap));
            }
        }
        mcu_write_s16x2(out + ch, mcu_min_s16x2(mcu_max_s16x2(m, lo), hi));
    }
#endif
    for (; ch < channels; ch++) {
        const int16_t *row = w->first + ch;
        int32_t m = INT16_MIN;
        for (int32_t y = 0; y < w->rows; y++, row += w->row_step) {
            const int16_t *tap = row;
            for (int32_t x = w->cols; x > 0; x--, tap += w->step) {
                m = MAX(m, (int32_t)*tap);
            }
        }
        out[ch] = mcu_nn_clamp_s16(m, act_min, act_max);
    }
}

arm_cmsis_nn_status arm_max_pool_s16(const cmsis_nn_context *ctx,
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
                max_pixel(&w, channels, pool_params->activation.min, pool_params->activation.max,
                          output_data);
                output_data += channels;
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
