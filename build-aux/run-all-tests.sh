#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Everything the README's test command runs once its packages are in, from
# the top of the source tree, each part bounded in time (about 12 minutes
# in all on a 2-core machine; timings are printed):
#
#   1. _build (gcc, -Dwerror=true): every test suite
#   2. the C suites of _build under valgrind (meson test --setup valgrind)
#   3. _build-asan (gcc, -Db_sanitize=address,undefined, no optimisation,
#      which keeps what the optimiser would hide): the C suites with every
#      sanitizer error fatal (meson test --setup asan)
#   4. _build-fuzz (clang, ASan+UBSan, libFuzzer): each fuzz target for at
#      most 200,000 inputs or 60 seconds (build-aux/run-fuzzers.sh)
#
# It can be run again at any time: the build directories are reused.

set -eu
cd "$(dirname "$0")/.."

setup () {
  dir=$1
  shift
  if [ -f "$dir/build.ninja" ]; then
    meson setup --reconfigure "$@" "$dir"
  else
    meson setup "$@" "$dir"
  fi
}

start=$(date +%s)
part_start=$start
timing=""
part () {
  now=$(date +%s)
  timing="$timing
  $1: $((now - part_start)) s"
  part_start=$now
}
# What each part took, also when one fails
report () {
  status=$?
  echo "Time taken:$timing"
  if [ $status -ne 0 ]; then
    echo "  the part that failed, until it did: $(( $(date +%s) - part_start )) s"
  fi
  echo "  in all: $(( $(date +%s) - start )) s"
}
trap report EXIT

setup _build -Dwerror=true
ninja -C _build
meson test -C _build --print-errorlogs
part "build and test suite"

meson test -C _build --setup valgrind --print-errorlogs
part "C suites under valgrind"

setup _build-asan -Dwerror=true -Dbuildtype=debug -Db_sanitize=address,undefined -Db_lundef=false
ninja -C _build-asan
meson test -C _build-asan --setup asan --print-errorlogs
part "ASan+UBSan build and C suites"

# clang for libFuzzer (a build directory keeps the compiler it was made with)
if [ -f _build-fuzz/build.ninja ]; then
  meson setup --reconfigure _build-fuzz
else
  CC=clang meson setup -Dfuzzing=enabled -Db_sanitize=address,undefined -Db_lundef=false \
    -Dtests=false -Dexamples=false -Dintrospection=disabled _build-fuzz
fi
ninja -C _build-fuzz
build-aux/run-fuzzers.sh _build-fuzz 200000 60
part "libFuzzer build and fuzzers"
