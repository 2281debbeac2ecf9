#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Runs the libFuzzer targets of a build made with clang and -Dfuzzing=enabled
# (see README.md, "Fuzzing"), each on a scratch copy of its seed corpus in
# fuzz/corpus/, for at most RUNS inputs or SECONDS seconds, whichever comes
# first, two at a time. A crash, a leak, a time-out (10 s on one input) or
# going over 2 GiB fails the run; the input that did it is kept in
# BUILDDIR/fuzz/artifacts/ and the end of the target's log is shown.
#
# The mutations are drawn from a fixed seed, PP_FUZZ_SEED (1 unless set);
# PP_FUZZ_SEED=0 draws a new seed each time, to explore. A fixed seed does
# not make two runs equal, as the targets' threads and timers make their
# coverage vary: a failure is replayed from the input it keeps.
#
#   build-aux/run-fuzzers.sh BUILDDIR [RUNS [SECONDS [TARGET…]]]

set -eu

if [ $# -lt 1 ]; then
  echo "Usage: $0 BUILDDIR [RUNS [SECONDS [TARGET…]]]" >&2
  exit 2
fi
builddir=$(cd "$1" && pwd)
runs=${2:-200000}
seconds=${3:-60}
seed=${PP_FUZZ_SEED:-1}
[ $# -gt 3 ] && shift 3 || set --
targets=${*:-wire normal-form listener proxy marshal}
srcdir=$(cd "$(dirname "$0")/.." && pwd)

# The library's GLib must free what it allocates for each input, or
# libFuzzer looks for leaks after every one (slow): no slice magazines
export G_SLICE=always-malloc
export ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1
export LSAN_OPTIONS=suppressions=$srcdir/build-aux/lsan.supp

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
artifacts=$builddir/fuzz/artifacts
mkdir -p "$artifacts"

# The seed libFuzzer drew with, which PP_FUZZ_SEED=0 leaves to it
used_seed () {
  sed -n 's/^INFO: Seed: //p' "$work/$1.log" | head -n 1
}

run_one () {
  target=$1
  exe=$builddir/fuzz/fuzz-$target
  if [ ! -x "$exe" ]; then
    echo "fuzz-$target: not built (is the build clang with -Dfuzzing=enabled?)" >"$work/$target.result"
    return 1
  fi
  mkdir -p "$work/$target"
  # New inputs go to the scratch directory; fuzz/corpus/ is only read
  if "$exe" -seed="$seed" -runs="$runs" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
       -print_final_stats=1 -artifact_prefix="$artifacts/$target-" \
       "$work/$target" "$srcdir/fuzz/corpus/$target" >"$work/$target.log" 2>&1; then
    done_line=$(grep -E '^Done [0-9]+ runs' "$work/$target.log" | tail -n 1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/$target.log")
    echo "fuzz-$target: ${done_line#Done } ($speed inputs/s, seed $(used_seed "$target"))" \
      >"$work/$target.result"
  else
    {
      echo "fuzz-$target: FAILED (seed $(used_seed "$target"))"
      tail -n 60 "$work/$target.log"
      ls "$artifacts/$target-"* 2>/dev/null | sed 's/^/  input kept: /'
    } >"$work/$target.result"
    return 1
  fi
}

status=0
set -- $targets
while [ $# -gt 0 ]; do
  run_one "$1" & first=$!
  if [ $# -gt 1 ]; then
    run_one "$2" & second=$!
    wait $second || status=1
    wait $first || status=1
    cat "$work/$1.result" "$work/$2.result"
    shift 2
  else
    wait $first || status=1
    cat "$work/$1.result"
    shift
  fi
done
exit $status
