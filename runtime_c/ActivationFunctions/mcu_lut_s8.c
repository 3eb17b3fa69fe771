/*
 * mcutool runtime: mcu_lut_s8 -- int8 -> int8 table lookup, for unary ops such as LOGISTIC,
 * TANH and HARD_SWISH.
 *
 * output[i] = lut[input[i] + 128]. The 256-entry table is computed by mcutool's lowering with
 * TFLite-Micro's exact integer arithmetic for every possible input, so the result is
 * bit-exact with TFLite-Micro's reference kernel whatever the quantization parameters.
 *
 * Ranges: size >= 0; lut has 256 entries, lut[0] for input -128 ... lut[255] for input 127.
 * input and output may be the same buffer.
 */
#include "mcu_nnfunctions.h"

void mcu_lut_s8(const int8_t *input, const int32_t size, const int8_t *lut, int8_t *output)
{
    int32_t i;
    for (i = 0; i < size; i++) {
        output[i] = lut[(int32_t)input[i] + 128];
    }
}
