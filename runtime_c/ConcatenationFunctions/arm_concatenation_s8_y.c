/*
 * mcutool runtime: arm_concatenation_s8_y -- copy one int8 tensor into its place along the
 * y axis of a concatenated output, CMSIS-NN's signature. Call it once per input, with
 * offset_y the sum of the y sizes of the inputs before it.
 *
 * CMSIS-NN names the axes from the innermost out: x (NHWC's C), y (W), z (H), w (N); the
 * input is [input_w][input_z][input_y][input_x]. TFLite-Micro concatenates int8 by copying
 * the raw bytes (no requantization), which is what this does.
 * Ranges: all sizes >= 1, offset_y + input_y <= output_y. Input and output must not overlap.
 */
#include <string.h>

#include "arm_nnfunctions.h"

void arm_concatenation_s8_y(const int8_t *input,
                            const uint16_t input_x,
                            const uint16_t input_y,
                            const uint16_t input_z,
                            const uint16_t input_w,
                            int8_t *output,
                            const uint16_t output_y,
                            const uint32_t offset_y)
{
    const uint32_t blocks = (uint32_t)input_z * input_w;
    const size_t block_bytes = (size_t)input_x * input_y;
    const size_t out_stride = (size_t)input_x * output_y;

    output += (size_t)offset_y * input_x;
    for (uint32_t i = 0; i < blocks; i++) {
        memcpy(output, input, block_bytes);
        input += block_bytes;
        output += out_stride;
    }
}
