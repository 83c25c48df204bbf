// SPDX-License-Identifier: GPL-2.0-only
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/loop.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "stats.h"

int krepro_private_mount_ns(void)
{
	if (unshare(CLONE_NEWNS))
		return -errno;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -errno;
	return 0;
}

int krepro_path(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* The scratch tmpfs made last and not yet released, for krepro_scratch_abandon. */
static char scratch_made[PATH_MAX];

int krepro_scratch_tmpfs(char *buf, size_t len, const char *tag)
{
	const char *base = getenv("TMPDIR");
	int ret;

	if (!base || !*base)
		base = "/tmp";
	ret = krepro_path(buf, len, "%s/krepro-%s.XXXXXX", base, tag);
	if (ret)
		return ret;
	if (!mkdtemp(buf))
		return -errno;
	if (mount("krepro", buf, "tmpfs", 0, "mode=0755")) {
		ret = -errno;
		rmdir(buf);
		buf[0] = '\0';
		return ret;
	}
	snprintf(scratch_made, sizeof(scratch_made), "%s", buf);
	return 0;
}

void krepro_scratch_release(const char *path)
{
	if (!path || !path[0])
		return;
	umount2(path, MNT_DETACH);
	rmdir(path);
	if (!strcmp(path, scratch_made))
		scratch_made[0] = '\0';
}

void krepro_scratch_abandon(void)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s", scratch_made);
	krepro_scratch_release(path);
}

int krepro_become_user(uid_t uid, gid_t gid)
{
	cap_t caps, empty;
	int differ;

	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0))
		return -errno;
	if (setgroups(0, NULL))
		return -errno;
	if (setresgid(gid, gid, gid))
		return -errno;
	if (setresuid(uid, uid, uid))
		return -errno;

	/* setresuid() clears the sets already; make it explicit and check. */
	empty = cap_init();
	if (!empty)
		return -errno;
	if (cap_set_proc(empty)) {
		int err = -errno;

		cap_free(empty);
		return err;
	}
	caps = cap_get_proc();
	if (!caps) {
		cap_free(empty);
		return -errno;
	}
	differ = cap_compare(caps, empty);
	cap_free(caps);
	cap_free(empty);
	return differ ? -EPERM : 0;
}

int krepro_in_child(krepro_child_fn fn, void *arg, void *out, size_t outlen)
{
	int fds[2], status, ret;
	ssize_t got = 0;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(fds[0]);
		close(fds[1]);
		return ret;
	}
	if (pid == 0) {
		struct { int ret; } head;

		close(fds[0]);
		head.ret = fn(arg, out);
		if (write(fds[1], &head, sizeof(head)) != sizeof(head))
			_exit(2);
		if (outlen && write(fds[1], out, outlen) != (ssize_t)outlen)
			_exit(2);
		_exit(0);
	}
	close(fds[1]);
	ret = -EPROTO;
	{
		int head;

		if (read(fds[0], &head, sizeof(head)) == sizeof(head)) {
			ret = head;
			while (outlen && (size_t)got < outlen) {
				ssize_t n = read(fds[0], (char *)out + got,
						 outlen - got);
				if (n <= 0)
					break;
				got += n;
			}
			if ((size_t)got != outlen)
				ret = -EPROTO;
		}
	}
	close(fds[0]);
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (WIFSIGNALED(status))
		return -EINTR;
	return ret;
}

int krepro_write_file(const char *path, const char *text)
{
	size_t len = strlen(text);
	ssize_t n;
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
	close(fd);
	return ret;
}

int krepro_loop_attach(const char *path, bool read_only, char *dev, size_t len)
{
	struct loop_config cfg = { 0 };
	int ctl, nr, file, loop, ret, tries;

	file = open(path, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (file < 0)
		return -errno;
	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0) {
		ret = -errno;
		close(file);
		return ret;
	}
	/* Another process may grab the same free device: try a few times. */
	for (tries = 0; tries < 16; tries++) {
		nr = ioctl(ctl, LOOP_CTL_GET_FREE);
		if (nr < 0) {
			ret = -errno;
			break;
		}
		ret = krepro_path(dev, len, "/dev/loop%d", nr);
		if (ret)
			break;
		loop = open(dev, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
		if (loop < 0) {
			ret = -errno;
			break;
		}
		cfg.fd = file;
		cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR | (read_only ? LO_FLAGS_READ_ONLY : 0);
		if (!ioctl(loop, LOOP_CONFIGURE, &cfg)) {
			close(ctl);
			close(file);
			return loop;
		}
		ret = -errno;
		close(loop);
		if (ret != -EBUSY)
			break;
	}
	close(ctl);
	close(file);
	return ret;
}

int krepro_run_quiet(char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

double krepro_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned long env_ulong(const char *name, unsigned long def)
{
	const char *v = getenv(name);
	char *end;
	unsigned long n;

	if (!v || !*v)
		return def;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || *end || n == 0)
		return def;
	return n;
}

/* One rule word: first, bound=L, half=H or base=K/N.  0 or -EINVAL. */
static int stop_word(const char *w, size_t len, struct krepro_stop_rule *rule)
{
	char word[64], *end;

	if (len >= sizeof(word))
		return -EINVAL;
	memcpy(word, w, len);
	word[len] = '\0';
	errno = 0;
	if (!strcmp(word, "first")) {
		rule->first = true;
	} else if (!strncmp(word, "bound=", 6)) {
		rule->bound = strtod(word + 6, &end);
		return *end || !(rule->bound > 0 && rule->bound < 1) ? -EINVAL : 0;
	} else if (!strncmp(word, "half=", 5)) {
		rule->half = strtod(word + 5, &end);
		return *end || !(rule->half > 0 && rule->half < 1) ? -EINVAL : 0;
	} else if (!strncmp(word, "base=", 5)) {
		rule->base_k = strtol(word + 5, &end, 10);
		if (*end != '/')
			return -EINVAL;
		rule->base_n = strtol(end + 1, &end, 10);
		return *end || errno || rule->base_k < 0 || rule->base_n <= 0 ||
		       rule->base_k > rule->base_n ? -EINVAL : 0;
	} else {
		return -EINVAL;
	}
	return 0;
}

int krepro_stop_rule_parse(const char *spec, const char *name, struct krepro_stop_rule *rule)
{
	size_t nlen = strlen(name);
	const char *entry = spec;

	memset(rule, 0, sizeof(*rule));
	while (entry && *entry) {
		const char *end = entry + strcspn(entry, ";"), *w;
		const char *colon = memchr(entry, ':', end - entry);

		if (!colon)
			return -EINVAL;
		if ((size_t)(colon - entry) == nlen && !strncmp(entry, name, nlen)) {
			for (w = colon + 1; w < end; w += strcspn(w, ",;") + (w[strcspn(w, ",;")] == ','))
				if (stop_word(w, strcspn(w, ",;"), rule))
					return -EINVAL;
			rule->set = true;
		}
		entry = *end ? end + 1 : NULL;
	}
	return 0;
}

void krepro_race_start(struct krepro_race *r, const char *name, unsigned long def_rounds,
		       double def_seconds)
{
	const char *spec = getenv(WIRE_ENV_STOP);

	memset(r, 0, sizeof(*r));
	r->name = name;
	r->rounds = env_ulong(WIRE_ENV_ROUNDS, def_rounds);
	r->seconds = env_ulong(WIRE_ENV_SECONDS, 0);
	if (!r->seconds)
		r->seconds = def_seconds;
	/* A bad rule is the harness's bug: say so and spend the budget. */
	if (spec && krepro_stop_rule_parse(spec, name, &r->rule)) {
		printf("# %s: cannot read " WIRE_ENV_STOP "='%s'; the race runs its budget\n",
		       name, spec);
		memset(&r->rule, 0, sizeof(r->rule));
	}
	r->first_hit = -1;
	r->started = krepro_now();
}

const char *krepro_race_decided(const struct krepro_race *r, double elapsed)
{
	const struct krepro_stop_rule *u = &r->rule;
	double lo, hi;

	if (u->set && r->n > 0) {
		if (u->first && r->k > 0)
			return "first-hit";
		if (u->base_n && fisher_two_sided(r->k, r->n, u->base_k, u->base_n) < 0.05)
			return "baseline";
		if (u->bound && !r->k && zero_hit_bound(r->n, 0.95) <= u->bound)
			return "bound";
		wilson_interval(r->k, r->n, 1.96, &lo, &hi);
		if (u->half && r->k && (hi - lo) / 2 <= u->half)
			return "estimate";
	}
	if (r->n >= r->rounds)
		return "rounds";
	if (elapsed >= r->seconds)
		return "time";
	return NULL;
}

bool krepro_race_more(struct krepro_race *r)
{
	r->stop = krepro_race_decided(r, krepro_now() - r->started);
	return !r->stop;
}

void krepro_race_round(struct krepro_race *r, bool hit)
{
	r->n++;
	if (!hit)
		return;
	if (!r->k)
		r->first_hit = krepro_now() - r->started;
	r->k++;
}

void krepro_race_count(struct krepro_race *r, const char *name, unsigned long n)
{
	int i;

	for (i = 0; i < KREPRO_RACE_MAX_COUNTERS && r->names[i]; i++)
		if (!strcmp(r->names[i], name))
			break;
	if (i == KREPRO_RACE_MAX_COUNTERS)
		return;
	r->names[i] = name;
	r->counts[i] += n;
}

void krepro_race_end(struct krepro_race *r)
{
	r->elapsed = krepro_now() - r->started;
	if (!r->stop)
		r->stop = krepro_race_decided(r, r->elapsed) ?: "time";
}

void krepro_race_report(const struct krepro_race *r)
{
	double elapsed = r->elapsed > 0 ? r->elapsed : krepro_now() - r->started;
	int i;

	printf("# krepro-stats: k=%lu n=%lu elapsed_ms=%.0f ", r->k, r->n,
	       elapsed * 1000);
	if (r->first_hit >= 0)
		printf("first_hit_ms=%.0f ", r->first_hit * 1000);
	else
		printf("first_hit_ms=none ");
	printf("budget_rounds=%lu budget_ms=%.0f stop=%s", r->rounds,
	       r->seconds * 1000, r->stop ? r->stop : krepro_race_decided(r, elapsed) ?: "time");
	for (i = 0; i < KREPRO_RACE_MAX_COUNTERS && r->names[i]; i++)
		printf(" %s=%lu", r->names[i], r->counts[i]);
	printf("\n");
	fflush(stdout);
}

bool krepro_negative(void)
{
	const char *v = getenv(WIRE_ENV_NEGATIVE);

	return v && !strcmp(v, "1");
}
