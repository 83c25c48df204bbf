#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Overhead of krepro over a bare QEMU boot of the same kernel and image.
#
#   sh bench/run.sh [debian:NAME] [RUNS]
#
# Both sides boot the same kernel with the same guest image (the one krepro
# cached), run the same reproducer and power off; the difference is what
# krepro adds: spec resolution, cache look-ups, hashing, result parsing and
# the run directory.  hyperfine reports medians; the ratio is printed last.
set -eu
cd "$(dirname "$0")/.."
KERNEL=${1:-debian:6.1.0-57-cloud-amd64}
RUNS=${2:-10}
KREPRO=build/krepro
work=$(mktemp -d /tmp/krepro-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM

# Warm the caches, then take the bare side's command line from krepro
# itself (--show-command), so the two sides cannot drift apart.
$KREPRO run -k "$KERNEL" -c ovl_whiteout -o "$work/warm" >/dev/null 2>&1
bare=$($KREPRO run --show-command -k "$KERNEL" -c ovl_whiteout -o "$work/bare" 2>/dev/null)
mkdir -p "$(ls -d "$work"/warm/*/ | sed "s|$work/warm|$work/bare|")"
wrapped="$KREPRO run -k $KERNEL -c ovl_whiteout -o $work/r"

hyperfine --warmup 1 --runs "$RUNS" --export-json "$work/h.json" \
	--prepare "rm -rf $work/r" -n bare-qemu "$bare" -n krepro "$wrapped"
grep -q 'ok 1 ' "$work"/bare/*/ovl_whiteout.chan.log || { echo "bare run did not run the case" >&2; exit 1; }
python3 - "$work/h.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
b, k = r["bare-qemu"]["median"], r["krepro"]["median"]
print("median bare-qemu %.3f s, krepro %.3f s, ratio %.3f (goal <= 1.1)" % (b, k, k / b))
PY
