/*
 * mcutool portable runtime: int8 kernels that CMSIS-NN does not provide (TFLite-Micro's
 * reference kernels for these ops), named mcu_<op>_<type>. They use the CMSIS-NN structs, so
 * they link beside ARM's CMSIS-NN as well as beside this runtime.
 */
#ifndef MCU_NNFUNCTIONS_H
#define MCU_NNFUNCTIONS_H

#include <stdint.h>

#include "arm_nn_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ==== convolution, depthwise, fully connected ==== */

/* ==== pooling, mean ==== */

/* int8 MEAN over the NHWC dimensions where output_dims is 1 and input_dims is not (TFLM's
 * QuantizedMeanOrSum): out = clamp(requantize(sum + input_offset * count, multiplier, shift)
 * + output_offset, -128, 127), with 1/count already folded into multiplier/shift. */
arm_cmsis_nn_status mcu_mean_s8(const cmsis_nn_dims *input_dims,
                                const int8_t *input_data,
                                const cmsis_nn_dims *output_dims,
                                int8_t *output_data,
                                const int32_t input_offset,
                                const int32_t output_offset,
                                const int32_t multiplier,
                                const int32_t shift);

/* ==== elementwise add/sub/mul, relu family, quantize/dequantize ==== */

/* ==== softmax, logistic, tanh, hard swish ==== */

/* int8 table lookup: output[i] = lut[input[i] + 128] for i < size; lut has 256 entries.
 * Used for LOGISTIC, TANH and HARD_SWISH, whose tables mcutool computes with TFLM's exact
 * arithmetic. input and output may alias. ActivationFunctions/mcu_lut_s8.c */
void mcu_lut_s8(const int8_t *input, const int32_t size, const int8_t *lut, int8_t *output);

/* ==== data movement: pad, concatenation ==== */

#ifdef __cplusplus
}
#endif

#endif
