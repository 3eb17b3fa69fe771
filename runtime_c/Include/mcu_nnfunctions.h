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

/* -- codebook weights: int8 weights stored as 1- to 4-bit indices (a little-endian bit stream,
 * index i in bits [i * bits, (i + 1) * bits)) into an int8 table. Arguments as the s8 kernels',
 * the filter given as (indices, table, index_bits); each decodes one output channel's weights
 * into ctx->buf at a time (conv: h * w * filter depth bytes, depthwise: h * w, fully connected:
 * depth), never the whole layer. ConvolutionFunctions/mcu_convolve_codebook_s8.c */
arm_cmsis_nn_status mcu_convolve_codebook_s8(const cmsis_nn_context *ctx,
                                             const cmsis_nn_conv_params *conv_params,
                                             const cmsis_nn_per_channel_quant_params *quant_params,
                                             const cmsis_nn_dims *input_dims,
                                             const int8_t *input_data,
                                             const cmsis_nn_dims *filter_dims,
                                             const uint8_t *filter_indices,
                                             const int8_t *filter_table,
                                             const int32_t index_bits,
                                             const cmsis_nn_dims *bias_dims,
                                             const int32_t *bias_data,
                                             const cmsis_nn_dims *output_dims,
                                             int8_t *output_data);

/* ConvolutionFunctions/mcu_depthwise_conv_codebook_s8.c */
arm_cmsis_nn_status
mcu_depthwise_conv_codebook_s8(const cmsis_nn_context *ctx,
                               const cmsis_nn_dw_conv_params *dw_conv_params,
                               const cmsis_nn_per_channel_quant_params *quant_params,
                               const cmsis_nn_dims *input_dims,
                               const int8_t *input_data,
                               const cmsis_nn_dims *filter_dims,
                               const uint8_t *filter_indices,
                               const int8_t *filter_table,
                               const int32_t index_bits,
                               const cmsis_nn_dims *bias_dims,
                               const int32_t *bias_data,
                               const cmsis_nn_dims *output_dims,
                               int8_t *output_data);

/* Per-channel parameters (a per-tensor scale repeated per unit).
 * FullyConnectedFunctions/mcu_fully_connected_codebook_s8.c */
arm_cmsis_nn_status
mcu_fully_connected_codebook_s8(const cmsis_nn_context *ctx,
                                const cmsis_nn_fc_params *fc_params,
                                const cmsis_nn_per_channel_quant_params *quant_params,
                                const cmsis_nn_dims *input_dims,
                                const int8_t *input_data,
                                const cmsis_nn_dims *filter_dims,
                                const uint8_t *filter_indices,
                                const int8_t *filter_table,
                                const int32_t index_bits,
                                const cmsis_nn_dims *bias_dims,
                                const int32_t *bias_data,
                                const cmsis_nn_dims *output_dims,
                                int8_t *output_data);

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

/* int8 SUB (input 1 - input 2) of two same-shape tensors: arm_elementwise_add_s8's parameters
 * and arithmetic with the scaled second input subtracted (TFLM SubElementwise).
 * BasicMathFunctions/mcu_elementwise_sub_s8.c */
arm_cmsis_nn_status mcu_elementwise_sub_s8(const int8_t *input_1_vect,
                                           const int8_t *input_2_vect,
                                           const int32_t input_1_offset,
                                           const int32_t input_1_mult,
                                           const int32_t input_1_shift,
                                           const int32_t input_2_offset,
                                           const int32_t input_2_mult,
                                           const int32_t input_2_shift,
                                           const int32_t left_shift,
                                           int8_t *output,
                                           const int32_t out_offset,
                                           const int32_t out_mult,
                                           const int32_t out_shift,
                                           const int32_t out_activation_min,
                                           const int32_t out_activation_max,
                                           const int32_t block_size);

/* int8 ADD / SUB with TFLite broadcasting (TFLM BroadcastAdd4DSlow / BroadcastQuantSubSlow):
 * NHWC dims, each input dim equal to the output's or 1 (repeated). Arithmetic and parameters as
 * arm_elementwise_add_s8. The output may alias an input of the output's dims.
 * BasicMathFunctions/mcu_broadcast_add_s8.c, mcu_broadcast_sub_s8.c */
arm_cmsis_nn_status mcu_broadcast_add_s8(const cmsis_nn_dims *input_1_dims,
                                         const int8_t *input_1_data,
                                         const cmsis_nn_dims *input_2_dims,
                                         const int8_t *input_2_data,
                                         const int32_t input_1_offset,
                                         const int32_t input_1_mult,
                                         const int32_t input_1_shift,
                                         const int32_t input_2_offset,
                                         const int32_t input_2_mult,
                                         const int32_t input_2_shift,
                                         const int32_t left_shift,
                                         const cmsis_nn_dims *output_dims,
                                         int8_t *output_data,
                                         const int32_t out_offset,
                                         const int32_t out_mult,
                                         const int32_t out_shift,
                                         const int32_t out_activation_min,
                                         const int32_t out_activation_max);

arm_cmsis_nn_status mcu_broadcast_sub_s8(const cmsis_nn_dims *input_1_dims,
                                         const int8_t *input_1_data,
                                         const cmsis_nn_dims *input_2_dims,
                                         const int8_t *input_2_data,
                                         const int32_t input_1_offset,
                                         const int32_t input_1_mult,
                                         const int32_t input_1_shift,
                                         const int32_t input_2_offset,
                                         const int32_t input_2_mult,
                                         const int32_t input_2_shift,
                                         const int32_t left_shift,
                                         const cmsis_nn_dims *output_dims,
                                         int8_t *output_data,
                                         const int32_t out_offset,
                                         const int32_t out_mult,
                                         const int32_t out_shift,
                                         const int32_t out_activation_min,
                                         const int32_t out_activation_max);

/* int8 MUL with TFLite broadcasting (TFLM BroadcastMul4DSlow); dims as mcu_broadcast_add_s8,
 * arithmetic and parameters as arm_elementwise_mul_s8. BasicMathFunctions/mcu_broadcast_mul_s8.c */
arm_cmsis_nn_status mcu_broadcast_mul_s8(const cmsis_nn_dims *input_1_dims,
                                         const int8_t *input_1_data,
                                         const cmsis_nn_dims *input_2_dims,
                                         const int8_t *input_2_data,
                                         const int32_t input_1_offset,
                                         const int32_t input_2_offset,
                                         const cmsis_nn_dims *output_dims,
                                         int8_t *output_data,
                                         const int32_t out_offset,
                                         const int32_t out_mult,
                                         const int32_t out_shift,
                                         const int32_t out_activation_min,
                                         const int32_t out_activation_max);

/* out = min(max(in, act_min), act_max) on int8 codes: TFLM's int8 RELU6 (clamp to [input zero
 * point, input code of 6.0], output quantization ignored) and RELU with identical input/output
 * quantization. In-place allowed. ActivationFunctions/mcu_clamp_s8.c */
arm_cmsis_nn_status mcu_clamp_s8(const int8_t *input,
                                 int8_t *output,
                                 const int32_t size,
                                 const int32_t act_min,
                                 const int32_t act_max);

/* int8 LEAKY_RELU (TFLM QuantizeLeakyRelu): x = q + input_offset; x >= 0 is scaled by the
 * identity multiplier, x < 0 by the alpha one (negative when alpha < 0); + output_offset,
 * clamped to int8. In-place allowed. ActivationFunctions/mcu_leaky_relu_s8.c */
arm_cmsis_nn_status mcu_leaky_relu_s8(const int8_t *input,
                                      int8_t *output,
                                      const int32_t size,
                                      const int32_t input_offset,
                                      const int32_t output_offset,
                                      const int32_t identity_mult,
                                      const int32_t identity_shift,
                                      const int32_t alpha_mult,
                                      const int32_t alpha_shift);

/* int8 -> int8 rescale (TFLM Requantize for QUANTIZE, ReluQuantized for RELU):
 * clamp(MultiplyByQuantizedMultiplier(q + input_offset, multiplier, shift) + output_offset,
 * act_min, act_max). In-place allowed. QuantizationFunctions/mcu_requantize_s8.c */
arm_cmsis_nn_status mcu_requantize_s8(const int8_t *input,
                                      int8_t *output,
                                      const int32_t size,
                                      const int32_t input_offset,
                                      const int32_t multiplier,
                                      const int32_t shift,
                                      const int32_t output_offset,
                                      const int32_t act_min,
                                      const int32_t act_max);

/* float32 -> int8 (TFLM AffineQuantize): clamp(roundf(x / scale) + zero_point), one float32
 * division, halves away from zero; NaN -> -128. QuantizationFunctions/mcu_quantize_f32_s8.c */
arm_cmsis_nn_status mcu_quantize_f32_s8(const float *input,
                                        int8_t *output,
                                        const int32_t size,
                                        const float scale,
                                        const int32_t zero_point);

/* int8 -> float32 (TFLM Dequantize): scale * (float)(q - zero_point), one float32 multiply.
 * QuantizationFunctions/mcu_dequantize_s8_f32.c */
arm_cmsis_nn_status mcu_dequantize_s8_f32(const int8_t *input,
                                          float *output,
                                          const int32_t size,
                                          const float scale,
                                          const int32_t zero_point);

/* ==== softmax, logistic, tanh, hard swish ==== */

/* int8 table lookup: output[i] = lut[input[i] + 128] for i < size; lut has 256 entries.
 * Used for LOGISTIC, TANH and HARD_SWISH, whose tables mcutool computes with TFLM's exact
 * arithmetic. input and output may alias. ActivationFunctions/mcu_lut_s8.c */
void mcu_lut_s8(const int8_t *input, const int32_t size, const int8_t *lut, int8_t *output);

/* ==== data movement: pad, concatenation ==== */

/* -- s16: 16x8 SUB and broadcasting ADD/SUB (int16, zero points 0, left_shift 15), arguments
 * as arm_elementwise_add_s16. BasicMathFunctions/mcu_*_s16.c */
arm_cmsis_nn_status mcu_elementwise_sub_s16(const int16_t *input_1_vect,
                                            const int16_t *input_2_vect,
                                            const int32_t input_1_offset,
                                            const int32_t input_1_mult,
                                            const int32_t input_1_shift,
                                            const int32_t input_2_offset,
                                            const int32_t input_2_mult,
                                            const int32_t input_2_shift,
                                            const int32_t left_shift,
                                            int16_t *output,
                                            const int32_t out_offset,
                                            const int32_t out_mult,
                                            const int32_t out_shift,
                                            const int32_t out_activation_min,
                                            const int32_t out_activation_max,
                                            const int32_t block_size);

arm_cmsis_nn_status mcu_broadcast_add_s16(const cmsis_nn_dims *input_1_dims,
                                          const int16_t *input_1_data,
                                          const cmsis_nn_dims *input_2_dims,
                                          const int16_t *input_2_data,
                                          const int32_t input_1_offset,
                                          const int32_t input_1_mult,
                                          const int32_t input_1_shift,
                                          const int32_t input_2_offset,
                                          const int32_t input_2_mult,
                                          const int32_t input_2_shift,
                                          const int32_t left_shift,
                                          const cmsis_nn_dims *output_dims,
                                          int16_t *output_data,
                                          const int32_t out_offset,
                                          const int32_t out_mult,
                                          const int32_t out_shift,
                                          const int32_t out_activation_min,
                                          const int32_t out_activation_max);

arm_cmsis_nn_status mcu_broadcast_sub_s16(const cmsis_nn_dims *input_1_dims,
                                          const int16_t *input_1_data,
                                          const cmsis_nn_dims *input_2_dims,
                                          const int16_t *input_2_data,
                                          const int32_t input_1_offset,
                                          const int32_t input_1_mult,
                                          const int32_t input_1_shift,
                                          const int32_t input_2_offset,
                                          const int32_t input_2_mult,
                                          const int32_t input_2_shift,
                                          const int32_t left_shift,
                                          const cmsis_nn_dims *output_dims,
                                          int16_t *output_data,
                                          const int32_t out_offset,
                                          const int32_t out_mult,
                                          const int32_t out_shift,
                                          const int32_t out_activation_min,
                                          const int32_t out_activation_max);

/* -- 16x8 edges: QUANTIZE between int8 and int16 (and int16 -> int16), arguments and
 * arithmetic as mcu_requantize_s8, the clamp within the output type (TFLM Requantize).
 * QuantizationFunctions/mcu_requantize_*.c */
arm_cmsis_nn_status mcu_requantize_s8_s16(const int8_t *input,
                                          int16_t *output,
                                          const int32_t size,
                                          const int32_t input_offset,
                                          const int32_t multiplier,
                                          const int32_t shift,
                                          const int32_t output_offset,
                                          const int32_t act_min,
                                          const int32_t act_max);

arm_cmsis_nn_status mcu_requantize_s16_s8(const int16_t *input,
                                          int8_t *output,
                                          const int32_t size,
                                          const int32_t input_offset,
                                          const int32_t multiplier,
                                          const int32_t shift,
                                          const int32_t output_offset,
                                          const int32_t act_min,
                                          const int32_t act_max);

arm_cmsis_nn_status mcu_requantize_s16(const int16_t *input,
                                       int16_t *output,
                                       const int32_t size,
                                       const int32_t input_offset,
                                       const int32_t multiplier,
                                       const int32_t shift,
                                       const int32_t output_offset,
                                       const int32_t act_min,
                                       const int32_t act_max);

/* float32 <-> int16 (TFLM AffineQuantize / Dequantize), as the int8 versions.
 * QuantizationFunctions/mcu_quantize_f32_s16.c, mcu_dequantize_s16_f32.c */
arm_cmsis_nn_status mcu_quantize_f32_s16(const float *input,
                                         int16_t *output,
                                         const int32_t size,
                                         const float scale,
                                         const int32_t zero_point);

arm_cmsis_nn_status mcu_dequantize_s16_f32(const int16_t *input,
                                           float *output,
                                           const int32_t size,
                                           const float scale,
                                           const int32_t zero_point);

/* 16x8 FULLY_CONNECTED with per-channel weights: arguments as arm_fully_connected_s16, one
 * multiplier and shift per output unit. FullyConnectedFunctions/mcu_fully_connected_per_channel_s16.c */
arm_cmsis_nn_status
mcu_fully_connected_per_channel_s16(const cmsis_nn_context *ctx,
                                    const cmsis_nn_fc_params *fc_params,
                                    const cmsis_nn_per_channel_quant_params *quant_params,
                                    const cmsis_nn_dims *input_dims,
                                    const int16_t *input_data,
                                    const cmsis_nn_dims *filter_dims,
                                    const int8_t *filter_data,
                                    const cmsis_nn_dims *bias_dims,
                                    const int64_t *bias_data,
                                    const cmsis_nn_dims *output_dims,
                                    int16_t *output_data);

/* 16x8 LOGISTIC / TANH (TFLM's int16 reference): input in units of 1 / (3 * 4096) by
 * (x * multiplier + round) >> shift, then the 256-entry sigmoid table interpolated. Output
 * (1/32768, 0); may alias the input. ActivationFunctions/mcu_logistic_s16.c, mcu_tanh_s16.c */
arm_cmsis_nn_status mcu_logistic_s16(const int16_t *input,
                                     int16_t *output,
                                     const int32_t size,
                                     const int32_t multiplier,
                                     const int32_t shift,
                                     const uint16_t *table);

arm_cmsis_nn_status mcu_tanh_s16(const int16_t *input,
                                 int16_t *output,
                                 const int32_t size,
                                 const int32_t multiplier,
                                 const int32_t shift,
                                 const uint16_t *table);

/* 16x8 MEAN: arguments as mcu_mean_s8, int16 data. ReductionFunctions/mcu_mean_s16.c */
arm_cmsis_nn_status mcu_mean_s16(const cmsis_nn_dims *input_dims,
                                 const int16_t *input_data,
                                 const cmsis_nn_dims *output_dims,
                                 int16_t *output_data,
                                 const int32_t input_offset,
                                 const int32_t output_offset,
                                 const int32_t multiplier,
                                 const int32_t shift);

/* 16x8 PAD / PADV2: constant padding of an int16 NHWC tensor, arguments as arm_pad_s8.
 * PadFunctions/mcu_pad_s16.c */
arm_cmsis_nn_status mcu_pad_s16(const int16_t *input,
                                int16_t *output,
                                const int16_t pad_value,
                                const cmsis_nn_dims *input_size,
                                const cmsis_nn_dims *pre_pad,
                                const cmsis_nn_dims *post_pad);

/* 16x8 MUL with broadcasting, arguments as arm_elementwise_mul_s16.
 * BasicMathFunctions/mcu_broadcast_mul_s16.c */
arm_cmsis_nn_status mcu_broadcast_mul_s16(const cmsis_nn_dims *input_1_dims,
                                          const int16_t *input_1_data,
                                          const cmsis_nn_dims *input_2_dims,
                                          const int16_t *input_2_data,
                                          const int32_t input_1_offset,
                                          const int32_t input_2_offset,
                                          const cmsis_nn_dims *output_dims,
                                          int16_t *output_data,
                                          const int32_t out_offset,
                                          const int32_t out_mult,
                                          const int32_t out_shift,
                                          const int32_t out_activation_min,
                                          const int32_t out_activation_max);

/* 16x8 LEAKY_RELU: arguments as mcu_leaky_relu_s8, int16 data.
 * ActivationFunctions/mcu_leaky_relu_s16.c */
arm_cmsis_nn_status mcu_leaky_relu_s16(const int16_t *input,
                                       int16_t *output,
                                       const int32_t size,
                                       const int32_t input_offset,
                                       const int32_t output_offset,
                                       const int32_t identity_mult,
                                       const int32_t identity_shift,
                                       const int32_t alpha_mult,
                                       const int32_t alpha_shift);

#ifdef __cplusplus
}
#endif

#endif
