#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
# A subtest whose set-up failed is an error with its reason, never a
# verdict (docs/setup-failed.md): the reproducer prints
# "# krepro-setup-failed: REASON" before the subtest's result line, and the
# harness reports `error` with "set-up failed: REASON".

load helpers

# A wrapper that runs a command with one kind of system call failing, as a
# kernel or a policy without it would: "mknod" (mknod, mknodat: EPERM) or
# "unix-socket" (socket(AF_UNIX, ...): EAFNOSUPPORT, as without CONFIG_UNIX).
setup_file() {
	DENY="$BATS_FILE_TMPDIR/deny"
	export DENY
	command -v cc >/dev/null || return 0
	cc -O2 -Wall -o "$DENY" -x c - <<'EOF'
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

struct rule { const char *name; int nr, nr2; long arg0; int err; };

static const struct rule rules[] = {
	{ "mknod", __NR_mknod, __NR_mknodat, -1, EPERM },
	{ "unix-socket", __NR_socket, __NR_socket, AF_UNIX, EAFNOSUPPORT },
};

int main(int argc, char **argv)
{
	const struct rule *r = NULL;
	size_t i;

	for (i = 0; argc > 2 && i < sizeof(rules) / sizeof(rules[0]); i++)
		if (!strcmp(argv[1], rules[i].name))
			r = &rules[i];
	if (!r) {
		fprintf(stderr, "usage: deny mknod|unix-socket COMMAND...\n");
		return 2;
	}
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 6),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, r->nr, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, r->nr2, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, r->arg0, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | r->err),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };

	if (r->arg0 < 0)	/* any first argument */
		f[6] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA, 0, 0, 0);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
		perror("deny: seccomp");
		return 2;
	}
	execvp(argv[2], argv + 2);
	perror(argv[2]);
	return 127;
}
EOF
}

requires_deny() {
	[ -x "$DENY" ] || skip "requires cc for the seccomp wrapper"
}

# Run build/repro/NAME [ARG...] directly, stdout and stderr in order in
# $output, with VAR=VALUE settings taken from the front of the arguments.
repro() {
	local env=()
	while [[ "$1" == *=* ]]; do env+=("$1"); shift; done
	local name=$1; shift
	run env "${env[@]}" "$ROOT/build/repro/$name" "$@"
	{
		echo "# command: ${env[*]} build/repro/$name $*"
		echo "# status:  $status"
		printf '# output:\n%s\n' "$output"
	} >&2
}

# Check the KTAP in $output: every subtest that fails carries a
# "# krepro-setup-failed: " line of its own, before its result line; every
# subtest of the plan has a result; at least one set-up failed.  With
# "none-pass", no subtest may pass either (a skip with a reason may).
each_failure_is_setup() {
	printf '%s\n' "$output" | awk -v none_pass="${1:-}" '
		/^1\.\.[0-9]+$/ { plan = substr($0, 4) + 0 }
		/^# krepro-setup-failed: ./ { setup = 1 }
		/^(not )?ok [0-9]+ / { results++ }
		/^ok [0-9]+ .*# SKIP ./ { setup = 0; next }
		/^ok [0-9]+ / {
			if (none_pass) { print "passed where set-up cannot succeed: " $0; bad = 1 }
			setup = 0
		}
		/^not ok [0-9]+ / {
			if (!setup) { print "a plain failure, no set-up reason: " $0; bad = 1 }
			failed += setup; setup = 0
		}
		END {
			if (!plan || results != plan) { print results + 0 " results for a plan of " plan + 0; bad = 1 }
			if (!failed) { print "no subtest said its set-up failed"; bad = 1 }
			exit bad
		}' >&2
}

# no_scratch NAME: run the reproducer where its scratch tmpfs cannot be
# made (krepro_scratch_tmpfs makes it under $TMPDIR, here a directory that
# does not exist) and check every subtest reports that, with the errno.
no_scratch() {
	repro TMPDIR=/nonexistent/dir "$1"
	each_failure_is_setup none-pass
	[[ "$output" == *"# krepro-setup-failed: cannot "*"scratch tmpfs: No such file or directory"* ]]
	assert_host_clean
}

@test "ovl_whiteout without scratch space reports a set-up failure for every subtest" {
	requires root
	no_scratch ovl_whiteout
}

@test "chroot_propagation without scratch space reports a set-up failure for every subtest" {
	requires root
	no_scratch chroot_propagation
}

@test "tmpfiles_age without scratch space reports a set-up failure for every subtest" {
	requires root
	no_scratch tmpfiles_age
}

@test "tar_race without scratch space reports a set-up failure for every subtest" {
	requires root
	no_scratch tar_race
}

@test "loop_image without scratch space reports a set-up failure for every subtest" {
	requires root
	no_scratch loop_image
}

@test "a tar that cannot pack the archive is a set-up failure of each tar subtest, not a miss" {
	requires root
	mkdir "$BATS_TEST_TMPDIR/bin"
	printf '#!/bin/sh\n[ "$1" = --version ] && echo "tar (GNU tar) 1.34" && exit 0\nexit 2\n' \
		>"$BATS_TEST_TMPDIR/bin/tar"
	chmod +x "$BATS_TEST_TMPDIR/bin/tar"
	repro PATH="$BATS_TEST_TMPDIR/bin:$PATH" tar_race
	each_failure_is_setup
	[ "$(grep -c '^# krepro-setup-failed: cannot make the archive: tar -c failed$' <<<"$output")" -eq "$(build_subtests tar_race)" ]
	assert_host_clean
}

@test "a set-up that fails after making its scratch tmpfs leaves nothing in TMPDIR" {
	requires root
	mkdir "$BATS_TEST_TMPDIR/bin" "$BATS_TEST_TMPDIR/scratch"
	printf '#!/bin/sh\nexit 1\n' >"$BATS_TEST_TMPDIR/bin/mkfs.ext4"
	chmod +x "$BATS_TEST_TMPDIR/bin/mkfs.ext4"
	# Every ext4 subtest: the ext4 -I 128 variant and the atime fixture.
	repro PATH="$BATS_TEST_TMPDIR/bin:$PATH" TMPDIR="$BATS_TEST_TMPDIR/scratch" \
		tmpfiles_age -v ext4_128 -f tmpfiles_atime
	each_failure_is_setup none-pass
	[[ "$output" == *"# krepro-setup-failed: ext4 -I 128: cannot run mkfs: "*"(mkfs status 1)"* ]]
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/scratch")" ]
	assert_host_clean
}

@test "chroot_propagation needs no AF_UNIX: with unix sockets refused every hazard still reproduces" {
	requires root
	requires_deny
	run "$DENY" unix-socket "$ROOT/build/repro/chroot_propagation"
	printf '# output:\n%s\n' "$output" >&2
	[ "$status" -eq 0 ]
	[ "$(grep -c '^ok [0-9]' <<<"$output")" -eq "$(build_subtests chroot_propagation)" ]
	assert_host_clean
}

@test "through the harness a failed set-up is an error whose reason begins with set-up failed" {
	requires root
	requires_deny
	# Host mode sets TMPDIR itself; a refused mknod breaks the stand-in socket.
	run "$DENY" mknod "$KREPRO" run -k host -c chroot_propagation -o "$BATS_TEST_TMPDIR/r"
	printf '# status: %s\n# output:\n%s\n' "$status" "$output" >&2
	[ "$status" -eq 1 ]
	rj="$BATS_TEST_TMPDIR/r/run.json"
	[ "$(json_get "$rj" 'sorted(set(s["outcome"] for s in d["results"][0]["subtests"]))')" = "['error']" ]
	[ "$(json_get "$rj" 'sorted(set(s["reason"] for s in d["results"][0]["subtests"]))')" = "['set-up failed: cannot make the stand-in socket: Operation not permitted']" ]
	[ "$(json_get "$rj" 'len(d["results"][0]["subtests"])')" -eq "$(build_subtests chroot_propagation)" ]
	assert_host_clean
}
