/* The harness's output on the host: standard output. */
#include <stdio.h>

#include "mcu_test.h"

void mcu_test_write(const char *text)
{
    (void)fputs(text, stdout);
    (void)fflush(stdout);
}
