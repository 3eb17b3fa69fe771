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
#include "mcu_nnfunctions.h"
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
    /* A flat vector is the broadcast case with equal shapes. */
    const cmsis_nn_dims flat = {1, 1, 1, block_size};
    return mcu_broadcast_mul_s8(&flat, input_1_vect, &flat, input_2_vect, input_1_offset,
                                input_2_offset, &flat, output, out_offset, out_mult, out_shift,
                                out_activation_min, out_activation_max);
}
