/*
 * mcutool runtime: arm_concatenation_s8_w -- copy one int8 tensor into its place along the
 * w axis of a concatenated output, CMSIS-NN's signature. Call it once per input, with
 * offset_w the sum of the w sizes of the inputs before it.
 *
 * CMSIS-NN names the axes from the innermost out: x (NHWC's C), y (W), z (H), w (N); the
 * input is [input_w][input_z][input_y][input_x]. TFLite-Micro concatenates int8 by copying
 * the raw bytes (no requantization), which is what this does.
 * Ranges: all sizes >= 1, the output holds at least offset_w + input_w batches. Input and output must not overlap.
 */
#include <string.h>

#include "arm_nnfunctions.h"

void arm_concatenation_s8_w(const int8_t *input,
                            const uint16_t input_x,
                            const uint16_t input_y,
                            const uint16_t input_z,
                            const uint16_t input_w,
                            int8_t *output,
                            const uint32_t offset_w)
{
    const size_t batch_bytes = (size_t)input_x * input_y * input_z;

    memcpy(output + (size_t)offset_w * batch_bytes, input, batch_bytes * input_w);
}
