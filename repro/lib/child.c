// SPDX-License-Identifier: GPL-2.0-only
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"

static pid_t tracked[KREPRO_CHILDREN_MAX];

static int track(pid_t pid)
{
	int i;

	for (i = 0; i < KREPRO_CHILDREN_MAX; i++)
		if (!tracked[i]) {
			tracked[i] = pid;
			return 0;
		}
	return -EAGAIN;
}

static void forget(pid_t pid)
{
	int i;

	for (i = 0; i < KREPRO_CHILDREN_MAX; i++)
		if (tracked[i] == pid)
			tracked[i] = 0;
}

int krepro_child_count(void)
{
	int i, n = 0;

	for (i = 0; i < KREPRO_CHILDREN_MAX; i++)
		n += tracked[i] != 0;
	return n;
}

pid_t krepro_child_fork(void)
{
	pid_t parent = getpid(), pid;

	/* Refuse before forking: an untracked child could outlive the test. */
	if (krepro_child_count() >= KREPRO_CHILDREN_MAX)
		return -EAGAIN;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		memset(tracked, 0, sizeof(tracked));
		/* The parent may have died before the death signal was armed. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
			_exit(KREPRO_CHILD_SETUP_FAILED);
		return 0;
	}
	track(pid);
	return pid;
}

int krepro_child_wait(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	forget(pid);
	return status;
}

int krepro_child_kill(pid_t pid)
{
	if (pid <= 0)
		return -EINVAL;
	/* ESRCH is fine: a zombie is still there to reap. */
	if (kill(pid, SIGKILL) && errno != ESRCH)
		return -errno;
	return krepro_child_wait(pid);
}

void krepro_child_kill_all(void)
{
	int i;

	for (i = 0; i < KREPRO_CHILDREN_MAX; i++)
		if (tracked[i] && krepro_child_kill(tracked[i]) < 0)
			tracked[i] = 0;	/* not our child after all (ECHILD) */
}

/* In the child: put fd (or /dev/null for -1) on target. */
static int redirect(int fd, int target, int null)
{
	if (fd == target)
		return 0;
	return dup2(fd >= 0 ? fd : null, target) < 0 ? -errno : 0;
}

pid_t krepro_spawn(const struct krepro_spawn *s)
{
	pid_t pid = krepro_child_fork();
	int null, err;

	if (pid)
		return pid;
	null = open("/dev/null", O_RDWR);
	err = s->err_path ? open(s->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644) : s->err;
	if (null < 0 || (s->err_path && err < 0) || redirect(s->in, 0, null) ||
	    redirect(s->out, 1, null) || redirect(err, 2, null))
		_exit(KREPRO_CHILD_SETUP_FAILED);
	if (s->prepare && s->prepare(s->arg))
		_exit(KREPRO_CHILD_SETUP_FAILED);
	execvp(s->argv[0], s->argv);
	_exit(KREPRO_CHILD_EXEC_FAILED);
}

int krepro_capture(char *const argv[], char *buf, size_t len)
{
	struct krepro_spawn s = { .argv = argv, .in = -1, .err = -1 };
	char drop[4096];
	size_t got = 0;
	int fds[2], status;
	ssize_t n;
	pid_t pid;

	if (!len)
		return -EINVAL;
	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	s.out = fds[1];
	pid = krepro_spawn(&s);
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		return pid;
	}
	for (;;) {
		bool full = got + 1 >= len;

		n = full ? read(fds[0], drop, sizeof(drop)) :
			   read(fds[0], buf + got, len - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (!full)
			got += n;
	}
	buf[got] = '\0';
	close(fds[0]);
	status = krepro_child_wait(pid);
	return status < 0 ? status : krepro_exit_code(status);
}

int krepro_exit_code(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool krepro_child_never_ran(int status)
{
	return WIFEXITED(status) &&
	       (WEXITSTATUS(status) == KREPRO_CHILD_SETUP_FAILED ||
		WEXITSTATUS(status) == KREPRO_CHILD_EXEC_FAILED);
}

const char *krepro_status_text(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by SIG%s", sigabbrev_np(WTERMSIG(status)) ?: "?");
	else
		snprintf(buf, len, "wait status 0x%x", status);
	return buf;
}
