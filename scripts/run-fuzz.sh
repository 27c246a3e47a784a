#!/usr/bin/env bash
# Runs the libFuzzer targets of test/fuzz (docs/fuzzing.md).
#
#   scripts/run-fuzz.sh <build dir> [seconds per target, default 20]
#   scripts/run-fuzz.sh --replay <build dir>
#
# The build dir is one configured with -DCMAKE_C_COMPILER=clang
# -DRTLOADER_FUZZ=ON and built (target fuzz_targets): the executables are in
# <build dir>/fuzz/. Each target runs for the given time on a fresh COPY of
# its seed corpus (test/fuzz/corpus/<target>/, never written to), in
# <build dir>/fuzz-runs/<target>/ (corpus/, artifacts/, fuzz.log), with
# -timeout=5 -rss_limit_mb=2048. Exit status: 0 when no target found
# anything, 1 when one did (its reproducer path and a command to replay it
# are printed), 2 on a usage or set-up error.
#
# --replay runs every saved reproducer of test/fuzz/crashes/<target>/ once
# and says which still fail (exit 1 if any does): a fix is verified when
# they all pass. It also runs each target once over its seed corpus (seeds
# must never fail), so the oracles are exercised even without reproducers.
#
# Environment: FUZZ_TARGETS (default "fuzz_yaml fuzz_config fuzz_cache_key fuzz_sqllexer
# fuzz_legacy_sql fuzz_json_obfuscate"),
# FUZZ_ARGS (extra libFuzzer options), RTLOADER_FUZZ_ALLOW (known findings
# whose oracle is skipped, see docs/fuzzing.md), RTLOADER_FUZZ_TMPDIR (where
# the targets make their scratch directories; default /dev/shm).
set -uo pipefail

usage() {
    echo "usage: $0 <build dir> [seconds per target, default 20]" >&2
    echo "       $0 --replay <build dir>" >&2
    exit 2
}

replay=0
if [ "${1:-}" = "--replay" ]; then
    replay=1
    shift
fi
if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi
build=$1
seconds=${2:-20}
case $seconds in '' | *[!0-9]* | 0) echo "$0: seconds must be a positive integer, not '$seconds'" >&2; exit 2 ;; esac
if [ $replay -eq 1 ] && [ $# -ne 1 ]; then usage; fi

root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$build" 2>/dev/null && pwd) || { echo "$0: no build directory '$1'" >&2; exit 2; }
targets=${FUZZ_TARGETS:-fuzz_yaml fuzz_config fuzz_cache_key fuzz_sqllexer fuzz_legacy_sql fuzz_json_obfuscate}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

dict_for() {
    case $1 in
    fuzz_yaml | fuzz_config) echo "$root/test/fuzz/dict/yaml.dict" ;;
    fuzz_cache_key) echo "$root/test/fuzz/dict/cache.dict" ;;
    fuzz_sqllexer) echo "$root/test/fuzz/dict/sqllexer.dict" ;;
    fuzz_legacy_sql) echo "$root/test/fuzz/dict/legacy_sql.dict" ;;
    fuzz_json_obfuscate) echo "$root/test/fuzz/dict/json_obfuscate.dict" ;;
    esac
}

for t in $targets; do
    if [ ! -x "$build/fuzz/$t" ]; then
        echo "$0: $build/fuzz/$t not found: configure with -DCMAKE_C_COMPILER=clang -DRTLOADER_FUZZ=ON" \
             "and build the target fuzz_targets" >&2
        exit 2
    fi
done

if [ $replay -eq 1 ]; then
    failed=0
    passed=0
    failures=0
    for t in $targets; do
        seeds=$root/test/fuzz/corpus/$t
        if [ -d "$seeds" ]; then
            count=$(find "$seeds" -type f | wc -l)
            if "$build/fuzz/$t" -timeout=5 -rss_limit_mb=2048 "$seeds"/* >/dev/null 2>&1; then
                echo "passes: $t seeds (${seeds#"$root"/}, $count files)"
                passed=$((passed + 1))
            else
                echo "FAILS:  $t seeds (${seeds#"$root"/})   (replay: $build/fuzz/$t -timeout=5 -rss_limit_mb=2048 $seeds/*)"
                failed=1
                failures=$((failures + 1))
            fi
        fi
        dir=$root/test/fuzz/crashes/$t
        [ -d "$dir" ] || continue
        for f in "$dir"/*; do
            [ -f "$f" ] || continue
            case $f in *.md | *.txt | *.patch) continue ;; esac
            if "$build/fuzz/$t" -timeout=5 -rss_limit_mb=2048 "$f" >/dev/null 2>&1; then
                echo "passes: $t ${f#"$root"/}"
                passed=$((passed + 1))
            else
                echo "FAILS:  $t ${f#"$root"/}   (replay: $build/fuzz/$t -timeout=5 -rss_limit_mb=2048 $f)"
                failed=1
                failures=$((failures + 1))
            fi
        done
    done
    echo "$passed passed, $failures failed"
    exit $failed
fi

failed=0
for t in $targets; do
    out=$build/fuzz-runs/$t
    rm -rf "$out"
    mkdir -p "$out/corpus" "$out/artifacts"
    cp "$root/test/fuzz/corpus/$t/"* "$out/corpus/"
    echo "== $t: ${seconds}s on a copy of test/fuzz/corpus/$t ($(find "$out/corpus" -type f | wc -l) seeds)"
    # shellcheck disable=SC2086 # FUZZ_ARGS is a list of options
    "$build/fuzz/$t" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 \
        -dict="$(dict_for "$t")" -artifact_prefix="$out/artifacts/" -print_final_stats=1 \
        ${FUZZ_ARGS:-} "$out/corpus" >"$out/fuzz.log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/fuzz.log" | tail -1)
    cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$out/fuzz.log" | tail -1)
    artifacts=$(find "$out/artifacts" -type f | sort)
    if [ $rc -eq 0 ] && [ -z "$artifacts" ]; then
        echo "   ok: ${execs:-?} inputs run, $cov, log $out/fuzz.log"
        continue
    fi
    failed=1
    echo "   FAILED (exit $rc) after ${execs:-?} inputs; log: $out/fuzz.log"
    grep -E '^(ORACLE FAILURE|==[0-9]+==ERROR|SUMMARY)|runtime error' "$out/fuzz.log" | head -5 | sed 's/^/   /'
    if [ -z "$artifacts" ]; then
        echo "   (no reproducer written: see the log)"
    fi
    for a in $artifacts; do
        echo "   reproducer: $a"
        echo "   replay:     $build/fuzz/$t -timeout=5 -rss_limit_mb=2048 $a"
    done
done
exit $failed
