/* The board layer the test firmware needs: a console, a timer, and a way to stop. */
#ifndef MCU_BOARD_H
#define MCU_BOARD_H

#include <stdint.h>

#define MCU_STACK_PAINT 0xA5A5A5A5u

void mcu_console_init(void);
void mcu_console_write(const char *text);
/* Ends the program: QEMU exits with `code`; a real board stops in a low-power loop. */
void mcu_board_exit(int code) __attribute__((noreturn));
void mcu_timer_start(void);
uint32_t mcu_timer_now(void); /* ticks (emulated boards) or cycles (real boards) */
uint32_t mcu_stack_used(void);

#endif
