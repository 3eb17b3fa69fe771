/*
 * mcu_quantize_f32_s16: float32 -> int16, bit-exact with TFLite-Micro's AffineQuantize:
 *   out = clamp(roundf(x / scale) + zero_point, -32768, 32767)
 * as mcu_quantize_f32_s8 (one float32 division, halves away from zero), for int16 outputs.
 * Quotients beyond +-100000 saturate like any out-of-range value and NaN gives -32768.
 */
#include "mcu_nnfunctions.h"
#include "arm_nnsupportfunctions.h"

/* Large enough to saturate int16 for any zero point, small enough to convert to int32. */
#define QUOTIENT_LIMIT 100000.0f

/* roundf() for |q| <= QUOTIENT_LIMIT: q - trunc(q) is exact in float, so no value is
 * misrounded (adding 0.5f would round 0.49999997f up to 1). */
static int32_t round_half_away(const float q)
{
    const int32_t whole = (int32_t)q; /* truncates toward zero */
    const float frac = q - (float)whole;
    if (frac >= 0.5f) {
        return whole + 1;
    }
    if (frac <= -0.5f) {
        return whole - 1;
    }
    return whole;
}

arm_cmsis_nn_status mcu_quantize_f32_s16(const float *input,
                                         int16_t *output,
                                         const int32_t size,
                                         const float scale,
                                         const int32_t zero_point)
{
    int32_t i;
    for (i = 0; i < size; i++) {
        float q = input[i] / scale;
        if (!(q >= -QUOTIENT_LIMIT)) { /* also catches NaN */
            q = -QUOTIENT_LIMIT;
        }
        if (q > QUOTIENT_LIMIT) {
            q = QUOTIENT_LIMIT;
        }
        {
            int32_t out = round_half_away(q) + zero_point;
            out = MAX(out, -32768);
            out = MIN(out, 32767);
            output[i] = (int16_t)out;
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
