#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# ovl_whiteout.sh [OUTDIR] - negative control for the ovl_whiteout case.
#
# Builds the KNOWN-BAD kernel (build-known-bad.sh: Debian 6.1 with the
# overlayfs fix d0e13f5bbe4b reverted in effect), runs the ovl_whiteout case
# on it in a QEMU VM with krepro, and checks that the tests notice:
#
#   mkdir/create/symlink/mkfifo_over_whiteout_gets_caller_owner  fail
#   userns_mkdir_over_whiteout_gets_caller_owner                 fail
#   create_in_dir_made_over_whiteout (the build's EACCES)        fail
#   mkdir_fresh_name_gets_caller_owner (the control)            pass
#
# Exit status: 0 the evidence holds, 1 it does not (a test passed on the
# broken kernel, or the control failed), 2 the experiment could not run
# (build, VM or krepro trouble).
#
# Environment: KREPRO_KNOWN_BAD_DIR, KREPRO_KERNEL_TARBALL, JOBS (see
# build-known-bad.sh).  OUTDIR defaults to a new directory under /tmp.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${1:-}

say() { echo "ovl_whiteout-negative: $*"; }
fail() { say "$*" >&2; exit "${2:-2}"; }

[ "$(id -u)" = 0 ] || fail "needs root (krepro runs VMs with mounts and loop devices)"
command -v python3 >/dev/null || fail "python3 is needed to read run.json"

# ---- the known-bad kernel ----
t0=$(date +%s)
bzimage=$("$here/build-known-bad.sh" | tail -n 1) || fail "build-known-bad.sh failed"
[ -f "$bzimage" ] || fail "build-known-bad.sh printed no bzImage ('$bzimage')"
say "known-bad kernel: $bzimage (build step $(( $(date +%s) - t0 )) s)"

# ---- krepro ----
make -C "$top" -s >&2 || fail "cannot build krepro (make at $top)"

if [ -z "$out" ]; then
	out=$(mktemp -d /tmp/krepro-negative-ovl.XXXXXX)
elif [ -e "$out" ] && [ -n "$(ls -A "$out" 2>/dev/null)" ]; then
	fail "output directory $out exists and is not empty"
fi
mkdir -p "$out"

say "running: build/krepro run -k file:$bzimage -c ovl_whiteout -o $out"
t1=$(date +%s)
set +e
"$top/build/krepro" run -k "file:$bzimage" -c ovl_whiteout -o "$out"
krc=$?
set -e
say "krepro exited $krc after $(( $(date +%s) - t1 )) s (1 is expected: regressions found)"
[ -f "$out/run.json" ] || fail "krepro wrote no $out/run.json"

# ---- judge ----
python3 - "$out" <<'EOF'
import json, os, sys

out = sys.argv[1]
with open(os.path.join(out, "run.json")) as f:
    run = json.load(f)

EXPECT = {
    "mkdir_over_whiteout_gets_caller_owner": "fail",
    "create_over_whiteout_gets_caller_owner": "fail",
    "symlink_over_whiteout_gets_caller_owner": "fail",
    "mkfifo_over_whiteout_gets_caller_owner": "fail",
    "userns_mkdir_over_whiteout_gets_caller_owner": "fail",
    "create_in_dir_made_over_whiteout": "fail",
    "mkdir_fresh_name_gets_caller_owner": "pass",
}
INFORMATIVE = set()

results = [r for r in run.get("results", []) if r.get("case") == "ovl_whiteout"]
if len(results) != 1:
    print("ovl_whiteout-negative: expected one ovl_whiteout result in run.json, "
          "found %d" % len(results))
    sys.exit(2)
res = results[0]
kernels = run.get("kernels", [])
uname = kernels[0].get("uname_r", "?") if kernels else "?"
print("ovl_whiteout-negative: kernel uname -r: %s" % (uname or "?"))
detail = res.get("detail") or ""
print("ovl_whiteout-negative: case outcome: %s%s, attempts %s"
      % (res.get("outcome"), " (%s)" % detail if detail else "", res.get("attempts")))

# An infrastructure problem (no boot, timeout, crash) is not evidence.
if res.get("outcome") in ("infra", "timeout", "crash", "error"):
    print("ovl_whiteout-negative: the run itself went wrong; see %s"
          % os.path.join(out, res.get("console") or ""))
    sys.exit(2)

subs = {s["name"]: s for s in res.get("subtests", [])}
ok = True
print()
print("  %-46s %-8s %-8s %s" % ("subtest", "expected", "seen", "verdict"))
for name, want in EXPECT.items():
    seen = subs.get(name, {}).get("outcome", "missing")
    good = seen == want
    ok = ok and good
    print("  %-46s %-8s %-8s %s" % (name, want, seen, "ok" if good else "WRONG"))
warnings = []
for name in sorted(INFORMATIVE):
    s = subs.get(name, {})
    seen = s.get("outcome", "missing")
    why = s.get("reason") or ""
    print("  %-46s %-8s %-8s %s" % (name, "fail/skip", seen,
                                    "not judged" + (": " + why if why else "")))
    if seen == "pass":
        warnings.append("%s passed on the known-bad kernel: it does not see "
                        "the bug" % name)
for name in sorted(set(subs) - set(EXPECT) - INFORMATIVE):
    print("  %-46s %-8s %-8s %s" % (name, "-", subs[name].get("outcome"), "unexpected subtest"))

# The failing tests' own words: the TH_LOG lines with the owner seen.
ktap = os.path.join(out, res.get("ktap") or "")
print()
if os.path.isfile(ktap):
    print("ovl_whiteout-negative: owner lines from %s:" % ktap)
    n = 0
    with open(ktap, errors="replace") as f:
        for line in f:
            if "seen" in line or line.startswith("not ok"):
                print("  " + line.rstrip())
                n += 1
    if not n:
        print("  (none)")
else:
    print("ovl_whiteout-negative: no KTAP file at %s" % ktap)

for w in warnings:
    print("ovl_whiteout-negative: WARNING: " + w)
print()
if ok:
    print("ovl_whiteout-negative: EVIDENCE HOLDS: on the known-bad kernel the five "
          "over-whiteout tests fail and the fresh-name control passes")
    sys.exit(0)
print("ovl_whiteout-negative: EVIDENCE DOES NOT HOLD (see WRONG above; run.json in %s)" % out)
sys.exit(1)
EOF
