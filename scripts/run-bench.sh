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
echo "== SQL obfuscator, go-sqllexer modes, vs a plain lexer pass"
"$build/bin/bench_sqllexer"
