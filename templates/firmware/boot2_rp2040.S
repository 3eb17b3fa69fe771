/* RP2040 second-stage boot loader (the first 256 bytes of flash): set up the XIP SSI for plain
 * 03h serial reads, which every QSPI flash understands, then enter the image's vector table at
 * 0x10000100. The bootrom copies these bytes to SRAM and checks the CRC32 that mcutool appends.
 * Code is position independent (PC-relative literals only). */
    .syntax unified
    .cpu cortex-m0plus
    .thumb
    .section .text
    .global mcu_boot2_entry
    .thumb_func
mcu_boot2_entry:
    push {lr}
    ldr r3, =0x18000000             /* XIP_SSI */
    movs r1, #0
    str r1, [r3, #0x08]             /* SSIENR: off while configuring */
    movs r1, #4
    str r1, [r3, #0x14]             /* BAUDR: clk_sys / 4 */
    ldr r1, =((31 << 16) | (3 << 8))
    str r1, [r3, #0x00]             /* CTRLR0: 32-bit frames, EEPROM-read transfers */
    movs r1, #0
    str r1, [r3, #0x04]             /* CTRLR1: one frame per access */
    ldr r1, =((0x03 << 24) | (2 << 8) | (6 << 2))
    ldr r2, =0x180000F4
    str r1, [r2]                    /* SPI_CTRLR0: command 03h, 8-bit instruction, 24-bit address */
    movs r1, #1
    str r1, [r3, #0x08]             /* SSIENR: on */
    pop {r0}
    cmp r0, #0                      /* entered from the bootrom: lr was 0 */
    beq enter_image
    bx r0
enter_image:
    ldr r0, =0x10000100
    ldr r1, =0xE000ED08             /* VTOR */
    str r0, [r1]
    ldmia r0, {r0, r1}              /* initial stack pointer, reset handler */
    msr msp, r0
    bx r1
    .ltorg
