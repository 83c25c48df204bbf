#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
# loop_image in host mode: what the hazard's headline k counts and what is
# counted apart, that every protection held while its danger showed in the
# same run, that the loop,ro device refuses a write, and that a missing
# mkfs is a skip that names it.

load helpers

# sub RUNJSON NAME EXPR: EXPR evaluated on subtest NAME (as s).
sub() {
	json_get "$1" "(lambda s: $3)([s for s in d['results'][0]['subtests'] if s['name'] == '$2'][0])"
}

# repro [VAR=VALUE...] -- ARGS...: run the reproducer itself, as root, with
# its output logged for a failing test.
repro() {
	local env=()
	while [ "$1" != -- ]; do env+=("$1"); shift; done
	shift
	run env "${env[@]}" "$ROOT/build/repro/loop_image" "$@"
	printf '# reproducer %s: status %s\n%s\n' "$*" "$status" "$output" >&2
}

@test "loop_image on the host: programs from the rewritten image crash, each protection holds with its danger shown" {
	requires root
	hz=rewrite_under_mount_crashes_programs
	host_run_reproducing loop_image $hz "$BATS_TEST_TMPDIR/out"
	rj="$BATS_TEST_TMPDIR/out/run.json"
	[ "$(sub "$rj" $hz 's["outcome"]')" = pass ]
	# The headline k: rounds in which a program from the image crashed or
	# ran with wrong text - never more than those crashes.
	[ "$(sub "$rj" $hz 's["k"] > 0')" = True ]
	[ "$(sub "$rj" $hz 's["k"] <= s["race"]["counts"]["sigsegv"] + s["race"]["counts"]["sigbus"] + s["race"]["counts"]["text_mismatch"]')" = True ]
	# EIO, ENOEXEC and wrong data are counted apart, with the checks made.
	[ "$(sub "$rj" $hz 'sorted(set(["eio", "enoexec", "data_zeros", "data_mismatch", "exec_checks", "data_checks", "writer_ok"]) - set(s["race"]["counts"]))')" = "[]" ]
	for m in immutable_image_refuses_root_writer read_only_bind_refuses_root_writer; do
		[ "$(sub "$rj" $m 's["outcome"]')" = pass ]
		[ "$(sub "$rj" $m 's["k"]')" -eq 0 ]
		[ "$(sub "$rj" $m 's["race"]["counts"]["writer_refused"] == s["n"] > 0')" = True ]
		[ "$(sub "$rj" $m 'min(s["race"]["counts"]["exec_checks"], s["race"]["counts"]["data_checks"]) >= 10')" = True ]
	done
	[ "$(sub "$rj" drop_caches_alone_keeps_readers_clean 's["outcome"]')" = pass ]
	[ "$(sub "$rj" mode_0444_does_not_stop_root 's["outcome"]')" = pass ]
	[ "$(sub "$rj" dropped_dac_override_refuses_writer 's["outcome"]')" = pass ]
	[ "$(sub "$rj" read_only_loop_device_refuses_writes 's["outcome"]')" = pass ]
	# Behaviours record what this kernel does; none of them broke.
	[ "$(json_get "$rj" 'sorted(set(s["outcome"] for s in d["results"][0]["subtests"] if s["kind"] == "behaviour") - {"pass", "fail"})')" = "[]" ]
	grep -q '^# loop_image: buffered=' "$BATS_TEST_TMPDIR/out/host/loop_image.ktap"
	grep -q '^# loop_image: direct_io=' "$BATS_TEST_TMPDIR/out/host/loop_image.ktap"
	assert_host_clean
}

@test "loop_image: a write to the loop,ro device is refused, and a read-write device (--negative) takes it" {
	requires root
	repro -- -t read_only_loop_device_refuses_writes
	[ "$status" -eq 0 ]
	[[ "$output" == *"# loop_image: open=allowed write=EPERM"* || "$output" == *"# loop_image: open=EBUSY"* ]]
	repro KREPRO_NEGATIVE=1 -- -t read_only_loop_device_refuses_writes
	[ "$status" -ne 0 ]
	[[ "$output" == *"# loop_image: open=allowed write=allowed"* ]]
	[[ "$output" == *"not ok 1 loop_image.read_only_loop_device_refuses_writes"* ]]
	assert_host_clean
}

@test "loop_image without mkfs.ext4 skips and names the missing tool" {
	requires root
	repro PATH=/nonexistent -- -t mode_0444_does_not_stop_root
	[ "$status" -eq 0 ]
	[[ "$output" == *"ok 1 loop_image.mode_0444_does_not_stop_root # SKIP mkfs.ext4 is not available"* ]]
	assert_host_clean
}
