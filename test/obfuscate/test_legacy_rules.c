/* test_legacy_rules.c - cases of our own for each legacy rule (spec obfuscation.md §2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "obfuscate.h"
#include "sql_legacy.h"

int legacy_rules_tests(void)
{
    const struct CMUnitTest tests[] = {
    };
    return cmocka_run_group_tests_name("legacy rules", tests, NULL, NULL);
}
