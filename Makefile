# The two commands of the README:
#   make run   - install what is missing, build, run the example checks
#   make test  - install what is missing, build, run every test
# Everything builds out of tree under build/ (build-asan/ for the sanitizer build).

BUILD_DIR ?= build
ASAN_BUILD_DIR ?= build-asan
CLANG_BUILD_DIR ?= build-clang
FUZZ_BUILD_DIR ?= build-fuzz
FUZZ_SECONDS ?= 20
CMAKE_FLAGS ?=
JOBS ?= $(shell nproc)
GO ?= $(shell command -v go 2>/dev/null || echo /usr/lib/go-1.19/bin/go)

.PHONY: all deps build run test test-asan test-clang fuzz-build fuzz fuzz-replay bench clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD_DIR) -j$(JOBS)

run: build
	@scripts/run-examples.sh $(BUILD_DIR)

test: build
	@scripts/run-tests.sh $(BUILD_DIR)

# Same tests, everything built with AddressSanitizer + UndefinedBehaviorSanitizer.
# No benchmarks there: none runs under the sanitizers (the gcc and clang
# builds compile them).
test-asan: deps
	cmake -S . -B $(ASAN_BUILD_DIR) -DRTLOADER_SANITIZE=ON -DRTLOADER_BUILD_BENCH=OFF $(CMAKE_FLAGS) >/dev/null
	cmake --build $(ASAN_BUILD_DIR) -j$(JOBS)
	@RTLOADER_SANITIZE=1 scripts/run-tests.sh $(ASAN_BUILD_DIR)

# Everything also builds warning-free with clang; its version-independent tests run.
test-clang: deps
	cmake -S . -B $(CLANG_BUILD_DIR) -DCMAKE_C_COMPILER=clang $(CMAKE_FLAGS) >/dev/null
	cmake --build $(CLANG_BUILD_DIR) -j$(JOBS)
	ctest --test-dir $(CLANG_BUILD_DIR) --output-on-failure -L once

# libFuzzer targets (clang), FUZZ_SECONDS per target: docs/fuzzing.md
fuzz-build: deps
	cmake -S . -B $(FUZZ_BUILD_DIR) -DCMAKE_C_COMPILER=clang -DRTLOADER_FUZZ=ON -DRTLOADER_BUILD_TESTS=OFF -DRTLOADER_BUILD_BENCH=OFF $(CMAKE_FLAGS) >/dev/null
	cmake --build $(FUZZ_BUILD_DIR) -j$(JOBS) --target fuzz_targets

fuzz: fuzz-build
	@scripts/run-fuzz.sh $(FUZZ_BUILD_DIR) $(FUZZ_SECONDS)

# Every saved reproducer once: deterministic, so CI runs it.
fuzz-replay: fuzz-build
	@scripts/run-fuzz.sh --replay $(FUZZ_BUILD_DIR)

bench: build
	@scripts/run-bench.sh $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR) $(CLANG_BUILD_DIR) $(FUZZ_BUILD_DIR)
