#!/usr/bin/env bash
# make bench: process isolation (docs/isolation.md) against in-process runs,
# from one run of this script: per-run overhead (slopes between two --times,
# so start-up does not count), scaling of CPU-bound checks with N workers,
# and the RSS of a worker. Figures, not a test.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
bin="$build/bin/rtloader"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/conf.d" "$tmp/checks.d"
printf 'hostname: bench\nrun_path: run\nconfd_path: conf.d\nlog_level: error\n' > "$tmp/datadog.yaml"

cat > "$tmp/checks.d/submit.py" <<'PY'
from datadog_checks.base import AgentCheck


class SubmitCheck(AgentCheck):
    def check(self, instance):
        names = instance["names"]
        if len(names) != instance["count"]:
            names[:] = ["bench.metric_%d" % i for i in range(instance["count"])]
        for name in names:
            self.gauge(name, 1.0)
PY
cat > "$tmp/checks.d/cpu.py" <<'PY'
import time

from datadog_checks.base import AgentCheck


class CpuCheck(AgentCheck):
    def check(self, instance):
        deadline = time.process_time() + instance["cpu_seconds"]
        n = 0
        while time.process_time() < deadline:
            n += sum(i * i for i in range(1000))
        self.gauge("bench.cpu", n % 7)
PY

# "wall cpu" nanoseconds of `rtloader check NAME --times T` with extra options;
# cpu is user + system of the host and its workers (reaped children). The
# machine may be shared: cpu is the steadier figure, wall the one a user sees.
timed() {
  local name=$1 times=$2; shift 2
  local TIMEFORMAT='%3R %3U %3S'
  { time "$bin" check "$name" --config "$tmp/datadog.yaml" --times "$times" --interval 0 \
      --format json "$@" > /dev/null 2> "$tmp/stderr"; } 2> "$tmp/time" \
    || { cat "$tmp/stderr" >&2; exit 1; }
  awk '{ printf "%.0f %.0f\n", $1 * 1e9, ($2 + $3) * 1e9 }' "$tmp/time"
}
# "wall cpu" ns per run: the slope between `lo` and `hi` runs
per_run() {
  local name=$1 lo=$2 hi=$3; shift 3
  local a b
  a=$(timed "$name" "$lo" "$@")
  b=$(timed "$name" "$hi" "$@")
  echo "$a $b" | awk -v d=$(( hi - lo )) '{ printf "%.0f %.0f\n", ($3 - $1) / d, ($4 - $2) / d }'
}
# median of the "wall cpu" lines on stdin, each column on its own
median2() {
  local lines w c
  lines=$(cat)
  w=$(cut -d' ' -f1 <<< "$lines" | sort -n | awk '{ v[NR] = $1 } END { m = int((NR + 1) / 2); print (NR % 2 ? v[m] : (v[m] + v[m + 1]) / 2) }')
  c=$(cut -d' ' -f2 <<< "$lines" | sort -n | awk '{ v[NR] = $1 } END { m = int((NR + 1) / 2); print (NR % 2 ? v[m] : (v[m] + v[m + 1]) / 2) }')
  printf '%.0f %.0f\n' "$w" "$c"
}
# Both modes, `reps` times, interleaved so that a burst of load from other
# processes hits both alike; sets inproc and worker to the median slopes.
# One slope is noisy on a shared machine (one run of the bench used to swing
# the 10-metric overhead by tens of microseconds); the median of 5 is not.
both_modes() {
  local name=$1 lo=$2 hi=$3 reps=$4; shift 4
  local a="" b="" i
  for i in $(seq "$reps"); do
    a+="$(per_run "$name" "$lo" "$hi")"$'\n'
    b+="$(per_run "$name" "$lo" "$hi" --isolation process "$@")"$'\n'
  done
  inproc=$(printf '%s' "$a" | median2)
  worker=$(printf '%s' "$b" | median2)
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
us() { awk -v a="$1" 'BEGIN { printf "%.1f", a / 1000 }'; }
wall() { echo "${1% *}"; }
cpu() { echo "${1#* }"; }

echo "== process isolation: overhead per run (median of 5 (10 metrics) or 3 slopes between two --times; load average $(cut -d" " -f1-3 /proc/loadavg))"
for n in 10 100000; do
  printf 'instances:\n  - count: %d\n    names: []\n' "$n" > "$tmp/conf.d/submit.yaml"
  if [ "$n" = 10 ]; then lo=200; hi=2200; reps=5; else lo=1; hi=4; reps=3; fi
  both_modes submit "$lo" "$hi" "$reps" --workers 1
  echo "  $n metrics/run, wall: in process $(us "$(wall "$inproc")") us, in a worker" \
       "$(us "$(wall "$worker")") us: +$(us $(( $(wall "$worker") - $(wall "$inproc") ))) us," \
       "$(ratio "$(wall "$worker")" "$(wall "$inproc")")x"
  echo "  $n metrics/run, cpu:  in process $(us "$(cpu "$inproc")") us, in a worker" \
       "$(us "$(cpu "$worker")") us: +$(us $(( $(cpu "$worker") - $(cpu "$inproc") ))) us," \
       "$(ratio "$(cpu "$worker")" "$(cpu "$inproc")")x"
done
rm -f "$tmp/conf.d/submit.yaml"

echo "== process isolation: 2N CPU-bound checks (50 ms each) with N workers"
cores=$(getconf _NPROCESSORS_ONLN)
for workers in 1 2 4; do
  {
    echo "instances:"
    # distinct instances: identical ones share a check id and are scheduled once
    for i in $(seq $(( 2 * workers ))); do echo "  - cpu_seconds: 0.05"; echo "    n: $i"; done
  } > "$tmp/conf.d/cpu.yaml"
  inproc=$(per_run cpu 1 4)
  worker=$(per_run cpu 1 4 --isolation process --workers "$workers")
  echo "  N=$workers ($cores CPUs): a round of $(( 2 * workers )) checks, wall: in process" \
       "$(us "$(wall "$inproc")") us, $workers worker(s) $(us "$(wall "$worker")") us:" \
       "throughput $(ratio "$(wall "$inproc")" "$(wall "$worker")")x"
done
rm -f "$tmp/conf.d/cpu.yaml"

echo "== process isolation: RSS of a worker after running each example check"
cp -r "$root/examples/checks.d/." "$tmp/checks.d/"
cp -r "$root/examples/conf.d/." "$tmp/conf.d/"
for conf in "$root"/examples/conf.d/*; do
  name=$(basename "$conf" .d)
  rss=$("$bin" check "$name" --config "$tmp/datadog.yaml" --isolation process --workers 1 \
          --format json --stats 2>/dev/null \
        | awk -F'"value": ' '/rtloader.worker.rss_bytes/ { split($2, v, ","); print v[1] }')
  echo "  $name: $(awk -v b="${rss:-0}" 'BEGIN { printf "%.1f", b / 1048576 }') MiB"
done
