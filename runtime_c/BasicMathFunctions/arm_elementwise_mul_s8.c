/*
 * arm_elementwise_mul_s8: int8 MUL of two same-shape tensors, with CMSIS-NN's signature and
 * TFLite-Micro's MulElementwise arithmetic (bit-exact with its reference kernel):
 *   out = clamp(MultiplyByQuantizedMultiplier((q1 + off1) * (q2 + off2), mult, shift) + out_offset)
 *   input_*_offset     -input zero point, [-127, 128]
 *   out_offset         output zero point, [-128, 127]
 *   out_mult/shift     QuantizeMultiplier(in1_scale * in2_scale / out_scale): mult in
 *                      [2^30, 2^31) or 0, shift in [-31, 30] (positive = left)
 *   out_activation_min/max  fused-activation clamp, -128 <= min <= max <= 127
 *   block_size         number of elements (>= 0)
 * The output may alias either input.
 */
#include "arm_nnfunctions.h"
#include "arm_nnsupportfunctions.h"

arm_cmsis_nn_status arm_elementwise_mul_s8(const int8_t *input_1_vect,
                                           const int8_t *input_2_vect,
                                           const int32_t input_1_offset,
                                           const int32_t input_2_offset,
                                           int8_t *output,
                                           const int32_t out_offset,
                                           const int32_t out_mult,
                                           const int32_t out_shift,
                                           const int32_t out_activation_min,
                                           const int32_t out_activation_max,
                                           const int32_t block_size)
{
    int32_t i;
    for (i = 0; i < block_size; i++) {
        /* |product| <= 256 * 256: no overflow. */
        const int32_t product = (input_1_vect[i] + input_1_offset) * (input_2_vect[i] + input_2_offset);
        int32_t out = arm_nn_requantize(product, out_mult, out_shift) + out_offset;
        out = MAX(out, out_activation_min);
        out = MIN(out, out_activation_max);
        output[i] = (int8_t)out;
    }
    return ARM_CMSIS_NN_SUCCESS;
}
