/*
 * A small unit-test harness for runtime_c: checks count and report their failures, a test
 * program returns mcu_test_summary()'s value from main (0: all passed), so ctest sees the
 * result on the host and, through semihosting's exit code, under QEMU.
 */
#ifndef MCU_TEST_H
#define MCU_TEST_H

#include <stdint.h>

/* Text to the test's standard output (host: stdout; board: semihosting). harness/port_*.c */
void mcu_test_write(const char *text);

void mcu_test_begin(const char *name);
/* Each returns 1 when the check passed. */
int mcu_test_check_int(const char *file, int line, const char *what, long expected, long actual);
int mcu_test_check_s8_array(const char *file,
                            int line,
                            const char *what,
                            const int8_t *expected,
                            const int8_t *actual,
                            int32_t n);
int mcu_test_check_s16_array(const char *file,
                             int line,
                             const char *what,
                             const int16_t *expected,
                             const int16_t *actual,
                             int32_t n);
/* Prints the totals; returns 0 when every check passed, 1 otherwise. */
int mcu_test_summary(void);

#define MCU_TEST_INT(expected, actual)                                                             \
    mcu_test_check_int(__FILE__, __LINE__, #actual, (long)(expected), (long)(actual))
#define MCU_TEST_S8_ARRAY(expected, actual, n)                                                     \
    mcu_test_check_s8_array(__FILE__, __LINE__, #actual, (expected), (actual), (n))
#define MCU_TEST_S16_ARRAY(expected, actual, n)                                                    \
    mcu_test_check_s16_array(__FILE__, __LINE__, #actual, (expected), (actual), (n))

#endif
