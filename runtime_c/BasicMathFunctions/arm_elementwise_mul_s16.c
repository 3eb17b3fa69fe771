/*
 * arm_elementwise_mul_s16: 16x8 MUL of two same-shape int16 tensors, with CMSIS-NN's signature
 * and TFLite-Micro's MulElementwise arithmetic on int16 (bit-exact with its reference kernel):
 *   out = clamp(MultiplyByQuantizedMultiplier((q1 + off1) * (q2 + off2), mult, shift) + out_offset)
 * with offsets 0 (TFLite's int16 zero points) and the clamp within [-32768, 32767].
 * The output may alias either input.
 */
#include "arm_nnfunctions.h"
#include "mcu_nnfunctions.h"
#include "arm_nnsupportfunctions.h"

arm_cmsis_nn_status arm_elementwise_mul_s16(const int16_t *input_1_vect,
                                            const int16_t *input_2_vect,
                                            const int32_t input_1_offset,
                                            const int32_t input_2_offset,
                                            int16_t *output,
                                            const int32_t out_offset,
                                            const int32_t out_mult,
                                            const int32_t out_shift,
                                            const int32_t out_activation_min,
                                            const int32_t out_activation_max,
                                            const int32_t block_size)
{
    /* A flat vector is the broadcast case with equal shapes. */
    const cmsis_nn_dims flat = {1, 1, 1, block_size};
    return mcu_broadcast_mul_s16(&flat, input_1_vect, &flat, input_2_vect, input_1_offset,
                                 input_2_offset, &flat, output, out_offset, out_mult, out_shift,
                                 out_activation_min, out_activation_max);
}
