/* Console on an STM32F4 USART (SR/DR register layout): netduinoplus2 (USART1, emulated) and
 * STM32F4-Discovery (USART2 on PA2, AF7). 115200 baud from the 16 MHz HSI reset clock. */
#include "mcu_board.h"

#define REG(addr)       (*(volatile uint32_t *)(addr))
#define USART_SR(base)  REG((base) + 0x00)
#define USART_DR(base)  REG((base) + 0x04)
#define USART_BRR(base) REG((base) + 0x08)
#define USART_CR1(base) REG((base) + 0x0C)
#define SR_TXE          (1u << 7)

void mcu_console_init(void)
{
#if defined(MCU_UART_STM32F4_USART2_PA2)
    REG(0x40023830) |= 1u << 0;                                     /* RCC_AHB1ENR: GPIOA */
    REG(0x40023840) |= 1u << 17;                                    /* RCC_APB1ENR: USART2 */
    REG(0x40020000) = (REG(0x40020000) & ~(3u << 4)) | (2u << 4);   /* PA2 alternate function */
    REG(0x40020020) = (REG(0x40020020) & ~(0xFu << 8)) | (7u << 8); /* AF7 */
#endif
    USART_BRR(MCU_UART_BASE) = 139;                    /* 16 MHz / 115200 */
    USART_CR1(MCU_UART_BASE) = (1u << 13) | (1u << 3); /* UE | TE */
}

void mcu_console_write(const char *text)
{
    while (*text != '\0') {
        while ((USART_SR(MCU_UART_BASE) & SR_TXE) == 0) {
        }
        USART_DR(MCU_UART_BASE) = (uint8_t)*text++;
    }
}
