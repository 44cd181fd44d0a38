#!/bin/sh
# fuzz.sh [SECONDS] - builds the libFuzzer targets (tests/fuzz/) with clang,
# ASan and UBSan in build-fuzz/, then runs each for SECONDS (default 60).
# Inputs that find new code paths accumulate in build-fuzz/tests/fuzz/corpus/,
# so later runs start where earlier ones stopped; the committed seeds in
# tests/fuzz/corpus/ (and tests/hostile/ for the validator) are only read.
# The validator also gets a dictionary (tests/fuzz/fuzz_validate.dict: keys,
# levels, every valid and invalid string escape).
# A crash leaves crash-*/leak-*/timeout-* files in
# build-fuzz/tests/fuzz/artifacts/ (replay one with build-fuzz/bin/<target>
# <file>) and makes the script exit 1. Environment: BUILD_FUZZ (default build-fuzz),
# JOBS (parallel build jobs, default 2).
set -eu

secs=${1:-60}
case $secs in
    '' | *[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_FUZZ:-$root/build-fuzz}
jobs=${JOBS:-2}
targets="fuzz_framing fuzz_validate fuzz_sdk_encode fuzz_syslog fuzz_regex_terms"

if ! command -v clang >/dev/null 2>&1; then
    echo "fuzz.sh: clang is missing (sudo apt-get install clang libclang-rt-dev)" >&2
    exit 1
fi
cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
    -DCL_FUZZ=ON -DCL_FUZZ_SECONDS="$secs" >/dev/null
# shellcheck disable=SC2086 # the target list is split on purpose
cmake --build "$build" -j"$jobs" --target $targets

# ctest runs each target against its work corpus and seeds (see
# tests/fuzz/CMakeLists.txt) and reports them like any other test.
cd "$build"
ctest -L fuzz --output-on-failure
