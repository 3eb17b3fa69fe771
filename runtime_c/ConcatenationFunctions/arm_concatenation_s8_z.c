/*
 * mcutool runtime: arm_concatenation_s8_z -- copy one int8 tensor into its place along the
 * z axis of a concatenated output, CMSIS-NN's signature. Call it once per input, with
 * offset_z the sum of the z sizes of the inputs before it.
 *
 * CMSIS-NN names the axes from the innermost out: x (NHWC's C), y (W), z (H), w (N); the
 * input is [input_w][input_z][input_y][input_x]. TFLite-Micro concatenates int8 by copying
 * the raw bytes (no requantization), which is what this does.
 * Ranges: all sizes >= 1, offset_z + input_z <= output_z. Input and output must not overlap.
 */
#include <string.h>

#include "arm_nnfunctions.h"

void arm_concatenation_s8_z(const int8_t *input,
                            const uint16_t input_x,
                            const uint16_t input_y,
                            const uint16_t input_z,
                            const uint16_t input_w,
                            int8_t *output,
                            const uint16_t output_z,
                            const uint32_t offset_z)
{
    const size_t plane = (size_t)input_x * input_y;
    const size_t block_bytes = plane * input_z;
    const size_t out_stride = plane * output_z;

    output += (size_t)offset_z * plane;
    for (uint32_t i = 0; i < input_w; i++) {
        memcpy(output, input, block_bytes);
        input += block_bytes;
        output += out_stride;
    }
}
