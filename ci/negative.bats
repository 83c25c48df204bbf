#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
# The negative control: with --negative every mitigation and regression
# subtest runs with its protection (or the kernel property it relies on)
# removed and must fail; hazards and behaviours are untouched.  This is the
# runnable evidence that those subtests can fail at all.

load helpers

# negative_run CASE: run it in host mode with --negative and check the
# verdicts subtest by subtest.
negative_run() {
	local case=$1 rj
	kr run -k host -c "$case" --negative -o "$BATS_TEST_TMPDIR/neg"
	[ "$status" -eq 1 ]
	rj="$BATS_TEST_TMPDIR/neg/run.json"
	[ "$(json_get "$rj" 'd["negative"]')" = True ]
	# Every mitigation and regression that ran failed ...
	[ "$(json_get "$rj" 'sorted(set(s["outcome"] for s in d["results"][0]["subtests"] if s["kind"] in ("mitigation", "regression", "control") and s["outcome"] != "skip"))')" = "['fail']" ]
	# ... and nothing broke: no error, crash or timeout anywhere.
	[ "$(json_get "$rj" 'sorted(set(s["outcome"] for s in d["results"][0]["subtests"]) - {"pass", "fail", "skip"})')" = "[]" ]
	assert_host_clean
}

@test "chroot_propagation: without MS_PRIVATE on the run bind or the namespace, or without FTW_MOUNT, every mitigation fails" {
	requires root
	negative_run chroot_propagation
}

@test "ovl_whiteout: objects made with the mounter's credentials fail every regression and the control" {
	requires root
	negative_run ovl_whiteout
}

@test "tmpfiles_age: without the lock, the x line or birth time every mitigation and regression fails, each mitigation after its sibling showed the danger" {
	requires root
	negative_run tmpfiles_age
	# guards: within - the unprotected sibling is still deleted in the
	# same clean, so the failure is the protection's, not a missing danger.
	[ "$(grep -c '^# krepro-danger-shown: ' "$BATS_TEST_TMPDIR/neg/host/tmpfiles_age.ktap")" -eq \
	  "$(json_get "$BATS_TEST_TMPDIR/neg/run.json" 'sum(s["kind"] == "mitigation" and s.get("guards") == "within" for s in d["results"][0]["subtests"])')" ]
	[ "$(json_get "$BATS_TEST_TMPDIR/neg/run.json" 'sorted(set(s["outcome"] for s in d["results"][0]["subtests"] if s["kind"] == "hazard"))')" = "['pass']" ]
}

@test "tar_race: without the directory lock the mitigation fails, without -P the control fails" {
	requires root
	negative_run tar_race
	rj="$BATS_TEST_TMPDIR/neg/run.json"
	# The hazards are unchanged: the collisions still show the danger ...
	[ "$(json_get "$rj" '[s["outcome"] for s in d["results"][0]["subtests"] if s["name"] == "parallel_extractions_collide_exit_nonzero"]')" = "['pass']" ]
	# ... and the unlocked rounds of the mitigation went wrong.
	[ "$(json_get "$rj" '[s["k"] > 0 for s in d["results"][0]["subtests"] if s["name"] == "flock_serialised_extractions_are_exact"]')" = "[True]" ]
}

@test "tar_protocol: with each replay's VFS property removed every regression fails at the step that needs it" {
	requires root
	negative_run tar_protocol
	ktap="$BATS_TEST_TMPDIR/neg/host/tar_protocol.ktap"
	[ "$(grep -c '^# negative mode: step ' "$ktap")" -eq 4 ]
	grep -q "stolen_placeholder.*relies on: step 3 (A check): expected 0, got 1" "$ktap"
	grep -q "late_placeholder.*relies on: step 8 (B see-placeholder): expected 0, got 1" "$ktap"
	grep -q "unlink_window.*relies on: step 6 (A exit): expected 2, got 0" "$ktap"
	grep -q "check_window.*relies on: step 5 (A unlink): expected -2, got 0" "$ktap"
}

@test "loop_image: without immutable flag, read-only bind, dropped capability or read-only loop device every mitigation, the regression and the control fail" {
	requires root
	negative_run loop_image
}
