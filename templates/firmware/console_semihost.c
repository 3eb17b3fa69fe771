/* Console over ARM semihosting (SYS_WRITE0): text appears on QEMU's standard output. */
#include "mcu_board.h"

void mcu_console_init(void) {}

void mcu_console_write(const char *text)
{
    register uint32_t op __asm("r0") = 0x04; /* SYS_WRITE0 */
    register const char *arg __asm("r1") = text;
    __asm volatile("bkpt 0xab" : "+r"(op) : "r"(arg) : "memory");
}
