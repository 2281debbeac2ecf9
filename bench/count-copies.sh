#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# User-space copies of the payload per echo of an `ay`, and per signal and
# property change carrying one, on each side.
#
#   bench/count-copies.sh [BUILD_DIR [SIZE...]]
#
# Runs one pipeproxy client of pp-bench (and the server it spawns) with
# pp-count-copies.so preloaded, which counts the memcpy()/memmove() calls of
# 256 KiB and more (PP_COUNT_COPIES_MIN to change it) that go through the
# dynamic linker: GLib's and pipeproxy's, not libc's own nor the kernel's
# (the socket's write and read, two per direction, as for the raw socket).
# Once with N calls and once with 2N, and prints the difference divided by
# N, so that start-up does not count. Then the same with pp-bench-big-frames,
# whose worker (the listener) emits a signal with the `ay` as its argument
# (and, in a second row, with an object too, so that the frame has an object
# table), or sets a property to it, which is forwarded to the proxy. Default sizes:
# 16 MiB and 64 MiB.

set -eu

build=${1:-_build}
[ $# -gt 0 ] && shift
sizes=${*:-16777216 67108864}
bench=$build/bench/pp-bench
preload=$build/bench/pp-count-copies.so
calls=2

if [ ! -x "$bench" ] || [ ! -e "$preload" ]; then
  echo "count-copies.sh: no $bench or $preload (build it, or pass the build directory)" >&2
  exit 1
fi
preload=$(cd "$(dirname "$preload")" && pwd)/$(basename "$preload")

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# One client process: a warm-up and a repetition of $2 calls each
run () {
  printf 'warmup\nrep\nclose\n' |
    LD_PRELOAD=$preload "$bench" --role=client --system=pp --transport=socketpair \
      --what=echo --calls="$2" --depth=0 --size="$1" --batch=0 2>&1 >/dev/null |
    grep '^copies '
}

# The copies per event: the counts of $tmp/two less those of $tmp/one,
# over the $3 more events of the second run
difference () {
  awk -v size="$1" -v label="$2" -v calls="$3" '
    FILENAME ~ /one$/ { n[$2] -= $3; b[$2] -= $4; next }
    { n[$2] += $3; b[$2] += $4 }
    END {
      for (role in n)
        printf "  %10d B  %-18s %-9s %5.2f copies  %12.0f bytes each (%.2f× the payload)\n",
               size, label, role, n[role] / calls, b[role] / calls, b[role] / calls / size
    }' "$tmp/one" "$tmp/two"
}

printf 'payload copies per echo (memcpy/memmove >= %s bytes outside libc)\n' \
  "${PP_COUNT_COPIES_MIN:-262144}"
for size in $sizes; do
  run "$size" "$calls" > "$tmp/one"
  run "$size" $((calls * 2)) > "$tmp/two"
  difference "$size" call $((calls * 2))
done

big=$build/bench/pp-bench-big-frames
if [ ! -x "$big" ]; then
  echo "count-copies.sh: no $big: no signal and property rows" >&2
  exit 0
fi

# One proxy and the listener it starts: $1 signal or property, $2 bytes,
# $3 events
big_run () {
  LD_PRELOAD=$preload "$big" --role=proxy --what="$1" --size="$2" --count="$3" 2>&1 >/dev/null |
    grep '^copies '
}

printf '\npayload copies per signal and property change carrying it (the listener sends)\n'
for size in $sizes; do
  for what in signal signal-with-object property; do
    big_run "$what" "$size" "$calls" > "$tmp/one"
    big_run "$what" "$size" $((calls * 2)) > "$tmp/two"
    difference "$size" "$what" "$calls"
  done
done
