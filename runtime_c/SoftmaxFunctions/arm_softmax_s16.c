/*
 * mcutool portable runtime: arm_softmax_s16, 16x8 SOFTMAX (int16 input with zero point 0,
 * output (1/32768, 0)), bit-exact with TFLite-Micro's reference SoftmaxInt16:
 *   - each input minus its row's maximum, scaled by mult/shift (input_scale * beta mapped so
 *     that [-65535, 0] covers [-10, 0]) and recentred to int16, goes through the exp table;
 *   - the sum of the exps, normalised to [0.5, 1), goes through the 1 / (1 + x) table;
 *   - each exp times that reciprocal, shifted back by the normalisation, is the output.
 * Both tables have 513 int16 entries (softmax_params; mcutool computes them as TFLite-Micro
 * does). Rows are read twice instead of keeping the exps, so no scratch is needed and the
 * output may alias the input.
 */
#include <stddef.h>

#include "arm_nnfunctions.h"
#include "arm_nnsupportfunctions.h"

/* TFLite's interpolating lookup: the top 9 bits of value pick an entry, the low 7 interpolate
 * towards the next one. */
static int16_t lut_lookup_s16(int16_t value, const int16_t *lut)
{
    const int32_t index = 256 + (value >> 7);
    const int32_t offset = value & 0x7f;
    const int32_t base = lut[index];
    const int16_t slope = (int16_t)(lut[index + 1] - lut[index]);
    return (int16_t)(base + ((slope * offset + 64) >> 7));
}

static int16_t saturate_s16(int32_t v)
{
    return (int16_t)(v < -32768 ? -32768 : (v > 32767 ? 32767 : v));
}

static int16_t exp_of(int16_t x, int16_t max, int32_t mult, int32_t shift, const int16_t *lut)
{
    const int32_t scaled = arm_nn_requantize(x - max, mult, shift);
    return lut_lookup_s16(saturate_s16(scaled + 32767), lut);
}

static int32_t count_leading_zeros(uint32_t x)
{
    int32_t n = 0;
    while (n < 32 && (x & 0x80000000u) == 0) {
        x <<= 1;
        n++;
    }
    return n;
}

arm_cmsis_nn_status arm_softmax_s16(const int16_t *input,
                                    const int32_t num_rows,
                                    const int32_t row_size,
                                    const int32_t mult,
                                    const int32_t shift,
                                    const cmsis_nn_softmax_lut_s16 *softmax_params,
                                    int16_t *output)
{
    const int16_t *exp_lut = softmax_params->exp_lut;
    if (exp_lut == NULL || softmax_params->one_by_one_lut == NULL) {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    for (int32_t row = 0; row < num_rows; row++) {
        const int16_t *in = input + row * row_size;
        int16_t *out = output + row * row_size;
        int16_t max = INT16_MIN;
        for (int32_t j = 0; j < row_size; j++) {
            max = MAX(max, in[j]);
        }
        int32_t sum = 0;
        for (int32_t j = 0; j < row_size; j++) {
            sum += exp_of(in[j], max, mult, shift, exp_lut);
        }
        /* The largest input's exp is about 32767, so the sum has at most 17 leading zeros. */
        const int32_t headroom_plus_one = count_leading_zeros((uint32_t)sum);
        const int32_t shifted_sum =
            (int32_t)((((int64_t)sum << (headroom_plus_one - 1)) + (1 << 13)) >> 14);
        /* 1 / (1 + x) with x = sum - 1, recentred from [0, 65535] to int16 */
        const int16_t reciprocal = lut_lookup_s16(
            saturate_s16(shifted_sum - ((1 << 15) + (1 << 16))), softmax_params->one_by_one_lut);
        const int32_t right_shift = 31 - headroom_plus_one;
        const int64_t round = (int64_t)1 << (right_shift - 1);
        for (int32_t j = 0; j < row_size; j++) {
            const int64_t e = exp_of(in[j], max, mult, shift, exp_lut);
            const int32_t result = (int32_t)((e * reciprocal + round) >> right_shift);
            out[j] = (int16_t)MIN(MAX(result, 0), 32767);
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
