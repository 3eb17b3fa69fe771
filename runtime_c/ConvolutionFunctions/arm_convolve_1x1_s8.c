/*
 * mcutool portable runtime: arm_convolve_1x1_s8, int8 CONV_2D with a 1x1 filter and no padding,
 * any stride, bit-exact with TFLite-Micro's reference ConvPerChannel.
 *
 * Layouts: input [N, H, W, C_IN], filter [C_OUT, 1, 1, C_IN], bias [C_OUT] (int32, may be NULL),
 * output [N, H_OUT, W_OUT, C_OUT]; output pixel (y, x) reads input pixel (y * stride.h,
 * x * stride.w). Ranges as arm_convolve_s8. filter_dims and bias_dims are not read (as in
 * CMSIS-NN): C_IN is input_dims->c, C_OUT output_dims->c. No scratch: ctx may be NULL.
 * Returns ARM_CMSIS_NN_ARG_ERROR when padding is not 0 (CMSIS-NN's condition).
 *
 * Method: a 1x1 convolution is one fully connected row per output pixel, so each pixel goes
 * through the fully connected core with per-channel multipliers.
 */
#include <stddef.h>

#include "arm_nnfunctions.h"
#include "arm_nnsupportfunctions.h"

arm_cmsis_nn_status arm_convolve_1x1_s8(const cmsis_nn_context *ctx,
                                        const cmsis_nn_conv_params *conv_params,
                                        const cmsis_nn_per_channel_quant_params *quant_params,
                                        const cmsis_nn_dims *input_dims,
                                        const int8_t *input_data,
                                        const cmsis_nn_dims *filter_dims,
                                        const int8_t *filter_data,
                                        const cmsis_nn_dims *bias_dims,
                                        const int32_t *bias_data,
                                        const cmsis_nn_dims *output_dims,
                                        int8_t *output_data)
{
    (void)ctx;
    (void)filter_dims;
    (void)bias_dims;
    if (conv_params->padding.w != 0 || conv_params->padding.h != 0) {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const int32_t in_c = input_dims->c;
    const int32_t out_c = output_dims->c;
    const int32_t out_h = output_dims->h;
    const int32_t out_w = output_dims->w;
    const size_t row_step = (size_t)conv_params->stride.h * input_dims->w * in_c;
    const size_t col_step = (size_t)conv_params->stride.w * in_c;
    for (int32_t b = 0; b < input_dims->n; b++) {
        const int8_t *image = input_data + (size_t)b * input_dims->h * input_dims->w * in_c;
        for (int32_t y = 0; y < out_h; y++) {
            const int8_t *pixel = image + (size_t)y * row_step;
            for (int32_t x = 0; x < out_w; x++) {
                mcu_nn_vec_mat_mult_t_s8(
                    pixel, filter_data, bias_data, output_data, conv_params->input_offset,
                    conv_params->output_offset, quant_params->multiplier, quant_params->shift, 1,
                    in_c, out_c, conv_params->activation.min, conv_params->activation.max);
                pixel += col_step;
                output_data += out_c;
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
