#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# How reliably the racy cases reproduce within their default budget.
#
#   sh bench/race.sh [RUNS] [CASE...] [-- KERNEL...]
#
# Runs every racy case RUNS times (default 20, one VM each) on each kernel
# (default: the two default kernels of `make run`) with the budget from
# its declaration, then reports per racy subtest and kernel: runs that hit
# (for a hazard: reproduced; for a mitigation: the protection failed), the
# fraction, the median and the worst time to the first hit, and the rounds
# per run.  The issue's goal: every hazard reproduced in >= 99 % of runs
# with a budget of at most 10 s per subtest.
set -eu
cd "$(dirname "$0")/.."
RUNS=20
case "${1:-}" in [0-9]*) RUNS=$1; shift ;; esac
CASES=
while [ $# -gt 0 ] && [ "$1" != -- ]; do CASES="$CASES -c $1"; shift; done
[ "${1:-}" = -- ] && shift
[ -n "$CASES" ] || CASES="-c tar_race -c loop_image"
KERNELS=
for k in "$@"; do KERNELS="$KERNELS -k $k"; done
mkdir -p results
out=results/bench-race-$(date +%Y%m%d-%H%M%S)
start=$(date +%s)
# shellcheck disable=SC2086
build/krepro run $KERNELS $CASES --repeat "$RUNS" -o "$out" >"$out.log" 2>&1 || true
echo "wall: $(( $(date +%s) - start )) s for $RUNS runs per (kernel, case); log: $out.log"
python3 - "$out/run.json" <<'PY'
import json, statistics, sys
d = json.load(open(sys.argv[1]))
print("%-42s %-34s %9s %7s %10s %10s %9s" % ("case/subtest", "kernel", "hit runs", "frac",
      "med 1st s", "max 1st s", "rounds"))
for r in d["results"]:
    for s in r["subtests"]:
        if not s.get("racy"):
            continue
        hits = [x for x in s["race"]["first_hit_s"] if x is not None]
        runs = s["runs"]
        print("%-42s %-34s %4d/%-4d %6.1f%% %10s %10s %9.1f" % (
            r["case"] + "/" + s["name"], r["kernel"], s["runs_hit"], runs,
            100.0 * s["runs_hit"] / runs if runs else 0,
            "%.2f" % statistics.median(hits) if hits else "-",
            "%.2f" % max(hits) if hits else "-",
            s["n"] / runs if runs else 0))
PY
