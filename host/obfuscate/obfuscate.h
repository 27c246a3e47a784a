/* The host's obfuscator (spec obfuscation.md): what the datadog_agent.obfuscate_sql,
 * obfuscate_sql_exec_plan and obfuscate_mongodb_string callbacks compute.
 *
 * There is one process-wide obfuscator: its state is the legacy literal-escape flag (§2.3),
 * shared by every caller, and the result cache when it is on. Every function here is thread-safe and is called WITHOUT
 * the GIL (it never touches Python). Results and errors are malloc'd (libc) NUL-terminated
 * strings the caller frees with free(); exactly one of them is non-NULL. */
#ifndef RTLOADER_HOST_OBFUSCATE_OBFUSCATE_H
#define RTLOADER_HOST_OBFUSCATE_OBFUSCATE_H

#include <stdbool.h>
#include <stddef.h>

#include "result_cache.h"

/* obfuscate_sql(query, options): options is JSON text or NULL (§1.2-§1.5). */
char *obfuscate_sql_text(const char *query, size_t len, const char *options, size_t options_len,
                         char **error);

/* obfuscate_sql_exec_plan(plan, normalize) (§4). */
char *obfuscate_exec_plan_text(const char *plan, size_t len, bool normalize, char **error);

/* obfuscate_mongodb_string(command) (§5). */
char *obfuscate_mongodb_text(const char *command, size_t len, char **error);

/* The result cache (result_cache.h) behind the three entry points: off (the initial state)
 * or on with a budget of max_bytes (0: off). Returns -1 when out of memory (the cache is then
 * left as it was). Replacing a cache frees it: call only while no obfuscation runs (at start,
 * or between test phases). Results are the same with or without it (docs/obfuscation.md). */
int obfuscate_cache_configure(bool enabled, size_t max_bytes);
/* Tests and fuzz targets: puts `cache` (NULL: none) in place and returns the one it replaces,
 * freeing nothing, so that a caller can compare answers with and without its own cache. Same
 * rule: no obfuscation in flight. */
obf_result_cache_t *obfuscate_cache_swap(obf_result_cache_t *cache);
/* false (and zeros) when the cache is off. */
bool obfuscate_cache_stats(obf_result_cache_stats_t *stats);

/* Tests only: sets the process-wide literal-escape flag of §2.3 (false = backslash escapes,
 * the initial state) so that each vector starts from a known state. */
void obfuscate_set_literal_escapes(bool literal);
bool obfuscate_literal_escapes(void);

#endif
