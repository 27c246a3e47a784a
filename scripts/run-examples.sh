#!/usr/bin/env bash
# make run: runs the example checks once through the example host and prints
# what they submitted.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"

exec "$build/bin/example_host" "$root/examples/checks.d" "$root/host/python" -- \
  disk_usage '{"paths": ["/"], "tags": ["env:example"]}' \
  file_count "{\"directory\": \"$root/examples/conf.d\"}" \
  load_avg '{"tags": ["env:example"]}' \
  ctx_switches '{}'
