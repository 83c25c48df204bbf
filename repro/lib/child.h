/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tracked children.  Every process a reproducer starts through these
 * helpers dies with it (PR_SET_PDEATHSIG) and is remembered until it is
 * reaped, so a teardown - or a test killed by its timeout - leaves no
 * tar, actor or reader behind.  Helpers return 0 or -errno (a pid or a
 * wait status where they say so) and never assert or exit, except in the
 * child, which ends with one of the exit codes below.
 */
#ifndef KREPRO_REPRO_CHILD_H
#define KREPRO_REPRO_CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* How many children one process may track at a time. */
#define KREPRO_CHILDREN_MAX 64

/*
 * Exit codes of a child that never got to run its program: its own
 * set-up failed (death signal, redirection, the prepare hook), or exec
 * did (as in the shell).  A verdict must not count such a child.
 */
#define KREPRO_CHILD_SETUP_FAILED	125
#define KREPRO_CHILD_EXEC_FAILED	127

/*
 * fork, and in the child ask for SIGKILL when the parent dies.  Like
 * fork(): 0 in the child (which tracks no children of its own), the pid
 * (tracked) in the parent, -errno on failure (-EAGAIN: table full).
 */
pid_t krepro_child_fork(void);

/* waitpid (retried on EINTR) that forgets the child: its status or -errno. */
int krepro_child_wait(pid_t pid);

/* SIGKILL a tracked child and reap it: its status or -errno. */
int krepro_child_kill(pid_t pid);

/* SIGKILL and reap every tracked child (for teardown; safe to repeat). */
void krepro_child_kill_all(void);

/* Children tracked and not yet reaped. */
int krepro_child_count(void);

/* A program to start: argv[0] is searched in PATH. */
struct krepro_spawn {
	char *const *argv;
	/* Descriptors for the child's 0, 1, 2; -1: /dev/null. */
	int in, out, err;
	/* When set, stderr goes to this file instead (created or truncated). */
	const char *err_path;
	/*
	 * Run in the child after the redirection, before exec (wait for a
	 * start signal, take a lock that the program inherits); 0 or -errno.
	 * A failure ends the child with KREPRO_CHILD_SETUP_FAILED.
	 */
	int (*prepare)(void *arg);
	void *arg;
};

/* Start a program as a tracked child: its pid, or -errno. */
pid_t krepro_spawn(const struct krepro_spawn *s);

/*
 * Run argv with stdin and stderr on /dev/null and capture its stdout in
 * buf, NUL-terminated (what does not fit is read and dropped, so the
 * program never blocks on a full pipe).  Returns krepro_exit_code of the
 * program, or -errno when it could not be started or waited for.
 */
int krepro_capture(char *const argv[], char *buf, size_t len);

/* A wait status as one number: the exit code, or 128 + the signal. */
int krepro_exit_code(int status);

/* Whether a wait status says the child never ran its program. */
bool krepro_child_never_ran(int status);

/* "exit 2", "killed by SIGKILL": a wait status in words, into buf. */
const char *krepro_status_text(int status, char *buf, size_t len);

#endif
