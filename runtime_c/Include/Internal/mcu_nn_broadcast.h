/*
 * mcutool runtime, private: element strides for TFLite broadcasting over NHWC dims, shared by
 * the broadcasting ADD/SUB and MUL kernels. A dim of size 1 gets stride 0, so the same
 * element is read again along the output's dim.
 */
#ifndef MCU_NN_BROADCAST_H
#define MCU_NN_BROADCAST_H

#include "arm_nn_types.h"

typedef struct {
    int32_t n;
    int32_t h;
    int32_t w;
    int32_t c;
} mcu_nn_strides;

static inline mcu_nn_strides mcu_nn_broadcast_strides(const cmsis_nn_dims *dims)
{
    mcu_nn_strides s;
    s.c = dims->c == 1 ? 0 : 1;
    s.w = dims->w == 1 ? 0 : dims->c;
    s.h = dims->h == 1 ? 0 : dims->w * dims->c;
    s.n = dims->n == 1 ? 0 : dims->h * dims->w * dims->c;
    return s;
}

#endif
