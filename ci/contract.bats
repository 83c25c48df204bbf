#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
# The target contract, run against both targets alike (vm/target.h): the
# live host in its namespace sandbox and a throwaway VM.  Each behaviour
# is one function taking the target; each @test below runs it on one.
# selftest_contract gives the known verdicts (repro/selftest_contract.c).

load helpers

# outcomes RUNJSON: name=outcome for every subtest, comma-separated.
outcomes() {
	json_get "$1" '",".join(s["name"] + "=" + s["outcome"] for s in d["results"][0]["subtests"])'
}

# A passing subtest passes; with --negative the same subtest fails (exit 1).
contract_pass_and_fail() {
	kr run -k "$1" -c selftest_contract/holds -o "$BATS_TEST_TMPDIR/pass"
	[ "$status" -eq 0 ]
	[ "$(outcomes "$BATS_TEST_TMPDIR/pass/run.json")" = holds=pass ]
	kr run -k "$1" -c selftest_contract/holds --negative -o "$BATS_TEST_TMPDIR/fail"
	[ "$status" -eq 1 ]
	[ "$(outcomes "$BATS_TEST_TMPDIR/fail/run.json")" = holds=fail ]
	assert_host_clean
}

# A case past its timeout is a timeout (exit 1), killed, nothing left.
contract_timeout() {
	local start=$SECONDS
	kr run -k "$1" -c selftest_contract/hangs -o "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 1 ]
	[ "$(outcomes "$BATS_TEST_TMPDIR/out/run.json")" = hangs=timeout ]
	[ "$(json_get "$BATS_TEST_TMPDIR/out/run.json" 'd["results"][0]["detail"]')" = "selftest_contract did not finish within 20 s" ]
	# Killed at its deadline, not when the 120 s sleep ended.
	[ $((SECONDS - start)) -lt 100 ]
	assert_host_clean
}

# SIGINT while a case runs: exit 130, run.json says interrupted, the
# subtest is infra ("interrupted"), and nothing is left behind.
contract_interrupt() {
	local out="$BATS_TEST_TMPDIR/out" pid rc=0 i
	"$KREPRO" run -k "$1" -c selftest_contract/hangs -o "$out" >"$BATS_TEST_TMPDIR/log" 2>&1 &
	pid=$!
	# Wait until the case runs: its KTAP (host) or console (VM) file exists.
	for i in $(seq 1 300); do
		ls "$out"/*/selftest_contract.* >/dev/null 2>&1 && break
		sleep 0.2
	done
	sleep 2
	kill -INT "$pid"
	wait "$pid" || rc=$?
	cat "$BATS_TEST_TMPDIR/log" >&2
	[ "$rc" -eq 130 ]
	[ "$(json_get "$out/run.json" 'd["interrupted"]')" = True ]
	[ "$(outcomes "$out/run.json")" = hangs=infra ]
	[ "$(json_get "$out/run.json" 'd["results"][0]["detail"]')" = interrupted ]
	assert_host_clean
}

@test "host: a passing subtest passes, and fails with its protection removed" {
	requires root
	contract_pass_and_fail host
}

@test "VM: a passing subtest passes, and fails with its protection removed" {
	requires root qemu
	contract_pass_and_fail "$VM_KERNEL"
}

@test "host: a case past its timeout is a timeout, killed at the deadline" {
	requires root
	contract_timeout host
}

@test "VM: a case past its timeout is a timeout, killed at the deadline" {
	requires root qemu
	contract_timeout "$VM_KERNEL"
}

@test "host: an interrupted run exits 130 with partial results and leaves nothing" {
	requires root
	contract_interrupt host
}

@test "VM: an interrupted run exits 130 with partial results and leaves nothing" {
	requires root qemu
	contract_interrupt "$VM_KERNEL"
}

@test "VM: a taint gained by one subtest is that subtest's crash; the others keep their results" {
	requires root qemu
	kr run -k "$VM_KERNEL" -c selftest_contract/holds -c selftest_contract/reports_then_taints \
		-c selftest_contract/after_taint -o "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 1 ]
	rj="$BATS_TEST_TMPDIR/out/run.json"
	[ "$(outcomes "$rj")" = holds=pass,reports_then_taints=crash,after_taint=pass ]
	[[ "$(json_get "$rj" 'd["results"][0]["detail"]')" == "kernel taint W (warning) gained while selftest_contract ran subtest reports_then_taints"* ]]
	assert_host_clean
}

@test "host: the taint subtest refuses to taint the live kernel (skip, named), the others pass" {
	requires root
	kr run -k host -c selftest_contract/holds -c selftest_contract/reports_then_taints \
		-c selftest_contract/after_taint -o "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 0 ]
	rj="$BATS_TEST_TMPDIR/out/run.json"
	[ "$(outcomes "$rj")" = holds=pass,reports_then_taints=skip,after_taint=pass ]
	[ "$(json_get "$rj" 'd["results"][0]["subtests"][1]["reason"]')" = "not inside a krepro guest; refusing to taint this kernel" ]
}
