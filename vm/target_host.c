// SPDX-License-Identifier: GPL-2.0-only
/*
 * The host target: the reproducer on the live kernel, in new mount and
 * PID namespaces with / private and a tmpfs over /tmp (TMPDIR inside it),
 * so nothing of the case ever exists on the host, not even after a
 * SIGKILL of krepro.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "target_impl.h"
#include "wire.h"

/* linux/capability.h's number; the harness does not link libcap. */
#define CAP_SYS_ADMIN_BIT 21

/* The line the sandbox prints when it cannot isolate the case. */
#define ISOLATION_LINE "# krepro: cannot isolate: "

/* The live kernel's taint now, -1 when it cannot be read. */
static long host_taint(void)
{
	FILE *t = fopen("/proc/sys/kernel/tainted", "r");
	long taint = -1;

	if (t) {
		if (fscanf(t, "%ld", &taint) != 1)
			taint = -1;
		fclose(t);
	}
	return taint;
}

/* In the sandbox: say which step failed and why, and end it. */
static void __attribute__((noreturn)) isolation_failed(const char *step, int err,
							const char *hint)
{
	printf(ISOLATION_LINE "%s: %s%s%s\n", step, strerror(err), hint ? "; " : "",
	       hint ? hint : "");
	fflush(stdout);
	_exit(WIRE_ISOLATION_FAILED);
}

/*
 * The case's working directory and TMPDIR, made inside the private /tmp:
 * krepro's own TMPDIR when it names a directory (under /tmp as it is,
 * elsewhere as /tmp/PATH), else /tmp.  What the case sets up that the host
 * sees - a loop device's backing file - then names the run that made it,
 * so that two runs on one machine can tell theirs apart.
 */
static char *sandbox_tmpdir(void)
{
	const char *t = getenv("TMPDIR");

	if (!t || t[0] != '/' || !is_dir(t))
		return xstrdup("/tmp");
	return str_starts(t, "/tmp/") ? xstrdup(t) : xasprintf("/tmp%s", t);
}

/*
 * Make dir in the fresh tmpfs on /tmp, writable by anyone as /tmp is (a
 * case's unprivileged user writes there; mkdir_p's modes pass the umask).
 * 0 or -1 with errno.
 */
static int private_tmpdir(const char *dir)
{
	int ret = mkdir_p(dir, 0755);

	if (ret) {
		errno = -ret;
		return -1;
	}
	return chmod(dir, 01777);
}

/*
 * In the namespace's init (pid 1 of the new PID namespace): /proc for
 * it, the private TMPDIR as working directory, the budget, stopping
 * rules and negative knobs, then the reproducer.  Never returns.
 */
static void __attribute__((noreturn)) sandbox_exec(const struct target_job *j, int exe,
						   const char *tmpdir)
{
	char *argv[2 * 64 + 2];
	int a = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (mount("proc", "/proc", "proc", 0, NULL))
		isolation_failed("mount /proc for the new PID namespace", errno, NULL);
	if (chdir(tmpdir))
		isolation_failed("enter the private TMPDIR", errno, NULL);
	/* The preflight's probe: every step above worked. */
	if (!j->binary)
		_exit(0);
	setenv("TMPDIR", tmpdir, 1);
	/* Private to this run, like everything under the sandbox's /tmp. */
	setenv(WIRE_ENV_SHARE, tmpdir, 1);
	if (j->rounds) {
		char v[32];

		snprintf(v, sizeof(v), "%d", j->rounds);
		setenv(WIRE_ENV_ROUNDS, v, 1);
		snprintf(v, sizeof(v), "%d", j->seconds);
		setenv(WIRE_ENV_SECONDS, v, 1);
	}
	if (j->stop)
		setenv(WIRE_ENV_STOP, j->stop, 1);
	if (j->negative)
		setenv(WIRE_ENV_NEGATIVE, "1", 1);
	argv[a++] = (char *)j->binary;
	for (int i = 0; i < j->ntests && i < 64; i++) {
		argv[a++] = "-t";
		argv[a++] = j->tests[i];
	}
	argv[a] = NULL;
	syscall(SYS_execveat, exe, "", argv, environ, AT_EMPTY_PATH);
	isolation_failed("execute the reproducer", errno, NULL);
}

/*
 * The forked sandbox: its own process group, output to the KTAP file,
 * new mount and PID namespaces with / private and a tmpfs on /tmp, then
 * the namespace's init.  Exits with the init's status.
 */
static void __attribute__((noreturn)) sandbox(const struct target_job *j, int out)
{
	/* Opened before /tmp is covered: the project may live there. */
	int exe = j->binary ? open(j->binary, O_PATH | O_CLOEXEC) : -1, status;
	char *tmpdir = sandbox_tmpdir();
	pid_t init;

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	dup2(out, 1);
	dup2(out, 2);
	if (unshare(CLONE_NEWNS | CLONE_NEWPID))
		isolation_failed("unshare a mount and PID namespace", errno, NULL);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		isolation_failed("make / private (mount --make-rprivate /)", errno,
				 errno == EINVAL ? "/ is not a mount point (a chroot?); "
				 "bind the root onto itself first: mount --bind DIR DIR, "
				 "then chroot DIR" : NULL);
	if (mount("krepro", "/tmp", "tmpfs", 0, "mode=1777"))
		isolation_failed("mount a private tmpfs on /tmp", errno, NULL);
	if (private_tmpdir(tmpdir))
		isolation_failed("make TMPDIR private", errno, NULL);
	init = fork();
	if (init < 0)
		isolation_failed("fork the namespace's init", errno, NULL);
	if (init == 0)
		sandbox_exec(j, exe, tmpdir);
	while (waitpid(init, &status, 0) < 0 && errno == EINTR)
		;
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

int host_start(struct target *t, const struct target_job *j, char **why)
{
	int out;

	t->ktap_tmp = xasprintf("%s.tmp", t->ktap);
	out = open(t->ktap_tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		*why = xasprintf("cannot write %s: %s", t->ktap_tmp, strerror(errno));
		return -1;
	}
	t->taint_before = host_taint();
	t->pid = fork();
	if (t->pid == 0)
		sandbox(j, out);
	close(out);
	if (t->pid < 0) {
		*why = xasprintf("cannot fork: %s", strerror(errno));
		t->pid = 0;
		return -1;
	}
	return 0;
}

/* Why the sandbox could not isolate the case, from its own line. */
static char *isolation_failure(const struct target *t, const char *text)
{
	const char *line = text ? strstr(text, ISOLATION_LINE) : NULL;

	if (!line)
		return xasprintf("cannot isolate %s on the host", t->name);
	line += strlen(ISOLATION_LINE);
	return xasprintf("cannot isolate %s on the host: %.*s", t->name,
			 (int)strcspn(line, "\n"), line);
}

int host_finish(struct target *t, int status, bool timed_out, struct guest_report *g,
		char **why)
{
	int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	struct utsname u;

	if (rename(t->ktap_tmp, t->ktap))
		unlink(t->ktap_tmp);
	memset(g, 0, sizeof(*g));
	g->ktap = read_text(t->ktap);
	if (rc == WIRE_ISOLATION_FAILED && !timed_out) {
		*why = isolation_failure(t, g->ktap);
		guest_report_free(g);
		return -1;
	}
	if (!g->ktap)
		g->ktap = xstrdup("");
	/* The sandbox always gets to the case; it ended unless it was killed. */
	g->booted = g->begun = true;
	g->ended = !timed_out;
	g->rc = rc;
	g->taint_begin = t->taint_before;
	g->taint_end = host_taint();
	g->module_errors = xstrdup("");
	g->console = xstrdup("");
	if (!uname(&u)) {
		g->uname = xstrdup(u.release);
		g->version = xasprintf("%s %s %s", u.sysname, u.release, u.version);
	}
	return 0;
}

/* CAP_SYS_ADMIN in our effective set, from /proc/self/status. */
static bool has_sys_admin(void)
{
	char *status = read_file("/proc/self/status", NULL), *line;
	unsigned long long eff = 0;

	line = status ? strstr(status, "\nCapEff:") : NULL;
	if (line)
		eff = strtoull(line + 8, NULL, 16);
	free(status);
	return eff & (1ULL << CAP_SYS_ADMIN_BIT);
}

/*
 * Run the sandbox's own set-up once with nothing to execute: the first
 * step that fails, in the sandbox's words, or 0.
 */
static int probe_sandbox(char **why)
{
	struct target_job probe = { .kind = TARGET_HOST, .name = "the probe" };
	struct target t = { .name = "a case" };
	struct buf out = { 0 };
	char chunk[512];
	int pipefd[2], status = 0;
	ssize_t n;

	if (pipe2(pipefd, O_CLOEXEC))
		return -1;
	t.pid = fork();
	if (t.pid == 0)
		sandbox(&probe, pipefd[1]);
	close(pipefd[1]);
	while ((n = read(pipefd[0], chunk, sizeof(chunk))) > 0 ||
	       (n < 0 && errno == EINTR))
		if (n > 0)
			buf_add(&out, chunk, n);
	close(pipefd[0]);
	while (t.pid > 0 && waitpid(t.pid, &status, 0) < 0 && errno == EINTR)
		;
	if (t.pid < 0)
		*why = xasprintf("cannot fork: %s", strerror(errno));
	else if (!WIFEXITED(status) || WEXITSTATUS(status))
		*why = isolation_failure(&t, out.data);
	buf_free(&out);
	return *why ? -1 : 0;
}

int target_host_check(char **why)
{
	*why = NULL;
	if (geteuid() != 0)
		*why = xasprintf("not root (host mode needs mount namespaces and loop devices)");
	else if (access("/proc/sys/kernel/tainted", R_OK))
		*why = xasprintf("cannot read /proc/sys/kernel/tainted: %s (is /proc mounted?)",
				 strerror(errno));
	else if (!has_sys_admin())
		*why = xasprintf("CAP_SYS_ADMIN is not in the effective capability set (a "
				 "container?); mount namespaces need it");
	else if (faccessat(AT_FDCWD, "/proc/sys/vm/drop_caches", W_OK, AT_EACCESS))
		*why = xasprintf("/proc/sys is not writable (%s; a container?); the cases "
				 "set sysctls such as vm.drop_caches", strerror(errno));
	else
		probe_sandbox(why);
	return *why ? -1 : 0;
}
