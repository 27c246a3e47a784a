#!/usr/bin/env bash
# Runs every test against one build directory: the C tests (ctest) and the
# Go tests through cgo (make -C test). With RTLOADER_SANITIZE=1 the build is
# an ASan+UBSan one and the sanitizer runtime settings are exported.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"

if [ "${RTLOADER_SANITIZE:-0}" = 1 ]; then
  # libpython is not instrumented and never finalized: its allocations are
  # not ours to report. Everything else leaking fails the run.
  export LSAN_OPTIONS="suppressions=$root/scripts/lsan.supp:print_suppressions=0"
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:detect_odr_violation=0"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  # a Go test binary is not instrumented: the runtime must come first
  export RTLOADER_TEST_PRELOAD="$(gcc -print-file-name=libasan.so)"
fi

status=0
echo "== C tests (ctest) in $build"
ctest --test-dir "$build" --output-on-failure -j2 || status=1

echo "== Go tests (make -C test) in $build"
make -C "$root/test" BUILD_DIR="$build" || status=1

exit $status
