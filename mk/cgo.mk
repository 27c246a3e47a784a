# The cgo build and run environment shared by go/Makefile and test/Makefile:
# Go packages built through cgo against a CMake build of the libraries, and
# the sanitizer runtimes preloaded into the test binaries.
#
# The including Makefile (one directory below the repository) sets first:
#   HASHED_HEADERS     C files whose change must rebuild the cgo packages
#                      (Go does not track C headers outside the package)
#   CGO_EXTRA_CFLAGS   (optional) more CGO_CFLAGS, e.g. -I directories
#   CGO_EXTRA_LDFLAGS  (optional) more CGO_LDFLAGS, e.g. -l libraries
# and gets: ROOT, BUILD_ABS, LIB_DIR, GO, PYTHON_HOME, GOTESTFLAGS, PRELOAD,
# SANITIZER_ENV, EXEC_FLAG and GO_ENV.
#
# SANITIZE=1 preloads the compiler's ASan/UBSan runtimes (the Go binary is not
# instrumented, so ASan must be preloaded); PRELOAD gives an explicit
# LD_PRELOAD list instead (default: $RTLOADER_TEST_PRELOAD).

ROOT        := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)
BUILD_DIR   ?= ../build
BUILD_ABS   := $(abspath $(BUILD_DIR))
LIB_DIR     := $(BUILD_ABS)/lib
GO          ?= $(or $(shell command -v go 2>/dev/null),/usr/lib/go-1.19/bin/go)
PYTHON_HOME ?= $(RTLOADER_TEST_PYTHON_HOME)
GOTESTFLAGS ?=
SANITIZE    ?=
CC          ?= cc

HEADERS_HASH := $(shell cat $(HASHED_HEADERS) 2>/dev/null | cksum | cut -d' ' -f1)

ifeq ($(SANITIZE),1)
PRELOAD ?= $(strip $(foreach lib,libasan.so libubsan.so,$(abspath $(shell $(CC) -print-file-name=$(lib)))))
SANITIZER_ENV := ASAN_OPTIONS=detect_leaks=0:handle_segv=0:allow_user_segv_handler=1:detect_stack_use_after_return=0 \
                 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
endif
PRELOAD ?= $(RTLOADER_TEST_PRELOAD)

# LD_PRELOAD must reach the test binaries only, not the go tool and the C
# compiler it runs: go test -exec starts each binary through env.
EXEC_FLAG := $(if $(PRELOAD),-exec 'env LD_PRELOAD=$(PRELOAD)')

GO_ENV := CGO_ENABLED=1 \
          CGO_CFLAGS="$(strip $(CGO_EXTRA_CFLAGS) -DRTLOADER_HEADERS_HASH=$(HEADERS_HASH))" \
          CGO_LDFLAGS="$(strip -L$(LIB_DIR) $(CGO_EXTRA_LDFLAGS) -Wl,-rpath,$(LIB_DIR))" \
          GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOWORK=off \
          $(if $(HOME),,GOCACHE=$(BUILD_ABS)/go-cache GOPATH=$(BUILD_ABS)/go-path)
