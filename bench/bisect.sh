#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# bisect.sh [OUTDIR] - how long bisections take, and how many steps.
#
#  1. deterministic: loop_image's buffered read past a truncated backing
#     file (zeros on every 6.1 cloud kernel, EIO on every 6.12 one) over
#     every Debian cloud kernel apt offers, oldest 6.1 to newest 6.12;
#  2. racy: tar_race's flock mitigation over the two newest 6.1 cloud
#     kernels, the unpatched linux-source-6.1 build and the build with
#     vm/known-bad/flock_exclusive.patch (the flock stops excluding).
#
# Prints steps, rounds per step, wall time and the stated error bound.
# Kernels are fetched and built first (cached), so the times are the
# bisections' own.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
krepro=$top/build/krepro
out=${1:-$top/results/bench-bisect-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"

cloud=$(apt-cache search --names-only '^linux-image-6\.[0-9]+\.[0-9]+.*-cloud-amd64$' |
	cut -d' ' -f1 | grep -v -e '-dbg$' -e unsigned | sed 's/^linux-image-/debian:/')
first=$(echo "$cloud" | grep '^debian:6\.1\.0-' | sort -V | head -n 1)
last=$(echo "$cloud" | grep '^debian:6\.12\.' | sort -V | tail -n 1)

summary() { # DIR
	python3 - "$1/bisect.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
steps = d["steps"]
middle = [s for s in steps[2:] if not s["recheck"]]
print(f"  first bad {d['first_bad']}, last good {d['last_good']}")
print(f"  {len(steps)} VM runs: 2 ends, {len(middle)} steps between, "
      f"{len(steps) - 2 - len(middle)} re-checks; rounds per step "
      f"{d['rounds_per_step']}; error bound {100 * d['error_bound']:.1f} %")
EOF
}

echo "bisect bench: fetching the cloud series ($first .. $last)"
# --show-command prepares every kernel (fetch, unpack) and starts nothing.
# shellcheck disable=SC2046
"$krepro" run $(echo "$cloud" | sed 's/^/-k /') -c loop_image/buffered_read_past_backing_eof \
	--show-command > /dev/null
t0=$(date +%s)
"$krepro" bisect --good "$first" --bad "$last" \
	-c loop_image/buffered_read_past_backing_eof -o "$out/deterministic" \
	> "$out/deterministic.txt" || true
echo "deterministic, $(( $(date +%s) - t0 )) s wall:"
summary "$out/deterministic"

olds=$(echo "$cloud" | grep '^debian:6\.1\.0-' | sort -V | tail -n 2)
patch=$top/vm/known-bad/flock_exclusive.patch
"$krepro" build --patch "$patch" > /dev/null
{ echo "$olds"; echo build:linux-source-6.1; echo "build:linux-source-6.1,patch=$patch"; } \
	> "$out/racy-kernels"
t0=$(date +%s)
"$krepro" bisect --kernels "$out/racy-kernels" \
	-c tar_race/flock_serialised_extractions_are_exact -o "$out/racy" \
	> "$out/racy.txt" || true
echo "racy, $(( $(date +%s) - t0 )) s wall:"
summary "$out/racy"
