#!/usr/bin/env bash
# Runs every test against one build directory: the C tests (ctest) and the Go
# tests through cgo (make -C test), once per Python backend built. With
# RTLOADER_SANITIZE=1 the build is an ASan+UBSan one and the sanitizer
# runtime settings are exported.
#
# Each pass exports RTLOADER_TEST_PYTHON_HOME and RTLOADER_TEST_PYTHON_VERSION;
# the test harnesses hand that home to make3, which loads that version's
# backend. RTLOADER_TEST_VERSIONS="3.11 3.12" restricts the passes.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
manifest="$build/lib/backends.txt"
supported="3.8 3.9 3.10 3.11 3.12 3.13"

if [ "${RTLOADER_SANITIZE:-0}" = 1 ]; then
  # libpython is not instrumented and never finalized: its allocations are
  # not ours to report. Everything else leaking fails the run.
  export LSAN_OPTIONS="suppressions=$root/scripts/lsan.supp:print_suppressions=0"
  # intercept_tls_get_addr=0: GCC 12's runtime misreads some dynamic TLS
  # blocks (a backend's, libpython 3.12's) as a range near 0, and
  # LeakSanitizer's scan at exit then crashes; the blocks stay reachable
  # through each thread's dtv (host/asan_options.c, docs/host.md).
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:detect_odr_violation=0:intercept_tls_get_addr=0"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  # a Go test binary is not instrumented: the runtime must come first
  export RTLOADER_TEST_PRELOAD="$(gcc -print-file-name=libasan.so)"
fi

if [ ! -f "$manifest" ]; then
  echo "no $manifest: build first (make build)" >&2
  exit 2
fi

wanted="${RTLOADER_TEST_VERSIONS:-$supported}"
for v in $supported; do
  if ! grep -q "^$v " "$manifest"; then
    echo "SKIPPED Python $v: no backend was built (no python$v-config with a shared libpython$v.so on this machine; see cmake's 'backend skipped' lines)"
  fi
done

failed=()
passes=0
echo "== version-independent C tests (ctest -L once) in $build"
ctest --test-dir "$build" --output-on-failure -L once || failed+=("once")
echo "== gofmt (once)"
make --no-print-directory -C "$root/test" fmt-check || failed+=("gofmt")

# The OpenMetrics endpoint end to end, with a real Prometheus: once, not per
# Python pass (what it tests - the sink, the store, the server - does not
# depend on the Python version; the default backend runs the checks). In
# every isolation mode `rtloader run` offers.
modes="none"
if "$build/bin/rtloader" run --help 2>/dev/null | grep -q -- "--isolation"; then
  modes="none process"
else
  echo "note: this rtloader has no --isolation: the OpenMetrics end-to-end runs in-process only"
fi
for mode in $modes; do
  echo
  echo "== OpenMetrics end-to-end with Prometheus (once, isolation $mode)"
  python3 "$root/test/openmetrics/e2e.py" "$build" "$mode" || failed+=("openmetrics/$mode")
done

while read -r version home; do
  case " $wanted " in *" $version "*) ;; *) continue ;; esac
  passes=$((passes + 1))
  echo
  echo "== pass $passes: Python $version (home $home)"
  export RTLOADER_TEST_PYTHON_HOME="$home" RTLOADER_TEST_PYTHON_VERSION="$version"
  ctest --test-dir "$build" --output-on-failure -LE once -j2 || failed+=("C/$version")
  make --no-print-directory -C "$root/test" BUILD_DIR="$build" || failed+=("Go/$version")
  # the Go package (go/): its 200-goroutine soak runs 10 s in the first pass, 1 s in the others
  soak=1
  [ "$passes" = 1 ] && soak=10
  make --no-print-directory -C "$root/go" test BUILD_DIR="$build" SOAK_SECONDS="$soak" || failed+=("go-package/$version")
done < "$manifest"

echo
if [ ${#failed[@]} -ne 0 ]; then
  echo "FAILED: ${failed[*]} ($passes Python passes)"
  exit 1
fi
echo "all tests passed in $passes Python passes"
