#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
# SIGINT and SIGTERM stop a VM run cleanly: the run directory says it is
# incomplete, what finished before the signal stays as it was, and
# compare reads it and says so.

load helpers

# wait_until SECONDS COMMAND...: poll until COMMAND succeeds.
wait_until() {
	local limit=$1 i
	shift
	for i in $(seq 1 $((limit * 5))); do
		"$@" 2>/dev/null && return 0
		sleep 0.2
	done
	echo "gave up waiting for: $*" >&2
	return 1
}

# A two-pair run, one VM at a time: the first pair finishes (whichever
# the scheduler starts first), then the signal lands while the second
# runs in its VM.
interrupt_second_pair() { # SIGNAL EXIT
	local out="$BATS_TEST_TMPDIR/out" log="$BATS_TEST_TMPDIR/log" pid rc=0 rj first second
	# Booted, not restored: ovl_whiteout restored is over in 0.7 s, before
	# the signal could land in it.
	"$KREPRO" run -j 1 --no-snapshot -k "$VM_KERNEL" -c ovl_whiteout \
		-c selftest_contract/hangs -o "$out" >"$log" 2>&1 &
	pid=$!
	wait_until 300 grep -q '^\[1/2\] ' "$log"
	first=$(awk '/^\[1\/2\] / { print $3; exit }' "$log")
	second=ovl_whiteout
	[ "$first" = ovl_whiteout ] && second=selftest_contract
	wait_until 120 sh -c 'test -e "$1"/*/"$2".console.log' - "$out" "$second"
	sleep 1
	kill -0 "$pid"	# the signal lands while krepro runs
	kill -"$1" "$pid"
	wait "$pid" || rc=$?
	cat "$log" >&2
	[ "$rc" -eq "$2" ]
	rj="$out/run.json"
	[ "$(json_get "$rj" 'd["interrupted"]')" = True ]
	# The pair that finished keeps its result (ovl_whiteout passes, the
	# hang is a timeout) and its KTAP...
	[ "$(json_get "$rj" "[r['outcome'] for r in d['results'] if r['case'] == '$first'][0]")" = \
		"$([ "$first" = ovl_whiteout ] && echo pass || echo timeout)" ]
	[ -s "$(echo "$out"/*/"$first".ktap)" ]
	if [ "$first" = ovl_whiteout ]; then
		[ "$(json_get "$rj" '{s["outcome"] for r in d["results"] if r["case"] == "ovl_whiteout" for s in r["subtests"]}')" = "{'pass'}" ]
		grep -q '^ok 1 ' "$out"/*/ovl_whiteout.ktap
	fi
	# ...the one it stopped is infra, "interrupted", never a verdict.
	[ "$(json_get "$rj" "[(r['outcome'], r['detail']) for r in d['results'] if r['case'] == '$second'][0]")" = "('infra', 'interrupted')" ]
	kr compare "$out"
	# infra; a finished hang's timeout may count as a failure first.
	[ "$status" -eq 3 ] || { [ "$first" != ovl_whiteout ] && [ "$status" -eq 1 ]; }
	[ "$(first_line)" = "krepro: $out is an incomplete run: it was interrupted; the pairs it had not finished are infra (interrupted)" ]
	[[ "$output" == *ovl_whiteout* ]]
	assert_host_clean
}

@test "SIGINT in the middle of a VM run: marked incomplete, finished results intact, compare says so" {
	requires root qemu
	interrupt_second_pair INT 130
}

@test "SIGTERM in the middle of a VM run: marked incomplete, finished results intact, compare says so" {
	requires root qemu
	interrupt_second_pair TERM 143
}
