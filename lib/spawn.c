// SPDX-License-Identifier: GPL-2.0-only
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawn.h"

/* Point the child's fd at want (an fd, SPAWN_NULL or SPAWN_INHERIT). */
static int child_stdio(int fd, int want, int null)
{
	if (want == SPAWN_INHERIT)
		return 0;
	return dup2(want == SPAWN_NULL ? null : want, fd) < 0 ? -1 : 0;
}

/*
 * In the child: apply the options and execute.  Any failure is written
 * as an errno to report (close-on-exec, so a successful exec closes it
 * silently) and the child ends.
 */
static void __attribute__((noreturn))
child_exec(const char *path, char *const argv[], const struct spawn_opts *o, int report)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC), err;

	if (o->new_group)
		setpgid(0, 0);
	if (o->pdeathsig) {
		prctl(PR_SET_PDEATHSIG, o->pdeathsig);
		/* The parent may have died before the line above. */
		if (getppid() == 1)
			_exit(127);
	}
	if (null < 0 || child_stdio(0, o->in, null) || child_stdio(1, o->out, null) ||
	    child_stdio(2, o->err, null))
		goto fail;
	if (o->fsize_limit > 0) {
		struct rlimit rl = { o->fsize_limit, o->fsize_limit };

		/* Past the limit a write fails (EFBIG), and the child goes on:
		 * an ignored signal stays ignored across exec. */
		signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &rl))
			goto fail;
	}
	/* Only the child moves: the caller's directory never changes. */
	if (o->cwd && chdir(o->cwd))
		goto fail;
	if (strchr(path, '/'))
		execv(path, argv);
	else
		execvp(path, argv);
fail:
	err = errno;
	if (write(report, &err, sizeof(err)) < 0)
		_exit(127);
	_exit(127);
}

pid_t spawn(const char *path, char *const argv[], const struct spawn_opts *o)
{
	static const struct spawn_opts defaults = SPAWN_DEFAULTS;
	int report[2], err = 0;
	ssize_t n;
	pid_t pid;

	if (!o)
		o = &defaults;
	if (pipe2(report, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		err = errno;
		close(report[0]);
		close(report[1]);
		return -err;
	}
	if (pid == 0)
		child_exec(path, argv, o, report[1]);
	close(report[1]);
	while ((n = read(report[0], &err, sizeof(err))) < 0 && errno == EINTR)
		;
	close(report[0]);
	if (n == sizeof(err)) {
		spawn_wait(pid);
		return -err;
	}
	return pid;
}

int spawn_wait(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/*
 * Read both pipes until both close: reading one to its end first would
 * deadlock a child that fills the other.
 */
static void collect(int ofd, struct buf *out, int efd, struct buf *err)
{
	struct pollfd p[2] = { { .fd = ofd, .events = POLLIN }, { .fd = efd, .events = POLLIN } };
	char chunk[8192];

	while (p[0].fd >= 0 || p[1].fd >= 0) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			ssize_t n;

			if (p[i].fd < 0 || !p[i].revents)
				continue;
			n = read(p[i].fd, chunk, sizeof(chunk));
			if (n > 0)
				buf_add(i ? err : out, chunk, n);
			else if (n == 0 || errno != EINTR)
				p[i].fd = -1;
		}
	}
}

/* Make a pipe for a stream the caller wants captured: fds[1] for the child. */
static int capture_pipe(struct buf *b, int fds[2])
{
	fds[0] = fds[1] = -1;
	return b && pipe2(fds, O_CLOEXEC) ? -errno : 0;
}

static void close_pair(int fds[2])
{
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

int run_cmd_in(const char *cwd, char *const argv[], struct buf *out, struct buf *err,
	       bool quiet)
{
	int opipe[2], epipe[2], ret;
	struct spawn_opts o = {
		.cwd = cwd, .in = SPAWN_NULL,
		.out = quiet ? SPAWN_NULL : SPAWN_INHERIT,
		.err = quiet ? SPAWN_NULL : SPAWN_INHERIT,
	};
	pid_t pid;

	if ((ret = capture_pipe(out, opipe)) || (ret = capture_pipe(err, epipe))) {
		close_pair(opipe);
		return ret;
	}
	if (out)
		o.out = opipe[1];
	if (err)
		o.err = epipe[1];
	pid = spawn(argv[0], argv, &o);
	if (opipe[1] >= 0)
		close(opipe[1]);
	if (epipe[1] >= 0)
		close(epipe[1]);
	opipe[1] = epipe[1] = -1;
	if (pid >= 0)
		collect(opipe[0], out, epipe[0], err);
	close_pair(opipe);
	close_pair(epipe);
	if (out && !out->data)
		buf_add(out, "", 0);
	if (err && !err->data)
		buf_add(err, "", 0);
	return pid < 0 ? pid : spawn_wait(pid);
}

int run_cmd(char *const argv[], struct buf *out, struct buf *err, bool quiet)
{
	return run_cmd_in(NULL, argv, out, err, quiet);
}

char *run_first_line(char *const argv[])
{
	struct buf out = { 0 };
	char *line = NULL;

	if (run_cmd(argv, &out, NULL, true) == 0 && out.data)
		line = strndup(out.data, strcspn(out.data, "\n"));
	buf_free(&out);
	return line;
}
