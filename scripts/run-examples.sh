#!/usr/bin/env bash
# make run: runs each example check once through the rtloader host and
# prints what it submitted, then the memory tracker's summary.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"

status=0
for check in disk_usage_check file_count_check load_avg_check ctx_switches_check; do
  "$build/bin/rtloader" check "$check" --config "$root/examples/datadog.yaml" || status=1
  echo
done
# a second run of the cache-using check shows the delta it keeps across runs
"$build/bin/rtloader" check ctx_switches_check --config "$root/examples/datadog.yaml" --stats || status=1
exit $status
