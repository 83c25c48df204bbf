#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
# krepro compare under valgrind: no memory error, nothing definitely lost.

load helpers

@test "compare is clean under valgrind on a crafted matrix, in every format, and on a real run" {
	command -v valgrind >/dev/null || skip "requires valgrind"
	if ldd "$KREPRO" | grep -q libasan; then
		skip "krepro is built with ASan (make SANITIZE=1): valgrind cannot run it"
	fi
	requires root
	kr run -k host -c selftest_guards -o "$BATS_TEST_TMPDIR/real"
	[ "$status" -eq 0 ]
	run sh "$ROOT/ci/valgrind-compare.sh" "$KREPRO" 6 10 6 -- "$BATS_TEST_TMPDIR/real"
	echo "$output" >&2
	[ "$status" -eq 0 ]
	[[ "$output" == "valgrind-compare: clean: 6 kernels x 10 cases x 6 subtests (360 cells), 5 formats, plain and --strict, and $BATS_TEST_TMPDIR/real" ]]
}
