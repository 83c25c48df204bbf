#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# krepro compare under valgrind (memcheck) on a large crafted matrix and on
# any real run directories given: every output format, no memory error and
# no leak that is definitely lost.  Exit 0 clean, 1 with valgrind's report.
#
#   sh ci/valgrind-compare.sh KREPRO [KERNELS CASES SUBTESTS] [-- REAL_DIR...]
set -eu
krepro=$1
shift
kernels=${1:-12}
cases=${2:-20}
subs=${3:-8}
[ $# -ge 3 ] && shift 3 || shift $#
[ "${1:-}" = -- ] && shift
work=$(mktemp -d /tmp/valgrind-compare.XXXXXX)
trap 'rm -rf "$work"' EXIT

# One run directory per kernel; the last kernel is two shards.  Every kind,
# every outcome, racy cells with first hits, reasons, a crash excerpt.
python3 - "$work" "$kernels" "$cases" "$subs" <<'PY'
import json, os, random, sys
work, nk, nc, ns = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rnd = random.Random(12)
kinds = ["regression", "mitigation", "hazard", "behaviour", "control"]
outcomes = ["pass", "fail", "skip", "error", "crash", "timeout", "infra", "not-run", "not-comparable"]
def run(dirname, spec, uname, cases, shard=None):
    d = os.path.join(work, dirname)
    os.makedirs(os.path.join(d, "k"), exist_ok=True)
    results = []
    for c in cases:
        subs, ktap = [], "TAP version 13\n1..%d\n" % ns
        for s in range(ns):
            kind = kinds[s % len(kinds)]
            out = rnd.choice(outcomes) if rnd.random() < 0.3 else "pass"
            racy = s % 3 == 0
            n = rnd.randint(1, 300) if racy else 1
            k = rnd.randint(0, n) if out in ("pass", "fail") else 0
            sub = {"name": "sub%d" % s, "kind": kind, "declared": True, "outcome": out,
                   "k": k, "n": n, "reason": "why %d" % s if out != "pass" else "",
                   "duration_s": rnd.random() * 10, "runs": 1, "runs_hit": 1 if k else 0,
                   "racy": racy}
            if kind == "mitigation":
                sub["guards"] = "within"
            if racy:
                sub["race"] = {"budget_rounds": n, "budget_s": 10,
                               "first_hit_s": [rnd.random() if k else None], "counts": {"a": k}}
            subs.append(sub)
            ktap += "# diag of sub%d\n%s %d fix.sub%d\n" % (s, "ok" if out == "pass" else "not ok", s + 1, s)
        open(os.path.join(d, "k", c + ".ktap"), "w").write(ktap)
        results.append({"kernel": spec, "case": c, "case_build": "0" * 16, "outcome": "pass",
                        "detail": "", "duration_s": 1.5, "attempts": 1, "accel": "tcg",
                        "accel_reason": "", "taint_before": 0, "taint_after": 0,
                        "ktap": "k/%s.ktap" % c, "console": "", "console_capped": False,
                        "excerpt": "Kernel panic - not syncing: crafted" if c.endswith("7") else "",
                        "image": "", "image_built": False, "subtests": subs})
    doc = {"schema": "krepro-run", "version": "1.4", "started": "2026-01-01T00:00:00Z",
           "finished": "2026-01-01T00:01:00Z", "interrupted": False, "runs": 1, "repeat": 1,
           "negative": False, "console_cap_bytes": 8388608, "command": ["run"],
           "host": {"uname_r": "x", "arch": "x86_64", "accel": "tcg", "accel_reason": ""},
           "kernels": [{"spec": spec, "label": "k", "source": "debian", "package_version": "1",
                        "release": uname, "image_sha256": "sha-" + uname, "uname_r": uname,
                        "proc_version": "Linux version " + uname, "arch": "x86_64"}],
           "results": results}
    if shard:
        doc["shard"] = {"index": shard[0], "count": shard[1]}
    json.dump(doc, open(os.path.join(d, "run.json"), "w"))
names = ["case%02d" % i for i in range(nc)]
for i in range(nk - 1):
    run("k%02d" % i, "debian:6.1.0-%d-cloud-amd64" % (i + 1), "6.1.0-%d-cloud-amd64" % (i + 1), names)
last = "debian:6.12.%d+deb12-cloud-amd64" % nk
run("s1", last, last[7:], names[: nc // 2], (1, 2))
run("s2", last, last[7:], names[nc // 2:], (2, 2))
PY

status=0
for fmt in text md json junit html; do
	for strict in "" --strict; do
		# Exit 0, 1 or 3 is compare's verdict; valgrind's own is 99.
		rc=0
		valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
			--log-file="$work/vg.log" "$krepro" compare $strict --format "$fmt" \
			"$work"/k* "$work"/s1 "$work"/s2 > "$work/out" || rc=$?
		if [ "$rc" -eq 99 ] || [ -s "$work/vg.log" ]; then
			echo "valgrind-compare: --format $fmt $strict:" >&2
			cat "$work/vg.log" >&2
			status=1
		fi
	done
done
for dir in "$@"; do
	rc=0
	valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
		--log-file="$work/vg.log" "$krepro" compare "$dir" > "$work/out" || rc=$?
	if [ "$rc" -eq 99 ] || [ -s "$work/vg.log" ]; then
		echo "valgrind-compare: $dir:" >&2
		cat "$work/vg.log" >&2
		status=1
	fi
done
cells=$((kernels * cases * subs))
[ "$status" -eq 0 ] && echo "valgrind-compare: clean: $kernels kernels x $cases cases x $subs subtests ($cells cells), 5 formats, plain and --strict${*:+, and $*}"
exit "$status"
