#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Syscalls per synchronous i→i call, both processes counted.
#
#   bench/count-syscalls.sh [PP_BENCH [CALLS]]
#
# Runs `pp-bench --syscalls=SYSTEM --calls=N` under `strace -f -c` for the raw
# socket pair, pipeproxy and GDBus peer-to-peer: once with no calls and once
# with CALLS calls (default 5000), and prints the difference divided by
# CALLS, so that start-up, handshake and exit do not count. The client and
# the spawned server, with all their threads, are counted together.

set -eu

bench=${1:-_build/bench/pp-bench}
calls=${2:-5000}

if ! command -v strace >/dev/null 2>&1; then
  echo "count-syscalls.sh: strace is not installed" >&2
  exit 1
fi
if [ ! -x "$bench" ]; then
  echo "count-syscalls.sh: no pp-bench at $bench (build it, or pass its path)" >&2
  exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

printf 'syscalls per synchronous call (client + server, %s calls, strace -f -c)\n' "$calls"

for system in raw pp gdbus; do
  strace -f -c -o "$tmp/$system.base" "$bench" --syscalls="$system" --calls=0
  strace -f -c -o "$tmp/$system.run" "$bench" --syscalls="$system" --calls="$calls"

  # Lines are "% time  seconds  usecs/call  calls  [errors]  syscall"; the
  # totals line is skipped and the total recomputed.
  awk -v calls="$calls" -v sysname="$system" '
    /^[ ]*[0-9.]+[ ]+[0-9.]+/ && $NF != "total" {
      if (FILENAME ~ /\.base$/) base[$NF] += $4; else run[$NF] += $4
      seen[$NF] = 1
    }
    END {
      total = 0
      for (name in seen) {
        per[name] = (run[name] - base[name]) / calls
        total += per[name]
      }
      label = sysname == "pp" ? "pipeproxy" : sysname == "gdbus" ? "GDBus p2p" : "raw socketpair"
      printf "\n%-15s %6.1f syscalls per call\n", label, total
      for (name in per)
        if (per[name] >= 0.05)
          printf "  %-22s %6.2f\n", name, per[name] | "sort -k2 -rn"
      close ("sort -k2 -rn")
    }' "$tmp/$system.base" "$tmp/$system.run"
done
