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

/* ==== elementwise, activations, softmax, quantize ==== */

/* ==== data movement: pad, concatenation ==== */

#ifdef __cplusplus
}
#endif

#endif
