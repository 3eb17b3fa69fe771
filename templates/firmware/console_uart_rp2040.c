/* Console on the RP2040's UART0 (PL011) on GP0, 115200 baud. Starts the 12 MHz crystal and
 * runs clk_ref, clk_sys and clk_peri from it, since clk_peri is off after reset. */
#include "mcu_board.h"

#define REG(addr)     (*(volatile uint32_t *)(addr))
#define RESETS_RESET  REG(0x4000C000)
#define RESETS_DONE   REG(0x4000C008)
#define XOSC_CTRL     REG(0x40024000)
#define XOSC_STATUS   REG(0x40024004)
#define XOSC_STARTUP  REG(0x4002400C)
#define CLK_REF_CTRL  REG(0x40008030)
#define CLK_SYS_CTRL  REG(0x4000803C)
#define CLK_PERI_CTRL REG(0x40008048)
#define IO_GPIO0_CTRL REG(0x40014004)
#define UART_DR       REG(MCU_UART_BASE + 0x00)
#define UART_FR       REG(MCU_UART_BASE + 0x18)
#define UART_IBRD     REG(MCU_UART_BASE + 0x24)
#define UART_FBRD     REG(MCU_UART_BASE + 0x28)
#define UART_LCR_H    REG(MCU_UART_BASE + 0x2C)
#define UART_CR       REG(MCU_UART_BASE + 0x30)

void mcu_console_init(void)
{
    const uint32_t need = (1u << 5) | (1u << 8) | (1u << 22); /* io_bank0, pads_bank0, uart0 */
    XOSC_STARTUP = 47;                   /* ~1 ms at 12 MHz, in units of 256 cycles */
    XOSC_CTRL = (0xFABu << 12) | 0xAA0u; /* enable, 1-15 MHz range */
    while ((XOSC_STATUS & (1u << 31)) == 0) {
    }
    CLK_REF_CTRL = 2;           /* clk_ref from the crystal */
    CLK_SYS_CTRL = 0;           /* clk_sys from clk_ref */
    CLK_PERI_CTRL = (1u << 11); /* enable clk_peri, source clk_sys */
    RESETS_RESET &= ~need;
    while ((RESETS_DONE & need) != need) {
    }
    IO_GPIO0_CTRL = 2; /* GP0 function: UART0 TX */
    UART_IBRD = 6;     /* 12 MHz / (16 * 115200) = 6.51 */
    UART_FBRD = 33;
    UART_LCR_H = (3u << 5) | (1u << 4); /* 8 bits, FIFOs on */
    UART_CR = (1u << 0) | (1u << 8);    /* UART and transmitter enabled */
}

void mcu_console_write(const char *text)
{
    while (*text != '\0') {
        while (UART_FR & (1u << 5)) { /* transmit FIFO full */
        }
        UART_DR = (uint8_t)*text++;
    }
}
