# Thin wrapper over CMake (as Neovim does): the two commands of the README.
#   make run   - install what is missing, build, run the collector (./var/)
#   make test  - install what is missing, check the C sources' format
#                (.clang-format), build, run every test, then again
#                under AddressSanitizer + UndefinedBehaviorSanitizer, then the
#                main end-to-end tests with the collector under valgrind
#                memcheck, then the SDK's tests and the main end-to-end tests
#                under ThreadSanitizer, then the libFuzzer targets for
#                FUZZ_SECONDS each
BUILD      ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=
# Crash injection (CENTRALLOG_CRASH_AT, collector/store/crash.h) is compiled
# into the builds the tests use, never into what `make run` runs or a
# package installs (plain cmake leaves it OFF).
CL_TESTING ?= ON
run: CL_TESTING = OFF
FUZZ_SECONDS ?= 20
# End-to-end tests run with centrallogd under valgrind (a reduced load).
VALGRIND_TESTS ?= test_ingest test_mixed test_hostile

.PHONY: all deps build run run-banner test test-plain test-asan test-tsan test-fuzz test-valgrind test-win fuzz \
        bench clean help format test-format

all: build

help:
	@echo "make run    install dependencies, build, run centrallogd with data in ./var"
	@echo "make test   install dependencies, build, run all tests (plain, ASan+UBSan,"
	@echo "            libFuzzer for FUZZ_SECONDS each, valgrind over the main e2e tests,"
	@echo "            ThreadSanitizer over the SDK's tests and the main e2e tests)"
	@echo "make test-tsan  the ThreadSanitizer part alone (build-tsan/)"
	@echo "make test-win  cross-build for Windows and run its tests under Wine"
	@echo "make fuzz   run each libFuzzer target for FUZZ_SECONDS (default 20; try 600)"
	@echo "make build  build into $(BUILD)/ (binaries in $(BUILD)/bin)"
	@echo "make bench  run the ingest benchmark (see bench/README.md)"
	@echo "make format reformat every C source with clang-format (.clang-format)"
	@echo "make clean  remove build trees"

deps:
	@sh scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCL_WERROR=ON -DCL_TESTING=$(CL_TESTING) $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

# What `make run` says before the collector's own banner: the CLI is built,
# not installed, so it is not on PATH (README, Quick start).
run-banner:
	@echo "centrallog, the command-line tool, is in $(CURDIR)/$(BUILD)/bin; in another shell:"
	@echo "  export PATH=\"$(CURDIR)/$(BUILD)/bin:\$$PATH\""
	@echo "  centrallog --db $(CURDIR)/var/centrallog.db -n 20"

run: build run-banner
	./$(BUILD)/bin/centrallogd --data-dir ./var $(ARGS)

test: test-format test-plain test-asan test-valgrind test-tsan test-fuzz test-win

# Every C source and header of the project (none is third-party: nothing is
# vendored), formatted by .clang-format. `make format` rewrites them;
# test-format lists the ones that differ and fails.
FORMAT_SOURCES = $(shell find collector client-sdk common tools tests bench \
	-name '*.[ch]' -type f | LC_ALL=C sort)

format: deps
	@clang-format -i $(FORMAT_SOURCES)

test-format: deps
	@bad=""; for f in $(FORMAT_SOURCES); do \
	    clang-format "$$f" | cmp -s - "$$f" || bad="$$bad $$f"; \
	done; \
	if [ -n "$$bad" ]; then \
	    echo "not formatted as .clang-format says (run make format):"; \
	    for f in $$bad; do echo "    $$f"; done; exit 1; \
	fi

# Tests that share a fixed place (root's /run/centrallog, Wine's prefix)
# hold a RESOURCE_LOCK (tests/CMakeLists.txt), so the suites run in parallel.
test-plain: build
	cd $(BUILD) && ctest -j$(JOBS) --output-on-failure

test-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCL_WERROR=ON -DCL_SANITIZE=address,undefined \
	    -DCL_TESTING=ON -DCMAKE_BUILD_TYPE=Debug $(CMAKE_ARGS) >/dev/null
	@cmake --build $(ASAN_BUILD) -j$(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest -j$(JOBS) --output-on-failure

# ThreadSanitizer (it cannot be combined with ASan: a build of its own) over
# what has threads to race: the SDK (sender thread, buffer, counters,
# reconnect, flush, fork) through its unit tests and end-to-end tests, and
# the collector (writer, keeper, compressor, connections) under them and
# under the main end-to-end tests. Only the programs these tests run are
# built. Any report fails the test (halt_on_error). e2e test_sdk test_fork
# is left out: TSan cannot start a thread in the child of a multi-threaded
# fork (tests/unit/test_sdk_fork.c runs the rest of that scenario).
TSAN_UNIT = $(notdir $(basename $(wildcard tests/unit/test_sdk_*.c)))
TSAN_TARGETS = centrallogd centrallog sdk_load sdk_probe sdk_stress $(TSAN_UNIT)
TSAN_TESTS = ^(unit\.test_sdk_|e2e\.test_sdk\.|e2e\.test_sdk_stress\.|e2e\.test_ingest\.|e2e\.test_mixed\.)
test-tsan: deps
	@cmake -S . -B $(TSAN_BUILD) -DCL_WERROR=ON -DCL_SANITIZE=thread \
	    -DCL_TESTING=ON -DCMAKE_BUILD_TYPE=Debug $(CMAKE_ARGS) >/dev/null
	@cmake --build $(TSAN_BUILD) -j$(JOBS) --target $(TSAN_TARGETS)
	cd $(TSAN_BUILD) && TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	    ctest -j$(JOBS) --output-on-failure -R '$(TSAN_TESTS)' -E '^e2e\.test_sdk\.test_fork$$'

# The fuzz targets need clang; they build in build-fuzz/ (scripts/fuzz.sh).
test-fuzz fuzz: deps
	sh scripts/fuzz.sh $(FUZZ_SECONDS)

test-valgrind: build
	@for t in $(VALGRIND_TESTS); do \
	    echo "== $$t with centrallogd under valgrind"; \
	    CL_VALGRIND=1 CENTRALLOGD=$(CURDIR)/$(BUILD)/bin/centrallogd \
	    CL_BIN_DIR=$(CURDIR)/$(BUILD)/bin PYTHONDONTWRITEBYTECODE=1 \
	    /usr/bin/python3 tests/e2e/$$t.py || exit 1; \
	done

# The Windows build (mingw-w64) and its tests under Wine, all through ctest:
# cmocka unit tests through ctest's emulator, then the end-to-end tests in
# tests/win/ (wine.<file>.<function>). The native build makes the databases
# that centrallog.exe must read exactly as the native CLI does
# (tests/win/test_wine_cli.py). test_wine_service.py installs centrallogd.exe
# as a service in the build's Wine prefix and removes it again.
WIN_BUILD ?= build-win
WINE_ENV = WINEPREFIX=$(CURDIR)/$(WIN_BUILD)/wineprefix WINEDEBUG=-all \
	WINEDLLOVERRIDES="mscoree,mshtml="
test-win: build
	@sh scripts/install-deps.sh --windows
	@sh scripts/build-win-deps.sh $(WIN_BUILD)/deps
	@cmake -S . -B $(WIN_BUILD) -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64-x86_64.cmake \
	    -DCL_WIN_DEPS=$(CURDIR)/$(WIN_BUILD)/deps/prefix -DCL_WERROR=ON -DCL_TESTING=ON \
	    -DCL_NATIVE_BIN_DIR=$(CURDIR)/$(BUILD)/bin >/dev/null
	@cmake --build $(WIN_BUILD) -j$(JOBS)
	@$(WINE_ENV) setarch -R wineboot -u >/dev/null 2>&1 || true
	@# One persistent wineserver for the tests, its services started by a
	@# program whose output nobody waits for (tests/cltest/wine.py says why).
	@cd tests && $(WINE_ENV) CL_WIN_BIN=$(CURDIR)/$(WIN_BUILD)/bin /usr/bin/python3 -m cltest.wine --start-server
	cd $(WIN_BUILD) && $(WINE_ENV) ctest --output-on-failure; rc=$$?; \
	    $(WINE_ENV) wineserver -k; exit $$rc

bench: build
	/usr/bin/python3 bench/ingest.py --bin $(BUILD)/bin

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) build-fuzz $(WIN_BUILD)
