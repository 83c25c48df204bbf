/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where a case runs: a throwaway QEMU VM (target_vm.c) or the live host
 * in private mount and PID namespaces (target_host.c).  Both start a
 * case, are reaped by the caller, and finish into the same guest report,
 * so one classifier reads either.  Nothing here exits or knows of cases,
 * pairs or outcomes: that is the harness's.
 */
#ifndef KREPRO_TARGET_H
#define KREPRO_TARGET_H

#include <stdbool.h>
#include <sys/types.h>

#include "channel.h"
#include "qemu.h"

enum target_kind { TARGET_VM, TARGET_HOST };

/* What to run where. */
struct target_job {
	enum target_kind kind;
	const char *name;		/* the case, for messages */
	const char *ktap;		/* where the case's KTAP is left */
	/* host */
	const char *binary;		/* the reproducer */
	char *const *tests;		/* its -t selections (kselftest test names) */
	int ntests;
	int rounds, seconds;		/* racy budget passed on; 0: none */
	const char *stop;		/* racy stopping rules (KREPRO_STOP), or NULL */
	bool negative;
	/* VM: the QEMU to start, with the console and channel files */
	struct vm_opts vm;
};

/* A started target, until it is finished. */
struct target {
	enum target_kind kind;
	pid_t pid;			/* leader of its own process group */
	long taint_before;		/* host: the live kernel's, at start */
	char *name, *ktap, *ktap_tmp, *console, *channel, *marker;
};

/*
 * Start the job.  Returns 0 with t->pid to reap, or -1 with a one-line
 * reason in *why (malloc'd).
 */
int target_start(struct target *t, const struct target_job *j, char **why);

/*
 * The target's process was reaped with status (timed_out: killed at its
 * deadline).  Fills *g with what the case said: for a VM, the channel's
 * frames and the console text; for the host, its output, exit status,
 * the live kernel's taint before and after (no taint frames: a crash
 * cannot be placed on one subtest) and uname.  Leaves the KTAP at
 * job->ktap.  Returns 0, or -1 with *why when the target itself failed
 * (the host sandbox could not isolate the case).
 */
int target_finish(struct target *t, int status, bool timed_out, struct guest_report *g,
		  char **why);

/*
 * Can cases run on the live host here?  Checks, in this order, what a
 * host run needs - root, a mounted /proc, CAP_SYS_ADMIN, a writable
 * /proc/sys - then sets up the sandbox once with nothing in it (a
 * chroot fails there).  0, or -1 with one line naming what is missing.
 */
int target_host_check(char **why);

/* SIGKILL the target's whole process group. */
void target_kill(struct target *t);

/* Free what target_start allocated (safe after target_finish). */
void target_free(struct target *t);

#endif
