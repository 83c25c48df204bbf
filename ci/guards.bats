#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
# A mitigation counts only when the danger it guards against was shown in
# the same run (its declared guard hazard reproduced, or its own
# unprotected twin said so).  selftest_guards fixes the dangers by
# construction, so the verdicts are known on any kernel and target.

load helpers

# guard_outcomes RUNJSON: name=outcome for every subtest, comma-separated.
guard_outcomes() {
	json_get "$1" '",".join(s["name"] + "=" + s["outcome"] for s in d["results"][0]["subtests"])'
}

expected=danger_present=pass,danger_absent=fail,guarded_by_present_danger=pass,guarded_by_absent_danger=not-comparable,twin_harmed_within=pass,twin_unharmed_within=not-comparable

@test "host: a mitigation whose danger did not show is not-comparable (danger not shown), not pass" {
	requires root
	kr run -k host -c selftest_guards -o "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 0 ]
	rj="$BATS_TEST_TMPDIR/out/run.json"
	[ "$(guard_outcomes "$rj")" = "$expected" ]
	[[ "$output" == *"guarded_by_absent_danger   not-comparable (danger not shown)"* ]]
	[[ "$output" == *"guarded_by_absent_danger: not-comparable: danger not shown: danger_absent was not reproduced in this run"* ]]
	[[ "$output" == *"twin_unharmed_within: not-comparable: danger not shown: its unprotected twin came to no harm"* ]]
	[ "$(json_get "$rj" '[s.get("guards") for s in d["results"][0]["subtests"]]')" = "[None, None, 'danger_present', 'danger_absent', 'within', 'within']" ]
	assert_host_clean
}

@test "VM: the same verdicts, and --negative fails every protection whether or not its danger showed" {
	requires root qemu
	kr run -k "$VM_KERNEL" -c selftest_guards -o "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 0 ]
	[ "$(guard_outcomes "$BATS_TEST_TMPDIR/out/run.json")" = "$expected" ]
	kr run -k "$VM_KERNEL" -c selftest_guards --negative -o "$BATS_TEST_TMPDIR/neg"
	[ "$status" -eq 1 ]
	[ "$(json_get "$BATS_TEST_TMPDIR/neg/run.json" '",".join(s["outcome"] for s in d["results"][0]["subtests"] if s["kind"] == "mitigation")')" = fail,fail,fail,fail ]
	assert_host_clean
}

@test "selecting a mitigation runs its guard too, so its pass can count" {
	requires root
	kr run -k host -c selftest_guards/guarded_by_present_danger -o "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 0 ]
	[ "$(guard_outcomes "$BATS_TEST_TMPDIR/out/run.json")" = danger_present=pass,guarded_by_present_danger=pass ]
}

@test "list names each mitigation's guard; a mitigation without one is a bad declaration" {
	kr list
	[[ "$output" == *"guarded_by_absent_danger                           mitigation (guards danger_absent)"* ]]
	[[ "$output" == *"twin_harmed_within                                 mitigation (guards within)"* ]]
	kr list --json
	[ "$(printf '%s' "$output" | python3 -c 'import json,sys; print(sorted(set(s.get("guards") is not None for c in json.load(sys.stdin) for s in c["subtests"] if s["kind"] == "mitigation")))')" = "[True]" ]
	mkdir "$BATS_TEST_TMPDIR/cases"
	printf 'name: bare\nbinary: bare\nsubtest: lock mitigation holds\n' >"$BATS_TEST_TMPDIR/cases/bare.case"
	KREPRO_CASES="$BATS_TEST_TMPDIR/cases" kr list
	[ "$status" -eq 2 ]
	[ "$output" = "krepro: cannot read case $BATS_TEST_TMPDIR/cases/bare.case: mitigation lock needs 'guards: HAZARD' or 'guards: within' on the next line" ]
}

@test "compare: baseline pass, candidate without its danger shown is not-comparable in text, md and junit" {
	mkrun "$BATS_TEST_TMPDIR/a" debian:6.1.0-1-cloud-amd64 6.1.0-1-cloud-amd64 \
		c/haz:hazard:pass:1:1 c/lock:mitigation:pass:0:1
	mkrun "$BATS_TEST_TMPDIR/b" debian:6.12.1+deb12-cloud-amd64 6.12.1+deb12-cloud-amd64 \
		c/haz:hazard:fail:0:1 "c/lock:mitigation:not-comparable:0:0:reason=danger not shown"
	kr compare "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	[ "$status" -eq 0 ]
	[[ "$output" == *"not-comparable (danger not shown)"* ]]
	[[ "$output" == *"not-comparable   c/lock on debian:6.12.1+deb12-cloud-amd64: not-comparable on this kernel: danger not shown"* ]]
	kr compare --format md "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	[[ "$output" == *'| `c/lock` | mitigation | pass | not-comparable (danger not shown) n/c |'* ]]
	kr compare --format junit "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	[[ "$output" == *'<skipped message="danger not shown"/>'* ]]
}
