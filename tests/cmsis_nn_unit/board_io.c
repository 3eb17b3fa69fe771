/*
 * What ARM's Unity tests need from the C library on an emulated board, on top of mcutool's
 * firmware startup: printf and Unity's output reach the semihosting console (newlib's _write),
 * and malloc takes memory from a static heap (newlib's _sbrk; the board's linker script puts
 * the stack right after .bss, where libnosys would grow the heap).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mcu_board.h"

#ifndef MCU_UNIT_HEAP_BYTES
#define MCU_UNIT_HEAP_BYTES (128 * 1024)
#endif

int _write(int fd, const char *buf, int len);
void *_sbrk(ptrdiff_t increment);

static uint8_t heap[MCU_UNIT_HEAP_BYTES] __attribute__((aligned(8)));
static size_t heap_used;

int _write(int fd, const char *buf, int len)
{
    (void)fd;
    /* SYS_WRITE0 prints a NUL-terminated string: send the bytes in terminated pieces. */
    char piece[129];
    for (int done = 0; done < len;) {
        int n = len - done < 128 ? len - done : 128;
        memcpy(piece, buf + done, (size_t)n);
        piece[n] = '\0';
        mcu_console_write(piece);
        done += n;
    }
    return len;
}

void *_sbrk(ptrdiff_t increment)
{
    if (increment < 0 || (size_t)increment > sizeof(heap) - heap_used) {
        errno = ENOMEM;
        return (void *)-1;
    }
    void *block = heap + heap_used;
    heap_used += (size_t)increment;
    return block;
}
