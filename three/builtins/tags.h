/*
 * tags.h - turning a Python `tags` argument into the NULL-terminated
 * `char **` the host callbacks expect.
 *
 * This is the aggregator's hot path, so nothing is copied: the array holds
 * borrowed UTF-8 pointers (PyUnicode_AsUTF8AndSize) into str objects kept
 * alive by `owner`, and the array itself lives inside the struct (on the
 * caller's stack) for up to TAGS_STACK_SLOTS tags. Only longer lists take one
 * heap block from the rtloader allocator.
 *
 * Rules (spec §3.1, with the upstream "str is split into characters" bug
 * fixed):
 *   - str, bytes and bytearray      -> TypeError("tags must be a sequence")
 *   - no sequence protocol          -> TypeError("tags must be a sequence")
 *   - len() fails                   -> RuntimeError("could not compute tags length")
 *   - no memory for a long list     -> RuntimeError("could not allocate memory for tags")
 *   - items that are not str, cannot be encoded to UTF-8 (lone surrogates)
 *     or contain an embedded NUL are skipped silently: the host would see a
 *     truncated tag otherwise;
 *   - an empty sequence gives {NULL}.
 *
 * GIL: the caller holds it from tags_convert() until after the last use of
 * `array`, and runs no Python code in between (a list could otherwise be
 * mutated and its str items freed). All host submission callbacks run with
 * the GIL held, which is what makes the no-copy approach sound.
 */
#ifndef RTLOADER_THREE_BUILTINS_TAGS_H
#define RTLOADER_THREE_BUILTINS_TAGS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "three.h"

/* Checks send a handful of tags; 64 covers nearly all of them (520 bytes of stack). */
#define TAGS_STACK_SLOTS 64

struct tags {
    char **array;   /* NULL-terminated; points at `stack` or a three_malloc block */
    PyObject *owner; /* new ref: list/tuple whose items the pointers borrow from */
    char *stack[TAGS_STACK_SLOTS + 1];
};

/*
 * Fills `t` from `obj` (borrowed). Returns 0, or -1 with a Python exception
 * set and `t` left in a released state (tags_release() is then a no-op, so
 * callers may call it unconditionally).
 */
THREE_INTERNAL int tags_convert(PyObject *obj, struct tags *t);

/*
 * Drops the reference and the heap block, if any. Safe after any
 * tags_convert() (whatever it returned) and after tags_init().
 */
THREE_INTERNAL void tags_release(struct tags *t);

/* Marks `t` empty without touching the 520-byte stack area. */
static inline void tags_init(struct tags *t)
{
    t->array = NULL;
    t->owner = NULL;
}

#endif /* RTLOADER_THREE_BUILTINS_TAGS_H */
