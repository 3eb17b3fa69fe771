/*
 * mcutool portable runtime: the subset of CMSIS-NN's public API it provides, with CMSIS-NN's
 * names and signatures, bit-exact with TFLite-Micro's int8 reference kernels.
 * Each function lives in <Family>Functions/<function name>.c.
 * Kernels beyond CMSIS-NN's API are declared in mcu_nnfunctions.h.
 */
#ifndef ARM_NNFUNCTIONS_H
#define ARM_NNFUNCTIONS_H

#include <stdint.h>

#include "arm_nn_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ==== convolution, depthwise, fully connected ==== */

/* ==== pooling ==== */

/* ==== elementwise, activations, softmax ==== */

/* ==== data movement: pad, concatenation ==== */

#ifdef __cplusplus
}
#endif

#endif
