/* json_keys.c - the Agent's default key lists for exec plans and MongoDB commands (spec
 * obfuscation.md §4, §5), exact spelling. */
#include <stddef.h>

#include "json_obfuscate.h"

static const char *const sql_keys[] = {
    "attached_condition", "Cache Key", "Conflict Filter", "Function Call", "Filter", "Hash Cond",
    "Index Cond", "Join Filter", "Merge Cond", "Output", "Recheck Cond", "Repeatable Seed",
    "Sampling Parameters", "TID Cond", NULL};

/* List B, then the estimates that only list A keeps. */
#define KEEP_B                                                                                     \
    "access_type", "backward_index_scan", "cacheable", "delete", "dependent", "first_match", "key", \
        "key_length", "possible_keys", "ref", "select_id", "table_name", "update", "used_columns", \
        "used_key_parts", "using_MRR", "using_filesort", "using_index", "using_join_buffer",       \
        "using_temporary_table", "Actual Loops", "Actual Rows", "Actual Startup Time",             \
        "Actual Total Time", "Alias", "Async Capable", "Average Sort Space Used", "Cache Evictions", \
        "Cache Hits", "Cache Misses", "Cache Overflows", "Calls", "Command",                       \
        "Conflict Arbiter Indexes", "Conflict Resolution", "Conflicting Tuples", "Constraint Name", \
        "CTE Name", "Custom Plan Provider", "Deforming", "Emission", "Exact Heap Blocks",           \
        "Execution Time", "Expressions", "Foreign Delete", "Foreign Insert", "Foreign Update",     \
        "Full-sort Group", "Function Name", "Generation", "Group Count", "Grouping Sets",          \
        "Group Key", "HashAgg Batches", "Hash Batches", "Hash Buckets", "Heap Fetches",            \
        "I/O Read Time", "I/O Write Time", "Index Name", "Inlining", "Join Type",                  \
        "Local Dirtied Blocks", "Local Hit Blocks", "Local Read Blocks", "Local Written Blocks",   \
        "Lossy Heap Blocks", "Node Type", "Optimization", "Original Hash Batches",                \
        "Original Hash Buckets", "Parallel Aware", "Parent Relationship", "Partial Mode",         \
        "Peak Memory Usage", "Peak Sort Space Used", "Planned Partitions", "Planning Time",       \
        "Pre-sorted Groups", "Presorted Key", "Query Identifier", "Relation Name",                \
        "Rows Removed by Conflict Filter", "Rows Removed by Filter",                              \
        "Rows Removed by Index Recheck", "Rows Removed by Join Filter", "Sampling Method",         \
        "Scan Direction", "Schema", "Settings", "Shared Dirtied Blocks", "Shared Hit Blocks",     \
        "Shared Read Blocks", "Shared Written Blocks", "Single Copy", "Sort Key", "Sort Method",   \
        "Sort Methods Used", "Sort Space Type", "Sort Space Used", "Strategy", "Subplan Name",     \
        "Subplans Removed", "Target Tables", "Temp Read Blocks", "Temp Written Blocks", "Time",   \
        "Timing", "Total", "Trigger", "Trigger Name", "Triggers", "Tuples Inserted",              \
        "Tuplestore Name", "WAL Bytes", "WAL FPI", "WAL Records", "Worker", "Worker Number",       \
        "Workers", "Workers Launched", "Workers Planned"

static const char *const keep_a[] = {KEEP_B, "cost_info", "filtered", "rows_examined_per_join",
                                     "rows_examined_per_scan", "rows_produced_per_join",
                                     "Plan Rows", "Plan Width", "Startup Cost", "Total Cost", NULL};
static const char *const keep_b[] = {KEEP_B, NULL};

static const char *const mongo_keep[] = {
    "find", "sort", "projection", "skip", "batchSize", "$db", "getMore", "collection", "delete",
    "findAndModify", "insert", "ordered", "update", "aggregate", "comment", NULL};

const obf_json_keys_t obf_exec_plan_keys = {keep_a, sql_keys};
const obf_json_keys_t obf_exec_plan_normalize_keys = {keep_b, sql_keys};
const obf_json_keys_t obf_mongodb_keys = {mongo_keep, NULL};
