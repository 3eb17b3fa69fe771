/*
 * mcutool runtime, private: the MEAN core that mcu_mean_s8 and mcu_mean_s16 share.
 */
#ifndef MCU_NN_MEAN_H
#define MCU_NN_MEAN_H

#include "arm_nn_types.h"

/* MEAN of int8 (element_bytes 1) or int16 (2) codes; see NNSupportFunctions/mcu_nn_mean_core.c */
arm_cmsis_nn_status mcu_nn_mean_core(const cmsis_nn_dims *input_dims,
                                     const void *input_data,
                                     int32_t element_bytes,
                                     const cmsis_nn_dims *output_dims,
                                     void *output_data,
                                     int32_t input_offset,
                                     int32_t output_offset,
                                     int32_t multiplier,
                                     int32_t shift);

#endif
