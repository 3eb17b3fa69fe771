/*
 * The harness on an emulated Cortex-M board: a vector table, a reset handler that sets up
 * memory and the FPU and runs main(), and output and exit over semihosting (QEMU needs
 * -semihosting-config enable=on; SYS_EXIT_EXTENDED's code becomes QEMU's exit status).
 */
#include <stdint.h>

#include "mcu_test.h"

extern uint32_t __data_load__, __data_start__, __data_end__;
extern uint32_t __bss_start__, __bss_end__, __stack_top__;

int main(void);
void Reset_Handler(void);
void Fault_Handler(void);

static uint32_t semihost(uint32_t op, const volatile void *arg)
{
    register uint32_t r0 __asm("r0") = op;
    register const volatile void *r1 __asm("r1") = arg;
    __asm volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

static void board_exit(int code)
{
    volatile uint32_t block[2] = {0x20026u /* ADP_Stopped_ApplicationExit */, (uint32_t)code};
    for (;;) {
        (void)semihost(0x20u /* SYS_EXIT_EXTENDED */, block);
    }
}

void mcu_test_write(const char *text)
{
    (void)semihost(0x04u /* SYS_WRITE0 */, text);
}

/* Addresses as integers: ISO C has no conversion from a data pointer to a function pointer. */
__attribute__((section(".isr_vector"), used)) const uintptr_t mcu_test_vectors[16] = {
    (uintptr_t)&__stack_top__,
    (uintptr_t)Reset_Handler,
    (uintptr_t)Fault_Handler,
    (uintptr_t)Fault_Handler,
    (uintptr_t)Fault_Handler,
    (uintptr_t)Fault_Handler,
    (uintptr_t)Fault_Handler,
    0,
    0,
    0,
    0,
    (uintptr_t)Fault_Handler,
    (uintptr_t)Fault_Handler,
    0,
    (uintptr_t)Fault_Handler,
    (uintptr_t)Fault_Handler,
};

void Fault_Handler(void)
{
    mcu_test_write("FAIL: processor fault\n");
    board_exit(3);
}

void Reset_Handler(void)
{
    const uint32_t *src = &__data_load__;
    for (uint32_t *dst = &__data_start__; dst < &__data_end__;) {
        *dst++ = *src++;
    }
    for (uint32_t *dst = &__bss_start__; dst < &__bss_end__;) {
        *dst++ = 0;
    }
#if defined(__ARM_FP)
    /* CPACR: full access to CP10 and CP11, or the first float instruction faults. */
    *(volatile uint32_t *)0xE000ED88 |= 0xFu << 20;
    __asm volatile("dsb\n\tisb" ::: "memory");
#endif
    board_exit(main());
}
