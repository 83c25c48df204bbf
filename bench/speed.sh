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
#   snapshot one kernel, warm, restored from snapshots against --no-snapshot,
#            RUNS runs each, interleaved: wall medians, a VM's restore
#            against its boot, the snapshot cache's size
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
parts=${*:-cold one snapshot gate matrix}

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
    print("    %s: %s, image %s, snapshot %s, restore %s, boot %s, modules %s, case %s, "
          "VM %.1f s, QEMU peak %d MB" %
          (r["case"], r["boot"], f(p["image"]), f(p["snapshot"]), f(p["restore"]), f(p["boot"]),
           f(p["modules"]), f(p["case"]), r["duration_s"], r["peak_rss_kb"] // 1024))
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

# One kernel warm, restored from snapshots against booting every VM
# (--no-snapshot), interleaved; and where a VM's start went either way.
part_snapshot() {
	say "snapshots: one kernel ($newest61), every default case, restored vs booted:"
	"$krepro" run -k "$newest61" -o "$out/snap-warmup" >"$out/snap-warmup.log" 2>&1 || true
	for i in $(seq "$RUNS"); do
		timed "$out/snap-r$i.log" "$krepro" run -k "$newest61" -o "$out/snap-r$i" \
			>>"$out/snap-restored.times"
		timed "$out/snap-b$i.log" "$krepro" run -k "$newest61" --no-snapshot \
			-o "$out/snap-b$i" >>"$out/snap-booted.times"
	done
	say "  restored: $(stats < "$out/snap-restored.times")"
	say "  booted:   $(stats < "$out/snap-booted.times")"
	python3 - "$out" "$RUNS" <<'EOF2' | tee -a "$out/summary.txt"
import json, statistics, sys
out, runs = sys.argv[1], int(sys.argv[2])
def col(kind, key):
    v = []
    for i in range(1, runs + 1):
        for r in json.load(open("%s/snap-%s%d/run.json" % (out, kind, i)))["results"]:
            if r["phases_s"].get(key) is not None:
                v.append(r["phases_s"][key])
    return v
def vms(kind):
    return [sum(r["duration_s"] for r in json.load(open("%s/snap-%s%d/run.json" % (out, kind, i)))["results"])
            for i in range(1, runs + 1)]
restore, boot = col("r", "restore"), col("b", "boot")
print("  start of a VM: restore median %.2f s (%.2f-%.2f, n=%d), boot median %.2f s (%.2f-%.2f, n=%d)"
      % (statistics.median(restore), min(restore), max(restore), len(restore),
         statistics.median(boot), min(boot), max(boot), len(boot)))
print("  VM time per kernel: restored median %.1f VM-s, booted %.1f VM-s"
      % (statistics.median(vms("r")), statistics.median(vms("b"))))
EOF2
	du -sh "${KREPRO_CACHE:-/var/cache/krepro}/snapshot" | sed 's/^/  snapshot cache: /' |
		tee -a "$out/summary.txt"
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
		# The first run of a size takes the snapshots it lacks; "all" runs
		# again at -j 2 with every snapshot cached (the warm figure).
		again=
		[ "$n" = all ] && again=2
		for j in 2 1 $again; do
			[ "$n" = all ] && [ "$j" = 1 ] && [ -z "${MATRIX_J1_ALL:-}" ] && continue
			args=$(echo "$kernels" | sed 's/^/-k /' | tr '\n' ' ')
			# shellcheck disable=SC2086
			tag=$count-j$j
			[ -e "$out/matrix-$tag" ] && tag=$count-j$j-again
			s=$(timed "$out/matrix-$tag.log" "$krepro" run $args -j "$j" -o "$out/matrix-$tag")
			vms=$(grep -c '^\[' "$out/matrix-$tag.log" || true)
			fresh=$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(sum(r["phases_s"]["snapshot"] is not None and r["phases_s"]["snapshot"] > 0 for r in d["results"]))' \
				"$out/matrix-$tag/run.json")
			say "  matrix: $count kernel(s) x default cases, -j $j: $s s wall, $vms VMs, $fresh snapshots taken"
		done
	done
}

# Fetch every kernel first, so that the timed runs are warm.
for k in $cloud; do "$krepro" run -k "$k" --show-command >/dev/null 2>&1 || true; done
for p in $parts; do "part_$p"; done
echo "summary: $out/summary.txt"
