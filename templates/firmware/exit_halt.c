/* Leaving the program on a real board: nothing to return to, so sleep for ever. */
#include "mcu_board.h"

void mcu_board_exit(int code)
{
    (void)code;
    for (;;) {
        __asm volatile("wfi");
    }
}
