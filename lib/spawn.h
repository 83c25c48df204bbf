/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Starting programs: the one place krepro forks and executes.  Nothing
 * here exits or changes the caller's directory; errors come back as
 * -errno.
 */
#ifndef KREPRO_LIB_SPAWN_H
#define KREPRO_LIB_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

#include "util.h"

/* A child's stdio: an fd of ours, or one of these. */
#define SPAWN_INHERIT	(-1)
#define SPAWN_NULL	(-2)

struct spawn_opts {
	const char *cwd;	/* the child's directory; NULL: ours */
	bool new_group;		/* its own process group, to kill it whole */
	int pdeathsig;		/* signal when we die (PR_SET_PDEATHSIG); 0: none */
	int in, out, err;	/* stdio: fds, SPAWN_INHERIT or SPAWN_NULL */
	long long fsize_limit;	/* no file the child writes grows past this; 0: none */
};

/* The usual options: inherit stdio, stay in our directory and group. */
#define SPAWN_DEFAULTS { .in = SPAWN_INHERIT, .out = SPAWN_INHERIT, .err = SPAWN_INHERIT }

/*
 * Start path (searched in PATH when it has no '/') with argv.  Returns the
 * child's pid, or -errno when it could not be started - a program that
 * does not exist is -ENOENT here, not an exit status.
 */
pid_t spawn(const char *path, char *const argv[], const struct spawn_opts *o);

/* Wait for a child: its exit status (0..255), 128+signal, or -errno. */
int spawn_wait(pid_t pid);

/*
 * Run argv, wait for it; stdout captured into *out when out != NULL,
 * stderr into *err when err != NULL (else inherited or /dev/null when quiet).
 * Returns the exit status (0..255), 128+signal, or -errno if it could not run.
 */
int run_cmd(char *const argv[], struct buf *out, struct buf *err, bool quiet);
/* The same with the child in directory cwd (NULL: krepro's own). */
int run_cmd_in(const char *cwd, char *const argv[], struct buf *out, struct buf *err,
	       bool quiet);

/* The first line of argv's stdout (malloc'd), or NULL when it fails. */
char *run_first_line(char *const argv[]);

#endif
