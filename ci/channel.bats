#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
# What a guest prints cannot make or unmake a result, and a guest that
# floods its console cannot fill the host's disk (cases/selftest_channel,
# in throwaway VMs; each test picks the subtests it needs by name).

load helpers

setup() {
	OUT="$BATS_TEST_TMPDIR/out"
	RJ="$OUT/run.json"
}

teardown() {
	pkill -KILL -f "qemu-system.*$BATS_TEST_TMPDIR" 2>/dev/null || true
}

# run selftest_channel's named subtests in a VM into $OUT.
channel_run() {
	local args=() s
	for s in "$@"; do
		args+=(-c "selftest_channel/$s")
	done
	kr run -k "$VM_KERNEL" "${args[@]}" -o "$OUT"
}

sub_outcome() {
	json_get "$RJ" "[s['outcome'] for s in d['results'][0]['subtests'] if s['name'] == '$1'][0]"
}

sub_reason() {
	json_get "$RJ" "[s['reason'] for s in d['results'][0]['subtests'] if s['name'] == '$1'][0]"
}

@test "a printk storm stops at the console cap, noted in run.json; the VM goes on and the results stand" {
	requires root qemu
	KREPRO_CONSOLE_CAP=256K channel_run printk_storm after_the_noise
	[ "$status" -eq 0 ]
	console=$(ls "$OUT"/*/selftest_channel.console.log)
	# The guest sent eight times the cap; the host kept the cap, no more.
	sent=$(sed -n 's/.*printk_storm:sent \([0-9]*\) bytes of kernel messages$/\1/p' "$OUT"/*/selftest_channel.ktap)
	[ "$sent" -ge $((8 * 262144)) ]
	[ "$(stat -c %s "$console")" -eq 262144 ]
	[ "$(json_get "$RJ" 'd["console_cap_bytes"]')" -eq 262144 ]
	[ "$(json_get "$RJ" 'd["results"][0]["console_capped"]')" = True ]
	[ "$(sub_outcome printk_storm)" = pass ]
	[ "$(sub_outcome after_the_noise)" = pass ]
	assert_host_clean
}

@test "a case that floods the channel past the cap is an error, never a result" {
	requires root qemu
	KREPRO_CONSOLE_CAP=256K channel_run floods_the_channel after_the_noise
	[ "$status" -eq 1 ]
	[ "$(stat -c %s "$OUT"/*/selftest_channel.chan.log)" -eq 262144 ]
	[ "$(json_get "$RJ" 'd["results"][0]["detail"]')" = "the result channel reached its cap of 262144 bytes: the case printed too much" ]
	[ "$(sub_outcome floods_the_channel)" = error ]
	[ "$(sub_outcome after_the_noise)" = error ]
	assert_host_clean
}

@test "frame words under another marker, and kernel messages between results, change no result" {
	requires root qemu
	channel_run frame_words_are_output kernel_messages_between_results after_the_noise
	[ "$status" -eq 0 ]
	[ "$(sub_outcome frame_words_are_output)" = pass ]
	[ "$(sub_outcome kernel_messages_between_results)" = pass ]
	[ "$(sub_outcome after_the_noise)" = pass ]
	[ "$(json_get "$RJ" 'd["results"][0]["console_capped"]')" = False ]
	# They were sent: the forged frames are case output in the KTAP, the
	# result-looking kernel messages are on the console.
	grep -q "^KREPRO-0123456789abcdef END rc=0 taint=0" "$OUT"/*/selftest_channel.ktap
	grep -q "ok 1 global.after_the_noise" "$OUT"/*/selftest_channel.console.log
	assert_host_clean
}

@test "a result line printed for another subtest gives it two and an error, never its pass" {
	requires root qemu
	channel_run forges_a_result_line after_the_noise
	[ "$status" -eq 1 ]
	[ "$(sub_outcome forges_a_result_line)" = pass ]
	[ "$(sub_outcome after_the_noise)" = error ]
	[ "$(sub_reason after_the_noise)" = "2 result lines for after_the_noise: the output is not one test's" ]
	assert_host_clean
}

@test "an END frame forged with the boot's own marker garbles the channel: every subtest an error" {
	requires root qemu
	channel_run forges_end_with_the_marker after_the_noise
	[ "$status" -eq 1 ]
	[[ "$(json_get "$RJ" 'd["results"][0]["detail"]')" == "result channel garbled: a frame after END: 'TAINT "* ]]
	[ "$(sub_outcome forges_end_with_the_marker)" = error ]
	[ "$(sub_outcome after_the_noise)" = error ]
	assert_host_clean
}

@test "QEMU killed while the channel is mid-line: the cut-off line is no result" {
	requires root qemu
	local chan i
	"$KREPRO" run -k "$VM_KERNEL" -c selftest_channel/cut_off_mid_line \
		-c selftest_channel/after_the_noise -o "$OUT" > "$BATS_TEST_TMPDIR/log" 2>&1 &
	local krepro=$!
	# Wait until the line without its newline is the last thing sent.
	for i in $(seq 600); do
		chan=$(ls "$OUT"/*/selftest_channel.chan.log 2>/dev/null || true)
		[ -n "$chan" ] && [ "$(tail -c 28 "$chan")" = "ok 1 global.cut_off_mid_line" ] && break
		sleep 0.1
	done
	[ "$(tail -c 28 "$chan")" = "ok 1 global.cut_off_mid_line" ]
	pkill -KILL -f "qemu-system.*$BATS_TEST_TMPDIR"
	status=0
	wait "$krepro" || status=$?
	cat "$BATS_TEST_TMPDIR/log" >&2
	[ "$status" -eq 1 ]
	[ "$(sub_outcome cut_off_mid_line)" = error ]
	[ "$(sub_reason cut_off_mid_line)" = "the VM stopped before selftest_channel ended" ]
	[ "$(sub_outcome after_the_noise)" = not-run ]
	assert_host_clean
}
