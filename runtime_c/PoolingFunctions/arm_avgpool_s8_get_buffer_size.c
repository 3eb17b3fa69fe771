/*
 * mcutool runtime: arm_avgpool_s8_get_buffer_size -- scratch bytes for arm_avgpool_s8.
 *
 * One int32 sum per channel. Our arm_avgpool_s8 also runs without it, but ARM's CMSIS-NN
 * built for DSP cores (Cortex-M4/M7/M33) requires exactly this buffer, so code generated
 * against this runtime stays linkable against ARM's library.
 * Ranges: dim_dst_width >= 1 (unused), ch_src >= 1.
 */
#include "arm_nnfunctions.h"

int32_t arm_avgpool_s8_get_buffer_size(const int dim_dst_width, const int ch_src)
{
    (void)dim_dst_width;
    return (int32_t)ch_src * (int32_t)sizeof(int32_t);
}
