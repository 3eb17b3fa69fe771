/*
 * mcutool portable runtime: arm_avgpool_s8_get_buffer_size_dsp, the scratch arm_avgpool_s8() needs
 * when built for a core with the Arm DSP extension (Cortex-M4, M7, M33), for sizing on another
 * machine. This runtime's average pooling asks for one size that suits every core, so it is
 * arm_avgpool_s8_get_buffer_size().
 */
#include "arm_nnfunctions.h"

int32_t arm_avgpool_s8_get_buffer_size_dsp(const int dim_dst_width, const int ch_src)
{
    return arm_avgpool_s8_get_buffer_size(dim_dst_width, ch_src);
}
