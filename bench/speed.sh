#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# speed.sh [PART...] - how long krepro takes, for BENCHMARKS.md.
#
# Parts (default: all of them, in this order):
#   cold     one kernel from an empty cache (KREPRO_CACHE=$(mktemp -d)),
#            then the same run again: where a cold start's time goes
#            (probe, fetch, unpack, depmod, pvh, image, boot) and that the
#            second run does none of the first four
#   one      one kernel, every default case, warm cache: RUNS runs
#            (default 3), median and min-max, and the k/n of the last
#   gate     `krepro gate` with the baseline's results in a fresh store:
#            RUNS runs, median and min-max
#   matrix   every Debian cloud kernel apt offers, times every default
#            case, and the first 1 and 4 of them, at -j 1 and -j 2
#            (-j 1 of all of them only with MATRIX_J1_ALL=1: it takes
#            twice as long as -j 2; MATRIX_SIZES="1 4 all" chooses the
#            kernel counts)
#
# Every run leaves its run directory under OUT (default
# results/bench-speed-DATE); the figures are printed as they come and
# collected in OUT/summary.txt.  Run it alone: these machines are noisy
# enough without a second VM user.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
krepro=$top/build/krepro
RUNS=${RUNS:-3}
out=${OUT:-$top/results/bench-speed-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
parts=${*:-cold one gate matrix}

cloud=$(apt-cache search --names-only '^linux-image-6\.[0-9]+\.[0-9]+.*-cloud-amd64$' |
	cut -d' ' -f1 | grep -v -e '-dbg$' -e unsigned | sed 's/^linux-image-/debian:/' |
	sort -V)
newest61=$(echo "$cloud" | grep '^debian:6\.1\.0-' | tail -n 1)
newest612=$(echo "$cloud" | grep '^debian:6\.12\.' | tail -n 1)

say() { echo "$*" | tee -a "$out/summary.txt"; }

# Seconds since the epoch, with fractions.
now() { date +%s.%N; }

# median, min and max of the numbers on stdin, one per line.
stats() {
	sort -n | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "median %.1f s (min %.1f, max %.1f, n=%d)", m, v[1], v[NR], NR }'
}

# Time one command (its output to LOG); prints the seconds.
timed() { # LOG CMD...
	log=$1; shift
	t0=$(now)
	"$@" >"$log" 2>&1 || true
	echo "$(now) - $t0" | bc
}

# The racy subtests' k/n, bound and why each stopped, from a run.json.
racy_table() { # RUN.JSON
	python3 - "$1" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for r in d["results"]:
    for s in r["subtests"]:
        if s.get("racy"):
            race = s["race"]
            print("    %-14s %-52s %3d/%-3d stop=%s" % (r["kernel"].split(":")[1][:14],
                  r["case"] + "/" + s["name"], s["k"], s["n"], ",".join(race.get("stop", []))))
EOF
}

# Where a cold start's time went, from a run.json.
phases() { # RUN.JSON
	python3 - "$1" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for k in d["kernels"]:
    p = k["prepare_s"]
    print("    kernel %s: fetch %.1f s, unpack %.1f s, depmod %.1f s, pvh %.1f s" %
          (k["spec"], p["fetch"], p["unpack"], p["depmod"], p.get("pvh", 0)))
for r in d["results"]:
    p = r["phases_s"]
    f = lambda x: "-" if x is None else "%.2f s" % x
    print("    %s: image %s, boot %s, modules %s, case %s, VM %.1f s, QEMU peak %d MB" %
          (r["case"], f(p["image"]), f(p["boot"]), f(p["modules"]), f(p["case"]),
           r["duration_s"], r["peak_rss_kb"] // 1024))
print("    krepro itself: peak %d MB" % (d["krepro_peak_rss_kb"] // 1024))
EOF
}

part_cold() {
	cache=$(mktemp -d /var/tmp/krepro-bench-cache.XXXXXX)
	say "cold start: $newest61, ovl_whiteout, empty cache $cache"
	for pass in 1 2; do
		s=$(timed "$out/cold-$pass.log" env KREPRO_CACHE="$cache" "$krepro" run \
			-k "$newest61" -c ovl_whiteout -o "$out/cold-$pass")
		probe=$(grep -o 'probe [0-9.]* s' "$out/cold-$pass.log" | head -n 1 || true)
		say "  run $pass: $s s wall (KVM ${probe:-probe cached})"
		phases "$out/cold-$pass/run.json" | tee -a "$out/summary.txt"
	done
	rm -rf "$cache"
}

part_one() {
	say "one kernel ($newest61), every default case, warm cache, -j default:"
	for i in $(seq "$RUNS"); do
		timed "$out/one-$i.log" "$krepro" run -k "$newest61" -o "$out/one-$i"
	done > "$out/one.times"
	say "  $(stats < "$out/one.times")"
	racy_table "$out/one-$RUNS/run.json" | tee -a "$out/summary.txt"
}

part_gate() {
	store=$out/gate-store
	say "gate: baseline $newest61 from the store, candidate $newest612:"
	mkdir -p "$store"
	"$krepro" run -k "$newest61" -o "$store/baseline" >"$out/gate-baseline.log" 2>&1 || true
	for i in $(seq "$RUNS"); do
		timed "$out/gate-$i.log" "$krepro" gate --baseline "$newest61" \
			--candidate "$newest612" --store "$store" -o "$store/gate-$i"
		# Each gate runs the candidate anew: its own results must not be reused.
		rm -rf "$store/gate-$i"
	done > "$out/gate.times"
	say "  $(stats < "$out/gate.times")"
}

part_matrix() {
	for n in ${MATRIX_SIZES:-1 4 all}; do
		kernels=$(echo "$cloud" | { [ "$n" = all ] && cat || head -n "$n"; })
		count=$(echo "$kernels" | wc -l)
		for j in 2 1; do
			[ "$n" = all ] && [ "$j" = 1 ] && [ -z "${MATRIX_J1_ALL:-}" ] && continue
			args=$(echo "$kernels" | sed 's/^/-k /' | tr '\n' ' ')
			# shellcheck disable=SC2086
			s=$(timed "$out/matrix-$count-j$j.log" "$krepro" run $args -j "$j" \
				-o "$out/matrix-$count-j$j")
			vms=$(grep -c '^\[' "$out/matrix-$count-j$j.log" || true)
			say "  matrix: $count kernel(s) x default cases, -j $j: $s s wall, $vms VMs"
		done
	done
}

# Fetch every kernel first, so that the timed runs are warm.
for k in $cloud; do "$krepro" run -k "$k" --show-command >/dev/null 2>&1 || true; done
for p in $parts; do "part_$p"; done
echo "summary: $out/summary.txt"
