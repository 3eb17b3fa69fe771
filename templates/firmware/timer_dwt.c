/* Time in CPU cycles from the DWT cycle counter (Cortex-M3/M4/M7/M33/M55 on real silicon;
 * QEMU does not model it, so emulated boards use SysTick instead). */
#include "mcu_board.h"

#define DEMCR      (*(volatile uint32_t *)0xE000EDFC)
#define DWT_CTRL   (*(volatile uint32_t *)0xE0001000)
#define DWT_CYCCNT (*(volatile uint32_t *)0xE0001004)

void mcu_timer_start(void)
{
    DEMCR |= 1u << 24; /* TRCENA */
    DWT_CYCCNT = 0;
    DWT_CTRL |= 1u; /* CYCCNTENA */
}

uint32_t mcu_timer_now(void)
{
    return DWT_CYCCNT;
}
