#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
# Host-mode tests of the two mount cases, chroot_propagation and
# ovl_whiteout: the verdicts a correct kernel gives, what --negative leaves
# alone, and set-up failures reported as set-up failures.

load helpers

# outcomes RUNJSON KINDS: the set of outcomes of the subtests of those kinds.
outcomes() {
	json_get "$1" "sorted(set(s['outcome'] for s in d['results'][0]['subtests'] if s['kind'] in ($2,)))"
}

@test "chroot_propagation on the host: every hazard and behaviour reproduces, every mitigation holds with its guard reproduced in the same run" {
	requires root
	kr run -k host -c chroot_propagation -o "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 0 ]
	rj="$BATS_TEST_TMPDIR/out/run.json"
	[ "$(outcomes "$rj" "'hazard', 'behaviour', 'mitigation'")" = "['pass']" ]
	# each mitigation names a hazard of this case, and that hazard reproduced
	[ "$(json_get "$rj" 'sorted((s["name"], s["guards"]) for s in d["results"][0]["subtests"] if s["kind"] == "mitigation")')" = "[('make_private_run_bind_keeps_login_out', 'teardown_after_login_fails_busy'), ('one_file_system_delete_keeps_host_socket', 'recursive_delete_removes_host_socket'), ('private_namespace_keeps_host_mounts_out', 'later_host_mount_appears_in_chroot')]" ]
	[[ "$output" == *"teardown_after_login_fails_busy"*"reproduced"* ]]
	assert_host_clean
}

@test "chroot_propagation --negative: the mitigations fail while every hazard and behaviour still reproduces" {
	requires root
	kr run -k host -c chroot_propagation --negative -o "$BATS_TEST_TMPDIR/neg"
	[ "$status" -eq 1 ]
	rj="$BATS_TEST_TMPDIR/neg/run.json"
	[ "$(outcomes "$rj" "'mitigation'")" = "['fail']" ]
	[ "$(outcomes "$rj" "'hazard', 'behaviour'")" = "['pass']" ]
	assert_host_clean
}

@test "ovl_whiteout on the host: the caller owns what it makes over a whiteout and can create inside the directory" {
	requires root
	kr run -k host -c ovl_whiteout -o "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 0 ]
	rj="$BATS_TEST_TMPDIR/out/run.json"
	[ "$(outcomes "$rj" "'regression', 'control'")" = "['pass']" ]
	[ "$(json_get "$rj" '[s["outcome"] for s in d["results"][0]["subtests"] if s["name"] == "create_in_dir_made_over_whiteout"]')" = "['pass']" ]
	assert_host_clean
}

@test "ovl_whiteout --negative: made with the mounter's credentials, the owner is 0:0 and the caller gets EACCES inside" {
	requires root
	# Outside krepro's sandbox: /tmp, since the case's unprivileged user
	# cannot enter this test's own directory (bats makes it 0700).
	run env TMPDIR=/tmp KREPRO_NEGATIVE=1 "$ROOT/build/repro/ovl_whiteout"
	[ "$status" -ne 0 ]
	[[ "$output" == *"seen 0:0 (0:0 is the mounter: the 4.4.157 bug)"* ]]
	[[ "$output" == *"creating dir/file as 1000:1000: expected success, seen Permission denied (the directory is 0:0"* ]]
	[[ "$output" != *"krepro-setup-failed"* ]]
	assert_host_clean
}

@test "both cases: with no usable TMPDIR every subtest reports a set-up failure, none a verdict" {
	requires root
	for c in chroot_propagation ovl_whiteout; do
		run env TMPDIR=/nonexistent/krepro "$ROOT/build/repro/$c"
		[ "$status" -ne 0 ]
		total=$(printf '%s\n' "$output" | grep -c '^\(not \)\?ok ')
		failed=$(printf '%s\n' "$output" | grep -c '^# krepro-setup-failed: cannot mount a scratch tmpfs: No such file or directory')
		echo "$c: $failed set-up failures of $total" >&2
		[ "$total" -gt 0 ]
		[ "$failed" -eq "$total" ]
	done
	assert_host_clean
}
