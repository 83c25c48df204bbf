#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
# Real consumers accept krepro's output: JUnit (python3-junitparser,
# xmllint), HTML (headless Chromium), KTAP (prove).

load helpers

# One real host run of the quick cases serves every test of this file.
setup_file() {
	[ "$(id -u)" = 0 ] || return 0
	RUN="$BATS_FILE_TMPDIR/run"
	"$KREPRO" run -k host -c ovl_whiteout -c chroot_propagation -o "$RUN" >/dev/null 2>&1 || true
	NSUBS=$(( $(build_subtests ovl_whiteout) + $(build_subtests chroot_propagation) ))
	export RUN NSUBS
}

# A second, crafted kernel next to it with a regression and a crash.
crafted_pair() {
	mkrun "$BATS_TEST_TMPDIR/late" debian:99.0.0-1-cloud-amd64 99.0.0-1-cloud-amd64 \
		ovl_whiteout/mkdir_over_whiteout_gets_caller_owner:regression:fail:1:1 \
		chroot_propagation/later_host_mount_appears_in_chroot:hazard:crash:0:0
}

@test "junit output of a real run parses with junitparser and xmllint" {
	requires root
	[ -f "$RUN/run.json" ]
	crafted_pair
	"$KREPRO" compare --format junit "$RUN" "$BATS_TEST_TMPDIR/late" > "$BATS_TEST_TMPDIR/r.xml" || true
	xmllint --noout "$BATS_TEST_TMPDIR/r.xml"
	# Debian's python3, where python3-junitparser lives, whatever PATH says.
	/usr/bin/python3 - "$BATS_TEST_TMPDIR/r.xml" "$NSUBS" <<'PY'
import sys
from junitparser import JUnitXml, Failure, Error
xml = JUnitXml.fromfile(sys.argv[1])
suites = list(xml)
assert len(suites) == 2, [s.name for s in suites]
host = [s for s in suites if s.name == "host"][0]
assert host.tests == int(sys.argv[2]) and host.failures == 0 and host.errors == 0, (host.tests, host.failures, host.errors)
late = [s for s in suites if s.name.startswith("debian:99")][0]
kinds = {c.name: [type(r).__name__ for r in c.result] for c in late}
assert kinds["mkdir_over_whiteout_gets_caller_owner"] == ["Failure"], kinds
assert kinds["later_host_mount_appears_in_chroot"] == ["Error"], kinds
PY
}

@test "the html report renders in headless chromium: a cell per subtest and kernel, details on a click" {
	requires root
	[ -n "$(chromium_bin)" ] || skip "requires chromium"
	[ -f "$RUN/run.json" ]
	crafted_pair
	"$KREPRO" compare --format html "$RUN" "$BATS_TEST_TMPDIR/late" > "$BATS_TEST_TMPDIR/r.html" || true
	# Column 0 is the host, column 1 the crafted kernel 99 (version order).
	python3 "$ROOT/ci/html_probe.py" inject "$BATS_TEST_TMPDIR/r.html" "$BATS_TEST_TMPDIR/p.html" \
		later_host_mount_appears_in_chroot@1 mkdir_over_whiteout_gets_caller_owner@0
	chromium_dom "$BATS_TEST_TMPDIR/p.html" 1400,900 > "$BATS_TEST_TMPDIR/dom.html"
	python3 "$ROOT/ci/html_probe.py" read "$BATS_TEST_TMPDIR/dom.html" > "$BATS_TEST_TMPDIR/page.json"
	python3 - "$BATS_TEST_TMPDIR/page.json" "$NSUBS" <<'PY'
import json, sys
page = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
assert len(page["rows"]) == n, [r["name"] for r in page["rows"]]
assert all(len(r["cells"]) == 2 for r in page["rows"]), page["rows"]
reg = sorted(r["name"] for r in page["rows"] if "x-regression" in r["cells"][1].split())
assert reg == ["chroot_propagation/later_host_mount_appears_in_chroot",
               "ovl_whiteout/mkdir_over_whiteout_gets_caller_owner"], reg
clicked = page["probe"]["clicked"]
crash = clicked["later_host_mount_appears_in_chroot@1"]
assert "console excerpt: Kernel panic - not syncing: crafted" in crash, crash
held = clicked["mkdir_over_whiteout_gets_caller_owner@0"]
assert "KTAP: " in held and "ok 1 ovl_whiteout.mkdir_over_whiteout_gets_caller_owner" in held, held
PY
	chromium_shot "$BATS_TEST_TMPDIR/r.html" 1400,900 "$BATS_TEST_TMPDIR/r.png"
	[ -s "$BATS_TEST_TMPDIR/r.png" ]
}

@test "prove reads every KTAP file krepro stored without a parse error" {
	requires root
	[ -f "$RUN/run.json" ]
	n=0
	for f in "$RUN"/*/*.ktap; do
		run prove -e cat "$f"
		echo "$output" >&2
		[[ "$output" != *"Parse errors"* ]]
		n=$((n + 1))
	done
	[ "$n" -ge 2 ]
}
