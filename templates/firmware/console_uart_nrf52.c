/* Console on the nRF52840's UART0 (legacy, non-DMA): TX on P0.06, the nRF52840-DK's J-Link
 * virtual COM port, 115200 baud. */
#include "mcu_board.h"

#define REG(addr)     (*(volatile uint32_t *)(addr))
#define UART_STARTTX  REG(MCU_UART_BASE + 0x008)
#define UART_TXDRDY   REG(MCU_UART_BASE + 0x11C)
#define UART_ENABLE   REG(MCU_UART_BASE + 0x500)
#define UART_PSELTXD  REG(MCU_UART_BASE + 0x50C)
#define UART_TXD      REG(MCU_UART_BASE + 0x51C)
#define UART_BAUDRATE REG(MCU_UART_BASE + 0x524)

void mcu_console_init(void)
{
    UART_PSELTXD = 6;
    UART_BAUDRATE = 0x01D7E000; /* 115200 */
    UART_ENABLE = 4;
    UART_STARTTX = 1;
}

void mcu_console_write(const char *text)
{
    while (*text != '\0') {
        UART_TXDRDY = 0;
        UART_TXD = (uint8_t)*text++;
        while (UART_TXDRDY == 0) {
        }
    }
}
