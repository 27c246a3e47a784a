/*
 * fuzz_json_obfuscate.c - libFuzzer target: the exec-plan and MongoDB JSON obfuscator
 * (host/obfuscate, spec obfuscation.md §4, §5) on arbitrary bytes.
 *
 * Input: byte 0 picks the call (value % 3: exec plan, exec plan normalised, MongoDB); the
 * rest is the text, with its exact length.
 *
 * Oracles, besides the sanitizers:
 *   - a text that Go's scanner accepts (one value) is obfuscated without error; with MongoDB
 *     (no SQL keys, whose values are written unescaped) the output is itself valid JSON;
 *   - an exec-plan failure carries one of the scanner's messages;
 *   - MongoDB never fails on a non-empty text; its output ends with "..." exactly when the
 *     exec-plan path (same scanner) would have failed;
 *   - every call answers the same through the result cache (fuzz_cached.h).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_cached.h"
#include "fuzz_util.h"
#include "json_scan.h"
#include "obfuscate.h"

static bool ends_with_dots(const char *s)
{
    size_t n = strlen(s);
    return n >= 3 && memcmp(s + n - 3, "...", 3) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) {
        return 0;
    }
    int call = data[0] % 3;
    const char *text = (const char *)data + 1;
    size_t n = size - 1;
    char err[96];
    bool valid = json_scan_valid(text, n, err, sizeof(err));
    char *error = NULL;
    if (call < 2) {
        obfuscate_set_literal_escapes(false);
        char *out = obfuscate_exec_plan_text(text, n, call == 1, &error);
        FUZZ_CHECK((out == NULL) != (error == NULL), "exactly one of result and error");
        fuzz_check_cached(call == 1 ? FUZZ_PLAN_NORMALIZED : FUZZ_PLAN, text, n, NULL, 0, out, error);
        FUZZ_CHECK(!valid || out != NULL, "valid JSON refused: %s", error);
        if (error != NULL) {
            FUZZ_CHECK(strncmp(error, "invalid character ", 18) == 0 ||
                           strcmp(error, "unexpected end of JSON input") == 0 ||
                           strcmp(error, "exceeded max depth") == 0,
                       "not a scanner message: %s", error);
        }
        free(out);
        free(error);
        return 0;
    }
    char *out = obfuscate_mongodb_text(text, n, &error);
    FUZZ_CHECK(out != NULL && error == NULL, "MongoDB failed: %s", error ? error : "?");
    fuzz_check_cached(FUZZ_MONGO, text, n, NULL, 0, out, NULL);
    if (valid) {
        FUZZ_CHECK(json_scan_valid(out, strlen(out), err, sizeof(err)), "invalid output (%s): %s", err, out);
    }
    char *plan_error = NULL;
    char *plan = obfuscate_exec_plan_text(text, n, false, &plan_error);
    FUZZ_CHECK(ends_with_dots(out) == (plan == NULL), "MongoDB \"...\" and exec-plan failure disagree");
    free(plan);
    free(plan_error);
    free(out);
    return 0;
}
