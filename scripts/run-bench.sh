#!/usr/bin/env bash
# make bench: the benchmarks, each reporting its ratio against a baseline
# measured in the same run. Not tests: they print figures.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
echo "== aggregator.submit_metric vs a no-op builtin"
"$build/bin/bench_aggregator"
echo
echo "== per-call API paths"
"$build/bin/bench_api" "$root/bench/python" "$root/host/python"
echo
echo "== make3 + init vs Py_InitializeFromConfig + base-class import (fresh processes)"
"$build/bin/bench_init" "$root/bench/python" "$root/host/python" | tee "$build/bench_init.out"
# Instruction counts of the same two regions, one process each, if valgrind is
# installed (counts are stable where timings on a shared machine are not).
if command -v valgrind >/dev/null 2>&1; then
  libpython="$(head -1 "$build/bench_init.out" | cut -d, -f1)"
  declare -A instr
  for side in ours raw; do
    instr[$side]="$(valgrind --tool=callgrind --callgrind-out-file=/dev/null --collect-atstart=no \
      "--toggle-collect=timed_$side" "$build/bin/bench_init" --child "$side" "$libpython" \
      "$root/bench/python" "$root/host/python" 2>&1 >/dev/null | sed -n 's/.*Collected : *\([0-9]*\).*/\1/p')"
  done
  awk -v o="${instr[ours]}" -v r="${instr[raw]}" 'BEGIN {
    printf "instructions (callgrind)  make3 + init %.1f M   baseline %.1f M   ratio %.3fx\n",
      o / 1e6, r / 1e6, o / r }'
else
  echo "instructions: valgrind not installed, callgrind counts skipped"
fi
echo
echo "== SQL obfuscator, go-sqllexer modes, vs a plain lexer pass"
"$build/bin/bench_sqllexer"
echo
echo "== obfuscate_sql per mode, 1,000-query mix, vs memcpy"
"$build/bin/bench_obfuscate"
echo
echo "== Go package: Check.Run vs the C API called directly from cgo (target <= 1.3x)"
make --no-print-directory -C "$root/go" bench BUILD_DIR="$build"
echo
echo "== the janitor: extra time per get_subprocess_output call, and its memory"
"$build/bin/bench_janitor"
"$root/scripts/janitor-rss.sh" "$build"
echo
"$root/scripts/bench-isolation.sh" "$build"
echo
echo "== OpenMetrics endpoint under load: 200 instances x 100 series, 20 scrapers (scripts/bench-openmetrics.py)"
python3 "$root/scripts/bench-openmetrics.py" "$build"
