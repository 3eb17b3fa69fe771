/* Leaving the program under QEMU: semihosting SYS_EXIT_EXTENDED, whose code becomes QEMU's
 * exit status (needs -semihosting-config enable=on). */
#include "mcu_board.h"

void mcu_board_exit(int code)
{
    volatile uint32_t block[2];
    block[0] = 0x20026; /* ADP_Stopped_ApplicationExit */
    block[1] = (uint32_t)code;
    for (;;) {
        register uint32_t op __asm("r0") = 0x20; /* SYS_EXIT_EXTENDED */
        register volatile uint32_t *arg __asm("r1") = block;
        __asm volatile("bkpt 0xab" : "+r"(op) : "r"(arg) : "memory");
    }
}
