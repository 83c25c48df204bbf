# SPDX-License-Identifier: GPL-2.0-only
# Shared set-up for the command-line tests.

ROOT="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
KREPRO="$ROOT/build/krepro"
# The kernel the VM tests boot; any Debian cloud image apt offers will do.
VM_KERNEL="${KREPRO_TEST_KERNEL:-debian:6.1.0-56-cloud-amd64}"

# Each test's own TMPDIR: krepro's host sandbox makes its private directory
# there, so a loop device a case sets up names this test (its backing file
# is under it) and assert_host_clean never counts another run's.
if [ -n "${BATS_TEST_TMPDIR:-}" ]; then
	export TMPDIR="$BATS_TEST_TMPDIR"
fi

# Run krepro, keep status and output, and log both: bats shows the log
# only when a test fails.
kr() {
	run "$KREPRO" "$@"
	{
		echo "# command: krepro $*"
		echo "# status:  $status"
		printf '# output:\n%s\n' "$output"
	} >&2
}

first_line() {
	printf '%s\n' "$output" | head -n 1
}

requires() {
	local what
	for what in "$@"; do
		case "$what" in
		root) [ "$(id -u)" = 0 ] || skip "requires root" ;;
		qemu) command -v qemu-system-x86_64 >/dev/null || skip "requires qemu" ;;
		*) echo "unknown requirement '$what'" >&2; return 1 ;;
		esac
	done
}

# Nothing this test's runs may leave behind: mounts, temp trees, VMs and
# loop devices, each recognised by this test's directory (its TMPDIR,
# where the VM logs and the sandbox's backing files live), so that
# another checkout testing on the same machine is never counted.
assert_host_clean() {
	local left mine="$BATS_TEST_TMPDIR"
	left=$(findmnt -rn -o TARGET | grep -F "$mine" || true)
	[ -z "$left" ] || { echo "mounts left: $left" >&2; return 1; }
	left=$(ls -d "$mine"/krepro-* 2>/dev/null || true)
	[ -z "$left" ] || { echo "temp trees left: $left" >&2; return 1; }
	left=$(pgrep -af qemu-system | grep -F "$mine" || true)
	[ -z "$left" ] || { echo "qemu left: $left" >&2; return 1; }
	left=$(my_loops)
	[ -z "$left" ] || { echo "loop devices left: $left" >&2; return 1; }
}

# This test's loop devices: their backing files are under its TMPDIR.
my_loops() {
	losetup -a 2>/dev/null | grep -F "$BATS_TEST_TMPDIR" || true
}

# Read one field of run.json with python3's json module.
json_get() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# Write a crafted run directory: mkrun DIR SPEC UNAME ROW...
# ROW is case/subtest:kind:outcome:k:n[:racy][:reason=TEXT], e.g.
#   tar_race/placeholder_left:hazard:pass:5:200:racy
mkrun() {
	python3 - "$@" <<'PY'
import json, os, sys
d, spec, uname, rows = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
os.makedirs(d, exist_ok=True)
results = {}
for row in rows:
    f = row.split(":")
    case, sub = f[0].split("/")
    k, n = int(f[3]), int(f[4])
    racy = "racy" in f[5:]
    reason = "".join(x[7:] for x in f[5:] if x.startswith("reason="))
    s = {"name": sub, "kind": f[1], "declared": True, "outcome": f[2], "k": k, "n": n,
         "reason": reason, "duration_s": 1.0, "runs": 1, "runs_hit": 1 if k else 0, "racy": racy}
    if racy:
        s["race"] = {"budget_rounds": n, "budget_s": 10, "first_hit_s": [0.5 if k else None], "counts": {}}
    r = results.setdefault(case, {"kernel": spec, "case": case, "outcome": f[2], "detail": "",
        "duration_s": 1.0, "attempts": 1, "taint_before": 0, "taint_after": 0, "ktap": "",
        "console": "", "excerpt": "", "image": "", "image_built": False, "subtests": []})
    if f[2] == "crash":
        r["outcome"] = "crash"
        r["detail"] = "kernel crashed while %s ran" % case
        r["excerpt"] = "Kernel panic - not syncing: crafted"
    r["subtests"].append(s)
doc = {"schema": "krepro-run", "version": "1.1", "started": "2026-01-01T00:00:00Z",
       "finished": "2026-01-01T00:01:00Z", "interrupted": False, "runs": 1, "repeat": 1,
       "negative": False, "command": ["run"], "host": {"uname_r": "x", "arch": "x86_64", "accel": "tcg"},
       "kernels": [{"spec": spec, "label": spec.replace(":", "-"), "source": "debian",
                    "package_version": "", "release": "", "image_sha256": "sha-" + uname,
                    "uname_r": uname, "proc_version": "Linux version " + uname, "arch": "x86_64"}],
       "results": list(results.values())}
json.dump(doc, open(os.path.join(d, "run.json"), "w"))
PY
}

# Headless Chromium, for the HTML report; empty when it is not installed.
chromium_bin() {
	command -v chromium || command -v chromium-browser || true
}

# chromium_dom PAGE W,H: the DOM of PAGE after its scripts ran, in a
# window of that size.
chromium_dom() {
	timeout 120 "$(chromium_bin)" --headless --no-sandbox --disable-gpu \
		--user-data-dir="$BATS_TEST_TMPDIR/chrome" --window-size="$2" \
		--dump-dom "file://$1" 2>/dev/null
}

# chromium_shot PAGE W,H PNG: a screenshot of PAGE in a window of that size.
chromium_shot() {
	timeout 120 "$(chromium_bin)" --headless --no-sandbox --disable-gpu \
		--user-data-dir="$BATS_TEST_TMPDIR/chrome" --window-size="$2" \
		--screenshot="$3" "file://$1" >/dev/null 2>&1
}

# build_subtests CASE: how many subtests the case declares.
build_subtests() {
	grep -c '^subtest:' "$ROOT/cases/$1.case"
}

# host_run_reproducing CASE HAZARD DIR: a host run of CASE into DIR in
# which racy HAZARD reproduced, trying twice.  A race can miss in one run
# (seen once in CI: a single round took loop_image's whole budget); then
# every mitigation it guards must be not-comparable, never pass.
host_run_reproducing() {
	local case=$1 hz=$2 out=$3 subs="d['results'][0]['subtests']"
	kr run -k host -c "$case" -o "$out"
	[ "$status" -eq 0 ] || return 1
	[ "$(json_get "$out/run.json" "[s['outcome'] for s in $subs if s['name'] == '$hz'][0]")" = pass ] && return 0
	[ "$(json_get "$out/run.json" "sorted(set(s['outcome'] for s in $subs if s.get('guards') == '$hz'))")" = "['not-comparable']" ] || return 1
	rm -rf "$out"
	kr run -k host -c "$case" -o "$out"
	[ "$status" -eq 0 ]
}
