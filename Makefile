# The two commands of the README:
#   make run   - install what is missing, build, run the example checks
#   make test  - install what is missing, build, run every test
# Everything builds out of tree under build/ (build-asan/ for the sanitizer build).

BUILD_DIR ?= build
ASAN_BUILD_DIR ?= build-asan
CMAKE_FLAGS ?=
JOBS ?= $(shell nproc)
GO ?= $(shell command -v go 2>/dev/null || echo /usr/lib/go-1.19/bin/go)

.PHONY: all deps build run test test-c test-go sanitize test-asan bench clean

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
test-asan: deps
	cmake -S . -B $(ASAN_BUILD_DIR) -DRTLOADER_SANITIZE=ON $(CMAKE_FLAGS) >/dev/null
	cmake --build $(ASAN_BUILD_DIR) -j$(JOBS)
	@RTLOADER_SANITIZE=1 scripts/run-tests.sh $(ASAN_BUILD_DIR)

bench: build
	@scripts/run-bench.sh $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR)
