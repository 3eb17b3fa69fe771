/* The harness's bookkeeping and messages (see mcu_test.h). */
#include "mcu_test.h"

#include <stdio.h>

static long checks, failures;
static const char *current = "(none)";

void mcu_test_begin(const char *name)
{
    current = name;
}

static void report(const char *file, int line, const char *what, const char *detail)
{
    char text[256];
    (void)snprintf(text, sizeof text, "FAIL %s: %s:%d: %s: %s\n", current, file, line, what,
                   detail);
    mcu_test_write(text);
}

int mcu_test_check_int(const char *file, int line, const char *what, long expected, long actual)
{
    checks++;
    if (expected == actual) {
        return 1;
    }
    char detail[64];
    (void)snprintf(detail, sizeof detail, "expected %ld, got %ld", expected, actual);
    report(file, line, what, detail);
    failures++;
    return 0;
}

int mcu_test_check_s8_array(const char *file,
                            int line,
                            const char *what,
                            const int8_t *expected,
                            const int8_t *actual,
                            int32_t n)
{
    checks++;
    int32_t wrong = 0, first = -1;
    for (int32_t i = 0; i < n; i++) {
        if (expected[i] != actual[i]) {
            wrong++;
            first = first < 0 ? i : first;
        }
    }
    if (wrong == 0) {
        return 1;
    }
    char detail[96];
    (void)snprintf(detail, sizeof detail, "%ld of %ld differ, first [%ld]: expected %d, got %d",
                   (long)wrong, (long)n, (long)first, expected[first], actual[first]);
    report(file, line, what, detail);
    failures++;
    return 0;
}

int mcu_test_check_s16_array(const char *file,
                             int line,
                             const char *what,
                             const int16_t *expected,
                             const int16_t *actual,
                             int32_t n)
{
    checks++;
    int32_t wrong = 0, first = -1;
    for (int32_t i = 0; i < n; i++) {
        if (expected[i] != actual[i]) {
            wrong++;
            first = first < 0 ? i : first;
        }
    }
    if (wrong == 0) {
        return 1;
    }
    char detail[96];
    (void)snprintf(detail, sizeof detail, "%ld of %ld differ, first [%ld]: expected %d, got %d",
                   (long)wrong, (long)n, (long)first, expected[first], actual[first]);
    report(file, line, what, detail);
    failures++;
    return 0;
}

int mcu_test_summary(void)
{
    char text[96];
    (void)snprintf(text, sizeof text, "%s: %ld checks, %ld failed\n", failures ? "FAILED" : "OK",
                   checks, failures);
    mcu_test_write(text);
    return failures != 0;
}
