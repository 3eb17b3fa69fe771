/* Startup for Cortex-M: vector table, reset handler (copy .data, clear .bss, enable the FPU,
 * paint the stack so its high-water mark can be measured), minimal fault handlers. */
#include <stdint.h>

#include "mcu_board.h"

extern uint32_t __data_load__, __data_start__, __data_end__;
extern uint32_t __bss_start__, __bss_end__;
extern uint32_t __stack_bottom__, __stack_top__;

int main(void);
void Reset_Handler(void);
void Default_Handler(void);
void HardFault_Handler(void);
void SysTick_Handler(void) __attribute__((weak, alias("Default_Handler")));

/* Addresses as integers: ISO C has no conversion from a data pointer to a function pointer. */
__attribute__((section(".isr_vector"), used)) const uintptr_t mcu_vectors[16] = {
    (uintptr_t)&__stack_top__,
    (uintptr_t)Reset_Handler,
    (uintptr_t)Default_Handler, /* NMI */
    (uintptr_t)HardFault_Handler,
    (uintptr_t)Default_Handler, /* MemManage */
    (uintptr_t)Default_Handler, /* BusFault */
    (uintptr_t)Default_Handler, /* UsageFault */
    (uintptr_t)Default_Handler, /* SecureFault (v8-M) */
    0,
    0,
    0,
    (uintptr_t)Default_Handler, /* SVCall */
    (uintptr_t)Default_Handler, /* DebugMonitor */
    0,
    (uintptr_t)Default_Handler, /* PendSV */
    (uintptr_t)SysTick_Handler,
};

void Reset_Handler(void)
{
    uint32_t *src = &__data_load__;
    uint32_t *dst = &__data_start__;
    while (dst < &__data_end__) {
        *dst++ = *src++;
    }
    for (dst = &__bss_start__; dst < &__bss_end__; dst++) {
        *dst = 0;
    }
    /* Paint the stack below the current frame; mcu_stack_used() finds the deepest write. */
    {
        volatile uint32_t *p = &__stack_bottom__;
        volatile uint32_t *limit = (volatile uint32_t *)((uintptr_t)&__stack_top__ - 256);
        while (p < limit) {
            *p++ = MCU_STACK_PAINT;
        }
    }
#if defined(__ARM_FP)
    /* CPACR: full access to CP10 and CP11, or the first float instruction faults. */
    *(volatile uint32_t *)0xE000ED88 |= 0xFu << 20;
    __asm volatile("dsb\n\tisb" ::: "memory");
#endif
    mcu_board_exit(main());
}

uint32_t mcu_stack_used(void)
{
    const uint32_t *p = &__stack_bottom__;
    while (p < &__stack_top__ && *p == MCU_STACK_PAINT) {
        p++;
    }
    return (uint32_t)((uintptr_t)&__stack_top__ - (uintptr_t)p);
}

void HardFault_Handler(void)
{
    /* Kept minimal: v6-M has no fault status registers to report. */
    mcu_console_write("MCUTOOL-FAULT hard fault\n");
    mcu_board_exit(90);
}

void Default_Handler(void)
{
    mcu_console_write("MCUTOOL-FAULT unexpected exception\n");
    mcu_board_exit(91);
}
