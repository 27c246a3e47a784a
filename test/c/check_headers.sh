#!/bin/sh
# check_headers.sh INCLUDE_DIR
#
# Compiles each public header alone, as the first and only include of a
# translation unit, with -std=c89 -pedantic -Wall -Wextra -Werror, under
# every compiler found among gcc and clang (gcc is required). Then, again
# with only that header included, code using what upstream's version of it
# makes visible, compiled as C99 (a host written against upstream's headers relies on it):
#   every header (all include rtloader_types.h, which includes <stdbool.h>
#   and <stdlib.h>): bool, size_t, NULL, malloc, free;
#   rtloader_mem.h: also ssize_t, strlen, and its own _malloc/_free/strdupe.
set -u
INC=$1
status=0
compilers=
for cc in gcc clang; do
    if command -v "$cc" > /dev/null 2>&1; then
        compilers="$compilers $cc"
    elif [ "$cc" = gcc ]; then
        echo "gcc not found"
        exit 1
    else
        echo "note: $cc not found, not tested with it"
    fi
done
headers=$(cd "$INC" && ls *.h)
[ -n "$headers" ] || { echo "no headers in $INC"; exit 1; }
for h in $headers; do
    for cc in $compilers; do
        out=$(printf '#include "%s"\n' "$h" |
              "$cc" -std=c89 -pedantic -Wall -Wextra -Werror -fsyntax-only -I "$INC" -x c - 2>&1)
        if [ $? -ne 0 ]; then
            echo "FAIL: $h with $cc:"
            printf '%s\n' "$out"
            status=1
        else
            echo "ok: $h with $cc"
        fi
        usage='int main(void) { bool b = true; size_t n = 4; void *p = malloc(n); free(p);
                 return (b && p != NULL) ? 0 : 1; }'
        case $h in
            rtloader_mem.h)
                usage='int main(void) { bool b = true; ssize_t s = -1; char *c = strdupe("ab");
                         void *p = malloc(strlen("x")); free(p); _free(c);
                         return (b && s < 0 && p != NULL && _malloc != NULL) ? 0 : 1; }' ;;
        esac
        # host code: C99 (bool), while the header itself was checked as C89
        out=$(printf '#include "%s"\n%s\n' "$h" "$usage" |
              "$cc" -std=c99 -pedantic -Wall -Wextra -Werror -fsyntax-only -I "$INC" -x c - 2>&1)
        if [ $? -ne 0 ]; then
            echo "FAIL: $h with $cc does not make malloc/free/bool/size_t visible as upstream's does:"
            printf '%s\n' "$out"
            status=1
        else
            echo "ok: $h alone makes upstream's names visible with $cc"
        fi
    done
done
exit $status
