#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# User-space copies of the payload per echo of an `ay`, on each side.
#
#   bench/count-copies.sh [BUILD_DIR [SIZE...]]
#
# Runs one pipeproxy client of pp-bench (and the server it spawns) with
# pp-count-copies.so preloaded, which counts the memcpy()/memmove() calls of
# 256 KiB and more (PP_COUNT_COPIES_MIN to change it) that go through the
# dynamic linker: GLib's and pipeproxy's, not libc's own nor the kernel's
# (the socket's write and read, two per direction, as for the raw socket).
# Once with N calls and once with 2N, and prints the difference divided by
# N, so that start-up does not count. Default sizes: 16 MiB and 64 MiB.

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

printf 'payload copies per echo (memcpy/memmove >= %s bytes outside libc)\n' \
  "${PP_COUNT_COPIES_MIN:-262144}"
for size in $sizes; do
  run "$size" "$calls" > "$tmp/one"
  run "$size" $((calls * 2)) > "$tmp/two"
  awk -v size="$size" -v calls=$((calls * 2)) '
    FILENAME ~ /one$/ { n[$2] -= $3; b[$2] -= $4; next }
    { n[$2] += $3; b[$2] += $4 }
    END {
      for (role in n)
        printf "  %10d B  %-7s %5.2f copies  %12.0f bytes per call (%.2f× the payload)\n",
               size, role, n[role] / calls, b[role] / calls, b[role] / calls / size
    }' "$tmp/one" "$tmp/two"
done
