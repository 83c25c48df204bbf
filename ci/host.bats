#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
# Every case in host mode: private namespaces, no residue.

load helpers

@test "ovl_whiteout passes on the host kernel and leaves nothing behind" {
	requires root
	kr run -k host -c ovl_whiteout -o "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 0 ]
	[[ "$output" == *"ovl_whiteout/mkdir_over_whiteout_gets_caller_owner"*"pass"* ]]
	rj="$BATS_TEST_TMPDIR/out/run.json"
	[ "$(json_get "$rj" 'd["results"][0]["outcome"]')" = pass ]
	[ "$(json_get "$rj" 'len(d["results"][0]["subtests"])')" -eq "$(build_subtests ovl_whiteout)" ]
	[ "$(json_get "$rj" 'd["kernels"][0]["uname_r"]')" = "$(uname -r)" ]
	grep -q '^ok 1 ovl_whiteout.mkdir_over_whiteout_gets_caller_owner' "$BATS_TEST_TMPDIR/out/host/ovl_whiteout.ktap"
	assert_host_clean
}

@test "one subtest can be picked with CASE/SUBTEST" {
	requires root
	kr run -k host -c ovl_whiteout/mkdir_fresh_name_gets_caller_owner -o "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 0 ]
	rj="$BATS_TEST_TMPDIR/out/run.json"
	[ "$(json_get "$rj" '[s["name"] for s in d["results"][0]["subtests"]]')" = "['mkdir_fresh_name_gets_caller_owner']" ]
	assert_host_clean
}

@test "-n repeats a case and reports k/n" {
	requires root
	kr run -k host -c ovl_whiteout/mkdir_over_whiteout_gets_caller_owner -n 3 -o "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 0 ]
	[[ "$output" == *"pass n=3"* ]]
	[ "$(json_get "$BATS_TEST_TMPDIR/out/run.json" 'd["results"][0]["subtests"][0]["n"]')" -eq 3 ]
}

@test "the panic self-test refuses to run on the host" {
	requires root
	kr run -k host -c selftest_panic -o "$BATS_TEST_TMPDIR/out"
	[ "$(json_get "$BATS_TEST_TMPDIR/out/run.json" 'd["results"][0]["outcome"]')" = skip ]
}

@test "chroot_propagation reproduces every hazard and holds every mitigation on the host" {
	requires root
	kr run -k host -c chroot_propagation -o "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 0 ]
	rj="$BATS_TEST_TMPDIR/out/run.json"
	[ "$(json_get "$rj" 'sorted(set((s["kind"], s["outcome"]) for s in d["results"][0]["subtests"]))')" = "[('behaviour', 'pass'), ('hazard', 'pass'), ('mitigation', 'pass')]" ]
	[[ "$output" == *"chroot_propagation/recursive_delete_removes_host_socket"*"reproduced"* ]]
	assert_host_clean
}

@test "tmpfiles_age: today's default age-by deletes the fresh tree only on ext4 without birth time" {
	requires root
	kr run -k host -c tmpfiles_age -o "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 0 ]
	rj="$BATS_TEST_TMPDIR/out/run.json"
	[ "$(json_get "$rj" 'sorted(s["name"] for s in d["results"][0]["subtests"] if "default_age_by" in s["name"] and s["kind"] == "hazard" and s["outcome"] == "pass")')" = "['ext4_128.default_age_by_deletes_fresh_tree']" ]
	[ "$(json_get "$rj" 'sorted(set(s["outcome"] for s in d["results"][0]["subtests"] if s["kind"] in ("mitigation", "regression")))')" = "['pass']" ]
	assert_host_clean
}

@test "a subtest of a variant fixture can be picked as CASE/VARIANT.TEST" {
	requires root
	kr run -k host -c tmpfiles_age/ext4_128.default_age_by_deletes_fresh_tree -o "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 0 ]
	rj="$BATS_TEST_TMPDIR/out/run.json"
	[ "$(json_get "$rj" '[(s["name"], s["outcome"]) for s in d["results"][0]["subtests"]]')" = "[('ext4_128.default_age_by_deletes_fresh_tree', 'pass')]" ]
	assert_host_clean
}

@test "tar_race: parallel tars collide, the directory lock holds, a killed tar leaves placeholders" {
	requires root
	kr run -k host -c tar_race -o "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 0 ]
	rj="$BATS_TEST_TMPDIR/out/run.json"
	sub() { json_get "$rj" "[s for s in d['results'][0]['subtests'] if s['name'] == '$1'][0]$2"; }
	[ "$(sub parallel_extractions_collide_exit_nonzero '["racy"]')" = True ]
	[ "$(sub parallel_extractions_collide_exit_nonzero '["k"] > 0')" = True ]
	[ "$(sub parallel_extractions_collide_exit_nonzero '["race"]["first_hit_s"][0] is not None')" = True ]
	# The headline k of the placeholders hazard counts only placeholders left.
	[ "$(json_get "$rj" '[(s["k"] == 0) == (s["race"]["counts"]["placeholder"] == 0) for s in d["results"][0]["subtests"] if s["name"] == "parallel_extractions_leave_placeholders"]')" = "[True]" ]
	[ "$(sub flock_serialised_extractions_are_exact '["outcome"]')" = pass ]
	[ "$(sub flock_serialised_extractions_are_exact '["n"] > 0')" = True ]
	[ "$(sub killed_extraction_leaves_mode_000_placeholders '["outcome"]')" = pass ]
	[ "$(sub absolute_names_extraction_makes_no_placeholders '["outcome"]')" = pass ]
	[[ "$output" == *"tar_race/parallel_extractions_collide_exit_nonzero"*"reproduced "*"/"* ]]
	[ -z "$(pgrep -x tar || true)" ]
	assert_host_clean
}

@test "tar_protocol: every replay of tar's placeholder protocol runs once and passes on the host" {
	requires root
	kr run -k host -c tar_protocol -n 2 -o "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 0 ]
	rj="$BATS_TEST_TMPDIR/out/run.json"
	# Deterministic: no statistics line, two runs, n/n with no interval.
	[ "$(json_get "$rj" 'sorted(set((s["kind"], s["outcome"], s["racy"], s["n"]) for s in d["results"][0]["subtests"]))')" = "[('regression', 'pass', False, 2)]" ]
	[[ "$output" != *"["*"%]"* ]]
	assert_host_clean
}

@test "loop_image: programs from a rewritten image crash, and every protection holds, on the host" {
	requires root
	host_run_reproducing loop_image rewrite_under_mount_crashes_programs "$BATS_TEST_TMPDIR/out"
	rj="$BATS_TEST_TMPDIR/out/run.json"
	sub() { json_get "$rj" "[s for s in d['results'][0]['subtests'] if s['name'] == '$1'][0]$2"; }
	[ "$(sub rewrite_under_mount_crashes_programs '["outcome"]')" = pass ]
	[ "$(sub rewrite_under_mount_crashes_programs '["k"] > 0')" = True ]
	for m in immutable_image_refuses_root_writer read_only_bind_refuses_root_writer; do
		[ "$(sub $m '["outcome"]')" = pass ]
		[ "$(sub $m '["n"] > 0')" = True ]
		[ "$(sub $m '["k"]')" -eq 0 ]
	done
	[ "$(sub dropped_dac_override_refuses_writer '["outcome"]')" = pass ]
	[ "$(sub mode_0444_does_not_stop_root '["outcome"]')" = pass ]
	[ "$(sub drop_caches_alone_keeps_readers_clean '["outcome"]')" = pass ]
	[ "$(sub read_only_loop_device_refuses_writes '["outcome"]')" = pass ]
	[ -z "$(my_loops)" ]
	assert_host_clean
}

@test "killing krepro in the middle of loop_image leaves no loop device, mount or process" {
	requires root
	"$KREPRO" run -k host -c loop_image -o "$BATS_TEST_TMPDIR/out" >/dev/null 2>&1 &
	pid=$!
	for _ in $(seq 100); do
		[ -n "$(my_loops)" ] && break
		sleep 0.2
	done
	[ -n "$(my_loops)" ]
	kill -KILL "$pid"
	wait "$pid" || true
	for _ in $(seq 50); do
		[ -z "$(my_loops)" ] && [ -z "$(pgrep -f "$ROOT/build/repro/loop_image" || true)" ] && break
		sleep 0.2
	done
	[ -z "$(my_loops)" ]
	[ -z "$(pgrep -f "$ROOT/build/repro/loop_image" || true)" ]
	assert_host_clean
}
