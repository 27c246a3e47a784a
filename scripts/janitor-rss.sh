#!/usr/bin/env bash
# The janitor's memory next to a real host: starts `rtloader run` on the
# examples (in process), reads its janitor's VmRSS and PSS, stops the host.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
"$build/bin/rtloader" run --config "$root/examples/datadog.yaml" --log-level debug \
  >/dev/null 2>"$build/janitor-rss.err" &
host=$!
janitor=""
for _ in $(seq 100); do
  janitor="$(sed -n 's/.*janitor \([0-9]*\) started.*/\1/p' "$build/janitor-rss.err")"
  [ -n "$janitor" ] && break
  sleep 0.1
done
sleep 1 # the checks have run: the host is at its working size
if [ -n "$janitor" ]; then
  rss="$(awk '/^VmRSS:/ {print $2}' "/proc/$janitor/status")"
  pss="$(awk '/^Pss:/ {print $2}' "/proc/$janitor/smaps_rollup")"
  hrss="$(awk '/^VmRSS:/ {print $2}' "/proc/$host/status")"
  echo "janitor of rtloader run: RSS $rss kB, PSS $pss kB (host RSS $hrss kB)"
else
  echo "janitor of rtloader run: not found (see $build/janitor-rss.err)"
fi
kill -TERM "$host"
wait "$host" || true
