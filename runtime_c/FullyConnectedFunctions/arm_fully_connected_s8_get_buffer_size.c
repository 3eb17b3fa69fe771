/*
 * mcutool portable runtime: arm_fully_connected_s8_get_buffer_size. The fully connected kernels
 * of this runtime (per-tensor and per-channel) need no scratch: always 0 bytes, the same answer
 * as CMSIS-NN's non-Helium build.
 */
#include "arm_nnfunctions.h"

int32_t arm_fully_connected_s8_get_buffer_size(const cmsis_nn_dims *filter_dims)
{
    (void)filter_dims;
    return 0;
}
