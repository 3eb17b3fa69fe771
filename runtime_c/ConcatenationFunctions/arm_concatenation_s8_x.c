/*
 * mcutool runtime: arm_concatenation_s8_x -- copy one int8 tensor into its place along the
 * x axis of a concatenated output, CMSIS-NN's signature. Call it once per input, with
 * offset_x the sum of the x sizes of the inputs before it.
 *
 * CMSIS-NN names the axes from the innermost out: x (NHWC's C), y (W), z (H), w (N); the
 * input is [input_w][input_z][input_y][input_x]. TFLite-Micro concatenates int8 by copying
 * the raw bytes (no requantization), which is what this does.
 * Ranges: all sizes >= 1, offset_x + input_x <= output_x. Input and output must not overlap.
 */
#include <string.h>

#include "arm_nnfunctions.h"

void arm_concatenation_s8_x(const int8_t *input,
                            const uint16_t input_x,
                            const uint16_t input_y,
                            const uint16_t input_z,
                            const uint16_t input_w,
                            int8_t *output,
                            const uint16_t output_x,
                            const uint32_t offset_x)
{
    const uint32_t rows = (uint32_t)input_y * input_z * input_w;

    output += offset_x;
    for (uint32_t i = 0; i < rows; i++) {
        memcpy(output, input, input_x);
        input += input_x;
        output += output_x;
    }
}
