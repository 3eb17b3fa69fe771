/* Console on an STM32 USART/LPUART with the ISR/TDR layout (F7, L4): NUCLEO-F746ZG USART3 on
 * PD8 (AF7, 16 MHz HSI) and NUCLEO-L4R5ZI LPUART1 on PG7 (AF8, 4 MHz MSI); both reach the
 * ST-LINK virtual COM port. 115200 baud. */
#include "mcu_board.h"

#define REG(addr)      (*(volatile uint32_t *)(addr))
#define UART_CR1(base) REG((base) + 0x00)
#define UART_BRR(base) REG((base) + 0x0C)
#define UART_ISR(base) REG((base) + 0x1C)
#define UART_TDR(base) REG((base) + 0x28)
#define ISR_TXE        (1u << 7)

void mcu_console_init(void)
{
#if defined(MCU_UART_STM32F7_USART3_PD8)
    REG(0x40023830) |= 1u << 3;                                     /* RCC_AHB1ENR: GPIOD */
    REG(0x40023840) |= 1u << 18;                                    /* RCC_APB1ENR: USART3 */
    REG(0x40020C00) = (REG(0x40020C00) & ~(3u << 16)) | (2u << 16); /* PD8 alternate function */
    REG(0x40020C24) = (REG(0x40020C24) & ~0xFu) | 7u;               /* AFRH: AF7 */
    UART_BRR(MCU_UART_BASE) = 139;                                  /* 16 MHz / 115200 */
#elif defined(MCU_UART_STM32L4_LPUART1_PG7)
    REG(0x40021058) |= 1u << 28;                                      /* RCC_APB1ENR1: PWR */
    REG(0x40007004) |= 1u << 9;                                       /* PWR_CR2: IOSV (port G) */
    REG(0x4002104C) |= 1u << 6;                                       /* RCC_AHB2ENR: GPIOG */
    REG(0x4002105C) |= 1u << 0;                                       /* RCC_APB1ENR2: LPUART1 */
    REG(0x48001800) = (REG(0x48001800) & ~(3u << 14)) | (2u << 14);   /* PG7 alternate function */
    REG(0x48001820) = (REG(0x48001820) & ~(0xFu << 28)) | (8u << 28); /* AFRL: AF8 */
    UART_BRR(MCU_UART_BASE) = 8889;                                   /* 256 * 4 MHz / 115200 */
#endif
    UART_CR1(MCU_UART_BASE) = (1u << 3) | (1u << 0); /* TE | UE */
}

void mcu_console_write(const char *text)
{
    while (*text != '\0') {
        while ((UART_ISR(MCU_UART_BASE) & ISR_TXE) == 0) {
        }
        UART_TDR(MCU_UART_BASE) = (uint8_t)*text++;
    }
}
