#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
# krepro bisect, bisect-run and build: bad input without VMs, and one real
# bisection over Debian kernels in VMs.  The bisections over kernels built
# from source (an explicit list ending in a known-bad build, and git bisect
# run over a history made from Debian's source) need kernel builds of
# several minutes each and run in make validate (vm/known-bad/bisect.sh).

load helpers

# Three cloud kernels: two 6.1 (zeros past a truncated backing file), one
# 6.12 (EIO): loop_image's buffered-read behaviour changes at the last.
OLD=debian:6.1.0-56-cloud-amd64
MID=debian:6.1.0-57-cloud-amd64
NEW=debian:6.12.117+deb12-cloud-amd64
SUB=loop_image/buffered_read_past_backing_eof

@test "bisect finds the first kernel whose behaviour changed, and says how sure it is" {
	requires root qemu
	printf '# oldest first\n%s\n%s\n\n%s\n' "$OLD" "$MID" "$NEW" > "$BATS_TEST_TMPDIR/list"
	kr bisect --kernels "$BATS_TEST_TMPDIR/list" -c "$SUB" -o "$BATS_TEST_TMPDIR/b" --format json
	[ "$status" -eq 0 ]
	j="$BATS_TEST_TMPDIR/b/bisect.json"
	[ "$(json_get "$j" 'd["first_bad"]')" = "$NEW" ]
	[ "$(json_get "$j" 'd["last_good"]')" = "$MID" ]
	# the ends, then the one kernel between them
	[ "$(json_get "$j" 'len(d["steps"])')" -eq 3 ]
	[ "$(json_get "$j" 'd["steps"][0]["outcome"]')" = fail ]
	[ "$(json_get "$j" 'd["steps"][1]["outcome"]')" = pass ]
	[ "$(json_get "$j" 'd["error_bound"]')" = 0.0 ]
	# each step is a run directory compare can read
	[ -f "$BATS_TEST_TMPDIR/b/01-round/run.json" ]
	[ -f "$BATS_TEST_TMPDIR/b/02-debian-6.1.0-57-cloud-amd64/run.json" ]
	grep -q "first bad: $NEW" "$BATS_TEST_TMPDIR/b/bisect.txt"
	assert_host_clean
}

@test "bisect: a bad end that passes is bad input (good and bad swapped or wrong)" {
	requires root qemu
	printf '%s\n%s\n' "$OLD" "$MID" > "$BATS_TEST_TMPDIR/list"
	kr bisect --kernels "$BATS_TEST_TMPDIR/list" -c selftest_contract/holds -o "$BATS_TEST_TMPDIR/b"
	[ "$status" -eq 2 ]
	[[ "$(printf '%s\n' "$output" | tail -n 1)" == "krepro: bisect: the bad end $MID passes: it is not bad" ]]
	assert_host_clean
}

@test "bisect: bad input gets one line and exit 2, before anything runs" {
	printf '%s\nnot-a-spec\n' "$OLD" > "$BATS_TEST_TMPDIR/list"
	kr bisect --kernels "$BATS_TEST_TMPDIR/list" -c "$SUB"
	[ "$status" -eq 2 ]
	[[ "$output" == "krepro: bisect: bad kernel spec 'not-a-spec': expected"* ]]
	kr bisect --good "$OLD" --bad debian:6.1.0-57-amd64 -c "$SUB"
	[ "$status" -eq 2 ]
	[ "$output" = "krepro: bisect: --good and --bad are of different flavours (cloud-amd64, amd64); give --kernels FILE" ]
	kr bisect --good "$OLD" --bad "$NEW" -c loop_image
	[ "$status" -eq 2 ]
	[[ "$output" == "krepro: bisect: loop_image has "*" subtests; name one: -c loop_image/SUBTEST" ]]
	kr bisect --good "$OLD" --bad "$NEW" -c loop_image/nope
	[ "$status" -eq 2 ]
	kr bisect --kernels "$BATS_TEST_TMPDIR/missing" -c "$SUB"
	[ "$status" -eq 2 ]
	[[ "$output" == "krepro: cannot read kernel list"* ]]
	printf '%s\n%s\n' "$OLD" "$NEW" > "$BATS_TEST_TMPDIR/list"
	kr bisect --kernels "$BATS_TEST_TMPDIR/list" --good "$MID" -c "$SUB"
	[ "$status" -eq 2 ]
	[[ "$output" == *"is not in"* ]]
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 1 ]
}

@test "build: a tree that is not a kernel source and a missing patch are bad input" {
	mkdir -p "$BATS_TEST_TMPDIR/tree"
	kr build --tree "$BATS_TEST_TMPDIR/tree"
	[ "$status" -eq 2 ]
	[[ "$output" == "krepro: cannot build $BATS_TEST_TMPDIR/tree: not a kernel source tree"* ]]
	kr build --patch "$BATS_TEST_TMPDIR/none.patch"
	[ "$status" -eq 2 ]
	[[ "$output" == "krepro: cannot build: patch $BATS_TEST_TMPDIR/none.patch: No such file or directory" ]]
	kr run -k "build:$BATS_TEST_TMPDIR/tree,nope=1" -c ovl_whiteout
	[ "$status" -eq 2 ]
	[[ "$output" == "krepro: bad kernel spec 'build:$BATS_TEST_TMPDIR/tree,nope=1': after the tree only patch=FILE and config=FILE may follow, not 'nope=1'" ]]
}

@test "bisect-run: a tree that is not a kernel source is bad input, not a git verdict" {
	requires root qemu
	mkdir -p "$BATS_TEST_TMPDIR/tree"
	kr bisect-run -c "$SUB" --tree "$BATS_TEST_TMPDIR/tree"
	[ "$status" -eq 2 ]
	[[ "$output" == "krepro: bisect-run: cannot build $BATS_TEST_TMPDIR/tree: not a kernel source tree"* ]]
}

@test "build: a patch that does not apply to Debian's source is one line and exit 2" {
	requires root
	cat > "$BATS_TEST_TMPDIR/stale.patch" <<'PATCH'
--- a/Makefile
+++ b/Makefile
@@ -1,3 +1,3 @@
-this line is not in any kernel Makefile
+nor is this one
 # SPDX-License-Identifier: GPL-2.0
PATCH
	kr build --patch "$BATS_TEST_TMPDIR/stale.patch"
	[ "$status" -eq 2 ]
	[[ "$(printf '%s\n' "$output" | tail -n 1)" == "krepro: patch $BATS_TEST_TMPDIR/stale.patch does not apply to linux-source-6.1: "* ]]
	# nothing of it stays applied: the next build starts from the pristine source
	work=$(ls -d /var/cache/krepro/build/work/*/src 2>/dev/null | head -n 1)
	[ -z "$work" ] || ! grep -rq "nor is this one" "$work/Makefile"
}
