#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
# tar_race and tar_protocol in host mode: what each headline k counts, what
# is counted apart, what voids a round, and that the protocol replays are
# deterministic schedules run once.  A stand-in tar, first in PATH, plays
# the extraction where a test needs an outcome the real tar gives only by
# chance; it runs the real GNU tar for everything else (--version, -c, -t)
# and lives outside /tmp, which the host sandbox covers.

load helpers

setup() {
	FAKE=
}

teardown() {
	[ -z "$FAKE" ] || rm -rf "$FAKE"
}

# fake_tar BODY: a tar whose extractions (-xf / -P -xf ... -C DIR) run the
# shell BODY, with $dir set to the extraction directory.
fake_tar() {
	local real
	real=$(command -v tar)
	FAKE=$(mktemp -d /var/tmp/krepro-bats-tar.XXXXXX)
	cat >"$FAKE/tar" <<EOF
#!/bin/sh
case "\$1" in -xf|-P) ;; *) exec $real "\$@" ;; esac
eval dir=\\\${\$#}
$1
EOF
	chmod 755 "$FAKE/tar"
}

# sub RUNJSON NAME EXPR: EXPR evaluated on subtest NAME (as s).
sub() {
	json_get "$1" "(lambda s: ($3))([s for s in d['results'][0]['subtests'] if s['name'] == '$2'][0])"
}

@test "tar_race on the host: tars collide, flock holds with its guard shown, placeholders count only placeholders" {
	requires root
	# 12 rounds: the host's tars collided in 88 of 180 rounds (30 runs of
	# 6), so 6 rounds missed every collision about once in 55 runs (CI
	# met it once), 12 rounds about once in 3000.
	kr run -k host -c tar_race -n 12 -o "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 0 ]
	rj="$BATS_TEST_TMPDIR/out/run.json"
	[ "$(sub "$rj" parallel_extractions_collide_exit_nonzero 's["outcome"]')" = pass ]
	[ "$(sub "$rj" flock_serialised_extractions_are_exact 's["outcome"], s["guards"], s["k"]')" = "('pass', 'parallel_extractions_collide_exit_nonzero', 0)" ]
	[ "$(sub "$rj" killed_extraction_leaves_mode_000_placeholders 's["outcome"]')" = pass ]
	[ "$(sub "$rj" absolute_names_extraction_makes_no_placeholders 's["outcome"]')" = pass ]
	# The headline k of the placeholders hazard is 0 exactly when no placeholder was seen.
	[ "$(sub "$rj" parallel_extractions_leave_placeholders '(s["k"] == 0) == (s["race"]["counts"]["placeholder"] == 0)')" = True ]
	[ "$(sub "$rj" parallel_extractions_leave_placeholders 'sorted(s["race"]["counts"])')" = "['missing', 'open_eexist', 'placeholder', 'symlink_eexist', 'tar_exit_nonzero', 'tar_other_error', 'unlink_enoent', 'void_rounds', 'wrong_size', 'wrong_target', 'wrong_type']" ]
	assert_host_clean
}

@test "tar_race: the two unlocked hazards count one race's rounds; alone, the collisions subtest races on its own" {
	requires root
	kr run -k host -c tar_race/parallel_extractions_leave_placeholders \
		-c tar_race/parallel_extractions_collide_exit_nonzero -o "$BATS_TEST_TMPDIR/both"
	rj="$BATS_TEST_TMPDIR/both/run.json"
	# Same rounds: the same n and the same tar exits, over the placeholders' stopping rule.
	[ "$(sub "$rj" parallel_extractions_leave_placeholders 's["n"], s["race"]["counts"]["tar_exit_nonzero"]')" = \
	  "$(sub "$rj" parallel_extractions_collide_exit_nonzero 's["n"], s["race"]["counts"]["tar_exit_nonzero"]')" ]
	grep -q "counted over the rounds of parallel_extractions_leave_placeholders" "$BATS_TEST_TMPDIR"/both/host/tar_race*.ktap
	kr run -k host -c tar_race/parallel_extractions_collide_exit_nonzero -o "$BATS_TEST_TMPDIR/alone"
	rj="$BATS_TEST_TMPDIR/alone/run.json"
	[ "$(sub "$rj" parallel_extractions_collide_exit_nonzero 's["outcome"], s["race"]["stop"]')" = "('pass', ['estimate'])" ]
	! grep -q "counted over the rounds" "$BATS_TEST_TMPDIR"/alone/host/tar_race*.ktap
	assert_host_clean
}

@test "tar_race: tars that fail and extract nothing are collisions and missing entries, never placeholders" {
	requires root
	fake_tar 'echo "tar: stand-in failure" >&2; exit 2'
	PATH="$FAKE:$PATH" kr run -k host -c tar_race/parallel_extractions_leave_placeholders \
		-c tar_race/parallel_extractions_collide_exit_nonzero -n 3 -o "$BATS_TEST_TMPDIR/out"
	rj="$BATS_TEST_TMPDIR/out/run.json"
	[ "$(sub "$rj" parallel_extractions_leave_placeholders 's["outcome"], s["k"], s["n"]')" = "('fail', 0, 3)" ]
	[ "$(sub "$rj" parallel_extractions_leave_placeholders 's["race"]["counts"]["tar_exit_nonzero"], s["race"]["counts"]["tar_other_error"], s["race"]["counts"]["missing"] > 0')" = "(24, 24, True)" ]
	[ "$(sub "$rj" parallel_extractions_collide_exit_nonzero 's["outcome"], s["k"], s["n"]')" = "('pass', 3, 3)" ]
	[[ "$output" == *"parallel_extractions_leave_placeholders"*"not-reproduced 0/3"* ]]
	assert_host_clean
}

@test "tar_race: a placeholder left where a symlink belongs is a placeholder hit, not a collision" {
	requires root
	fake_tar 'p=$dir/proof/of/concept0; mkdir -p $p; : >$p/l000; chmod 000 $p/l000; exit 0'
	PATH="$FAKE:$PATH" kr run -k host -c tar_race/parallel_extractions_leave_placeholders \
		-c tar_race/parallel_extractions_collide_exit_nonzero -n 3 -o "$BATS_TEST_TMPDIR/out"
	rj="$BATS_TEST_TMPDIR/out/run.json"
	[ "$(sub "$rj" parallel_extractions_leave_placeholders 's["outcome"], s["k"], s["n"], s["race"]["counts"]["placeholder"]')" = "('pass', 3, 3, 3)" ]
	[ "$(sub "$rj" parallel_extractions_collide_exit_nonzero 's["outcome"], s["k"], s["n"]')" = "('fail', 0, 3)" ]
	assert_host_clean
}

@test "tar_race: a tar killed by a signal voids its round, and all rounds void is an error, not a verdict" {
	requires root
	fake_tar 'kill -9 $$'
	PATH="$FAKE:$PATH" kr run -k host -c tar_race/parallel_extractions_collide_exit_nonzero \
		-n 3 --seconds 2 -o "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 1 ]
	rj="$BATS_TEST_TMPDIR/out/run.json"
	[ "$(sub "$rj" parallel_extractions_collide_exit_nonzero 's["outcome"]')" = error ]
	[[ "$(sub "$rj" parallel_extractions_collide_exit_nonzero 's["reason"]')" == *"set-up failed: every round had a tar killed by a signal"* ]]
	assert_host_clean
}

@test "tar_race: a child that never ran tar (exit 127) is a set-up failure, not a collision" {
	requires root
	fake_tar 'exit 127'
	PATH="$FAKE:$PATH" kr run -k host -c tar_race/parallel_extractions_collide_exit_nonzero \
		-n 3 -o "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 1 ]
	rj="$BATS_TEST_TMPDIR/out/run.json"
	[ "$(sub "$rj" parallel_extractions_collide_exit_nonzero 's["outcome"]')" = error ]
	[[ "$(sub "$rj" parallel_extractions_collide_exit_nonzero 's["reason"]')" == *"round 1: cannot run tar: a child never ran tar"* ]]
	assert_host_clean
}

@test "tar_protocol: each replay is a regression run once per run; -n 3 gives 3 runs, no interval, no race" {
	requires root
	kr run -k host -c tar_protocol -n 3 -o "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 0 ]
	rj="$BATS_TEST_TMPDIR/out/run.json"
	[ "$(json_get "$rj" 'sorted(set((s["kind"], s["outcome"], s["k"], s["n"], s["runs"], s["racy"]) for s in d["results"][0]["subtests"]))')" = "[('regression', 'pass', 0, 3, 3, False)]" ]
	[ "$(json_get "$rj" 'len(d["results"][0]["subtests"])')" = 4 ]
	! grep -q 'krepro-stats' "$BATS_TEST_TMPDIR"/out/host/tar_protocol*.ktap
	[[ "$output" != *"tar_protocol/"*"["* ]]
	assert_host_clean
}

@test "races stop once decided: a clean protection at its bound, a failing one at its first failure, a hazard at its precision; -n runs exactly" {
	requires root
	kr run -k host -c tar_race/flock_serialised_extractions_are_exact -o "$BATS_TEST_TMPDIR/a"
	rj="$BATS_TEST_TMPDIR/a/run.json"
	# 0 failures in 29 rounds bound the failure rate at 10 % (95 %): the default level.
	[ "$(sub "$rj" flock_serialised_extractions_are_exact 's["outcome"], s["k"], s["n"], s["race"]["rule"], s["race"]["stop"]')" = "('pass', 0, 29, 'bound=0.1,first', ['bound'])" ]
	[[ "$output" == *"pass 0/29 (<=9.8% at 95%)"* ]]
	[ "$(sub "$rj" parallel_extractions_collide_exit_nonzero 's["race"]["rule"]')" = "bound=0.1,half=0.25" ]
	kr run -k host -c tar_race/flock_serialised_extractions_are_exact --level 20 -o "$BATS_TEST_TMPDIR/b"
	[ "$(sub "$BATS_TEST_TMPDIR/b/run.json" flock_serialised_extractions_are_exact 's["n"], s["race"]["stop"]')" = "(14, ['bound'])" ]

	# Every tar fails: the protection fails at once, the hazard stops at its precision.
	fake_tar 'echo "tar: stand-in failure" >&2; exit 2'
	PATH="$FAKE:$PATH" kr run -k host -c tar_race/flock_serialised_extractions_are_exact \
		-o "$BATS_TEST_TMPDIR/c"
	rj="$BATS_TEST_TMPDIR/c/run.json"
	[ "$(sub "$rj" flock_serialised_extractions_are_exact 's["outcome"], s["k"], s["n"], s["race"]["stop"]')" = "('fail', 1, 1, ['first-hit'])" ]
	[ "$(sub "$rj" parallel_extractions_collide_exit_nonzero 's["outcome"], s["k"] == s["n"], s["n"] <= 5, s["race"]["stop"]')" = "('pass', True, True, ['estimate'])" ]

	# -n asks for exactly that many rounds: no rule.
	PATH="$FAKE:$PATH" kr run -k host -c tar_race/flock_serialised_extractions_are_exact -n 7 \
		-o "$BATS_TEST_TMPDIR/d"
	[ "$(sub "$BATS_TEST_TMPDIR/d/run.json" flock_serialised_extractions_are_exact 's["k"], s["n"], s["race"]["rule"], s["race"]["stop"]')" = "(7, 7, None, ['rounds'])" ]
	assert_host_clean
}
