#!/bin/sh
# check_headers.sh INCLUDE_DIR
#
# Compiles each public header alone, as the first and only include of a
# translation unit, with -std=c89 -pedantic -Wall -Wextra -Werror, under
# every compiler found among gcc and clang (gcc is required).
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
    done
done
exit $status
