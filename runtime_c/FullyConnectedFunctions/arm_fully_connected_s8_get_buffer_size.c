/*
 * mcutool runtime: arm_fully_connected_s8_get_buffer_size. This runtime's fully connected
 * kernels need no scratch, but on Helium (MVE) builds the size is CMSIS-NN's, one int32 kernel
 * sum per output (arm_vector_sum_s8): code written for CMSIS-NN fills the sums into a buffer of
 * this size before the call, and our kernels then simply do not read them. 0 elsewhere, as in
 * CMSIS-NN's non-Helium build.
 */
#include "Internal/mcu_nn_dsp.h"
#include "arm_nnfunctions.h"

int32_t arm_fully_connected_s8_get_buffer_size(const cmsis_nn_dims *filter_dims)
{
#if MCU_NN_MVE
    return filter_dims->c * (int32_t)sizeof(int32_t);
#else
    (void)filter_dims;
    return 0;
#endif
}
