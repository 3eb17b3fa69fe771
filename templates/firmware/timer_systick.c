/* Time from SysTick at the CPU clock, extended past 24 bits by counting wraps. Under QEMU with
 * -icount shift=0 a tick is a fixed number of instructions, so counts repeat exactly. */
#include "mcu_board.h"

#define SYST_CSR (*(volatile uint32_t *)0xE000E010)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018)

static volatile uint32_t wraps;

void SysTick_Handler(void)
{
    wraps++;
}

void mcu_timer_start(void)
{
    SYST_CSR = 0;
    SYST_RVR = 0x00FFFFFF;
    SYST_CVR = 0;
    wraps = 0;
    SYST_CSR = 7; /* enable, interrupt on wrap, processor clock */
    /* The current value reads 0 until the first reload. */
    while (SYST_CVR == 0) {
    }
}

uint32_t mcu_timer_now(void)
{
    uint32_t before;
    uint32_t value;
    do {
        before = wraps;
        value = SYST_CVR;
    } while (before != wraps);
    return (before << 24) + (0x00FFFFFF - value);
}
