#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
# tmpfiles_age in host mode: the verdicts the case declares, the danger
# every mitigation's sibling shows in the same clean, and what becomes of
# them when the clean deletes nothing or cannot be configured.  A stand-in
# systemd-tmpfiles, first in PATH, plays the clean that does not happen;
# it lives outside /tmp, which the host sandbox covers.

load helpers

setup() {
	FAKE=
}

teardown() {
	[ -z "$FAKE" ] || rm -rf "$FAKE"
}

# fake_tmpfiles STATUS [STDERR]: a systemd-tmpfiles that only says STDERR
# and exits STATUS; its directory is left in FAKE.
fake_tmpfiles() {
	FAKE=$(mktemp -d /var/tmp/krepro-bats-tmpfiles.XXXXXX)
	printf '#!/bin/sh\necho "%s" >&2\nexit %s\n' "${2:-}" "$1" >"$FAKE/systemd-tmpfiles"
	chmod 755 "$FAKE/systemd-tmpfiles"
}

# outcomes RUNJSON KIND: the sorted set of outcomes of that kind.
outcomes() {
	json_get "$1" "sorted(set(s['outcome'] for s in d['results'][0]['subtests'] if s['kind'] == '$2'))"
}

# danger_shown KTAP: the subtests whose result block says krepro-danger-shown.
danger_shown() {
	python3 - "$1" <<'PY'
import re, sys
shown, cur = [], None
for line in open(sys.argv[1]):
    m = re.match(r"#\s+RUN\s+\S+?\.(\S+) \.\.\.", line)
    if m:
        cur = m.group(1)
    elif line.startswith("# krepro-danger-shown:") and cur:
        shown.append(cur)
print(",".join(sorted(set(shown))))
PY
}

mitigations="ext4_128.flock_protects_tree,ext4_128.x_line_protects_tree,ext4_256.flock_protects_tree,ext4_256.x_line_protects_tree,tmpfs.flock_protects_tree,tmpfs.x_line_protects_tree,xfs.flock_protects_tree,xfs.x_line_protects_tree"

@test "tmpfiles_age: a clean by atime and mtime deletes the fresh tree on every filesystem, birth time keeps it under the default age-by" {
	requires root
	kr run -k host -c tmpfiles_age -o "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 0 ]
	rj="$BATS_TEST_TMPDIR/out/run.json"
	for kind in hazard behaviour regression mitigation; do
		[ "$(outcomes "$rj" $kind)" = "['pass']" ]
	done
	# The declared fates, filesystem by filesystem.
	[ "$(json_get "$rj" "sorted(s['name'].split('.')[0] for s in d['results'][0]['subtests'] if s['name'].endswith('.q_line_by_mtime_atime_deletes_fresh_tree'))")" = "['ext4_128', 'ext4_256', 'tmpfs', 'xfs']" ]
	[ "$(json_get "$rj" "sorted(s['name'] + ':' + s['kind'] for s in d['results'][0]['subtests'] if '.default_age_by_' in s['name'])")" = "['ext4_128.default_age_by_deletes_fresh_tree:hazard', 'ext4_256.default_age_by_keeps_fresh_tree:regression', 'tmpfs.default_age_by_keeps_fresh_tree:regression', 'xfs.default_age_by_keeps_fresh_tree:regression']" ]
	assert_host_clean
}

@test "tmpfiles_age: every mitigation saw its unprotected sibling deleted in the same clean" {
	requires root
	kr run -k host -c tmpfiles_age -o "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 0 ]
	[ "$(json_get "$BATS_TEST_TMPDIR/out/run.json" "','.join(sorted(s['name'] for s in d['results'][0]['subtests'] if s['kind'] == 'mitigation' and s.get('guards') == 'within'))")" = "$mitigations" ]
	[ "$(danger_shown "$BATS_TEST_TMPDIR/out/host/tmpfiles_age.ktap")" = "$mitigations" ]
	assert_host_clean
}

@test "tmpfiles_age: a clean that deletes nothing leaves every hazard not reproduced and every mitigation not-comparable (danger not shown)" {
	requires root
	fake_tmpfiles 0
	PATH="$FAKE:$PATH" kr run -k host -c tmpfiles_age -o "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 0 ]
	rj="$BATS_TEST_TMPDIR/out/run.json"
	[ "$(outcomes "$rj" hazard)" = "['fail']" ]
	[ "$(outcomes "$rj" mitigation)" = "['not-comparable']" ]
	[ "$(outcomes "$rj" regression)" = "['pass']" ]
	[ "$(danger_shown "$BATS_TEST_TMPDIR/out/host/tmpfiles_age.ktap")" = "" ]
	[[ "$output" =~ tmpfiles_age/xfs\.flock_protects_tree\ +not-comparable\ \(danger\ not\ shown\) ]]
	[[ "$output" == *"tmpfs.x_line_protects_tree: not-comparable: danger not shown: its unprotected twin came to no harm in this run"* ]]
	assert_host_clean
}

@test "tmpfiles_age: a configuration systemd-tmpfiles rejects is a set-up failure (error), never a verdict" {
	requires root
	fake_tmpfiles 65 "Failed to parse age-by 'acmAM', ignoring."
	PATH="$FAKE:$PATH" kr run -k host -c tmpfiles_age/xfs.q_line_by_mtime_atime_deletes_fresh_tree \
		-c tmpfiles_age/tmpfs.x_line_protects_tree -c tmpfiles_age/ext4_256.default_age_by_keeps_fresh_tree \
		-o "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 1 ]
	rj="$BATS_TEST_TMPDIR/out/run.json"
	[ "$(json_get "$rj" "sorted(set(s['outcome'] for s in d['results'][0]['subtests']))")" = "['error']" ]
	[ "$(json_get "$rj" "[s['reason'] for s in d['results'][0]['subtests'] if s['name'] == 'xfs.q_line_by_mtime_atime_deletes_fresh_tree'][0]")" = "set-up failed: systemd-tmpfiles rejected the configuration: Failed to parse age-by 'acmAM', ignoring." ]
	assert_host_clean
}

@test "tmpfiles_age in a VM: the same verdicts, every mitigation after its sibling was deleted" {
	requires root qemu
	kr run -k "$VM_KERNEL" -c tmpfiles_age -o "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 0 ]
	rj="$BATS_TEST_TMPDIR/out/run.json"
	for kind in hazard behaviour regression mitigation; do
		[ "$(outcomes "$rj" $kind)" = "['pass']" ]
	done
	ktap=$(ls "$BATS_TEST_TMPDIR"/out/*/tmpfiles_age.ktap)
	[ "$(danger_shown "$ktap")" = "$mitigations" ]
	assert_host_clean
}
