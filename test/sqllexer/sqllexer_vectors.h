/* Vector rows for test_sqllexer.c: one run of sqllexer_run and what it must give. */
#ifndef RTLOADER_TEST_SQLLEXER_VECTORS_H
#define RTLOADER_TEST_SQLLEXER_VECTORS_H

#include <stddef.h>

#include "sqllexer.h"

enum {
    F_DIGITS = 1 << 0, /* replace_digits */
    F_DQF = 1 << 1,    /* dollar_quoted_func */
    F_KPP = 1 << 2,    /* keep_positional_parameter */
    F_KNULL = 1 << 3,
    F_KBOOL = 1 << 4,
    F_KTS = 1 << 5,    /* keep_trailing_semicolon */
    F_KIQ = 1 << 6,    /* keep_identifier_quotation */
    F_RSBP = 1 << 7,   /* remove_space_between_parentheses */
    F_KJP = 1 << 8,    /* keep_json_path */
    F_PROCS = 1 << 9,  /* collect_procedures */
    F_NOCOLLECT = 1 << 10, /* tables, commands and comments NOT collected */
    F_ANYMETA = 1 << 11,   /* the row does not check metadata */
};

#define MAX_ITEMS 12

typedef struct {
    const char *id;
    sqllexer_mode_t mode;
    const char *dbms; /* through sqllexer_dbms_from_name; NULL = generic */
    unsigned flags;
    const char *input;
    const char *output;
    /* NULL-terminated expected lists (distinct, in order) */
    const char *tables[MAX_ITEMS], *commands[MAX_ITEMS], *comments[MAX_ITEMS],
        *procedures[MAX_ITEMS];
} sqllexer_vector_t;

extern const sqllexer_vector_t sqllexer_spec_vectors[];
extern const size_t sqllexer_spec_vector_count;
extern const sqllexer_vector_t sqllexer_own_vectors[];
extern const size_t sqllexer_own_vector_count;

#endif
