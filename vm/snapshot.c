// SPDX-License-Identifier: GPL-2.0-only
/* Guest snapshots: taken once per (QEMU, kernel, image, machine), restored per run. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "snapshot.h"
#include "util.h"

#define READY_WORD "KREPRO-READY"
/* Saving 256-512 MB of guest RAM takes well under a second here. */
#define SAVE_TIMEOUT_S 60.0
#define POLL_US 10000

/* The source's command line with its per-run files left out: what the key hashes. */
static char **keyed_argv(const struct vm_opts *o)
{
	struct vm_opts src = *o;

	src.snapshot_source = true;
	src.incoming = NULL;
	src.marker = NULL;
	src.knobs = NULL;
	src.console = "console";
	src.channel = "channel";
	src.ready = "ready";
	src.qmp_fd = 3;
	return qemu_argv(&src);
}

char *snapshot_path(const char *cache, const struct vm_opts *o)
{
	const char *files[] = { o->qemu, o->image, o->initrd };
	char **argv = keyed_argv(o), *path = NULL, *format = snapshot_incoming_uri("");
	/* The stream's format too: a cache from another krepro may differ. */
	uint64_t h = fnv1a(FNV1A_INIT, format, strlen(format));

	free(format);
	for (char **a = argv; *a; a++)
		h = fnv1a(h, *a, strlen(*a) + 1);
	qemu_argv_free(argv);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *id = file_identity(files[i]);

		if (!id)
			return NULL;
		h = fnv1a(h, id, strlen(id) + 1);
		free(id);
	}
	path = xasprintf("%s/snapshot/%016llx", cache, (unsigned long long)h);
	return path;
}

/*
 * Compressed: zstd -1 makes a 69 MB stream 16 MB in 0.15 s, and reading
 * it back costs 0.05 s of CPU (BENCHMARKS.md), so the cache holds four
 * times the snapshots.
 */
char *snapshot_incoming_uri(const char *path)
{
	char *q = shell_word(path), *uri = xasprintf("exec:zstd -dcq %s", q);

	free(q);
	return uri;
}

/* ---- QMP, line by line: one JSON object per line from QEMU ---- */

struct qmp {
	int fd;
	struct buf in;
	double deadline;
};

/* The next non-event object QEMU sends, or NULL (closed, timed out, a signal). */
static json_t *qmp_read(struct qmp *q)
{
	for (;;) {
		char *nl = q->in.data ? memchr(q->in.data, '\n', q->in.len) : NULL;
		char chunk[4096];
		ssize_t n;

		if (nl) {
			json_t *msg = json_loadb(q->in.data, nl - q->in.data, 0, NULL);
			size_t rest = q->in.len - (nl + 1 - q->in.data);

			memmove(q->in.data, nl + 1, rest + 1);
			q->in.len = rest;
			if (msg && !json_object_get(msg, "event"))
				return msg;
			json_decref(msg);
			continue;
		}
		if (now_monotonic() > q->deadline)
			return NULL;
		n = read(q->fd, chunk, sizeof(chunk));
		if (n <= 0)
			return NULL;
		buf_add(&q->in, chunk, n);
	}
}

/* Run one command; its "return" value (a new reference) or NULL with *why. */
static json_t *qmp_call(struct qmp *q, json_t *cmd, char **why)
{
	char *text = json_dumps(cmd, JSON_COMPACT);
	json_t *reply = NULL, *ret = NULL;
	size_t len = strlen(text);

	if (write(q->fd, text, len) != (ssize_t)len || write(q->fd, "\n", 1) != 1)
		*why = xasprintf("QMP: cannot write: %s", strerror(errno));
	else if (!(reply = qmp_read(q)))
		*why = xasprintf("QMP: no reply to %s", json_string_value(json_object_get(cmd, "execute")));
	else if (!(ret = json_object_get(reply, "return")))
		*why = xasprintf("QMP: %s failed: %s",
				 json_string_value(json_object_get(cmd, "execute")),
				 json_string_value(json_object_get(json_object_get(reply, "error"),
								   "desc")) ?: "no reason");
	json_incref(ret);
	json_decref(reply);
	json_decref(cmd);
	free(text);
	return ret;
}

/* Migrate the guest to the file tmp and wait until QEMU says completed. */
static int qmp_save(struct qmp *q, const char *tmp, char **why)
{
	char *qt = shell_word(tmp), *uri = xasprintf("exec:zstd -1 -q > %s", qt);
	json_t *ret;
	int rc = -1;

	free(qt);
	json_decref(qmp_read(q));	/* the greeting */
	if (!(ret = qmp_call(q, json_pack("{s:s}", "execute", "qmp_capabilities"), why)))
		goto out;
	json_decref(ret);
	/* The default cap is 32 MiB/s: a 256 MB guest would take seconds. */
	ret = qmp_call(q, json_pack("{s:s, s:{s:I}}", "execute", "migrate-set-parameters",
				    "arguments", "max-bandwidth", (json_int_t)1 << 40), why);
	if (!ret)
		goto out;
	json_decref(ret);
	if (!(ret = qmp_call(q, json_pack("{s:s, s:{s:s}}", "execute", "migrate",
					  "arguments", "uri", uri), why)))
		goto out;
	json_decref(ret);
	for (;;) {
		const char *status;

		if (!(ret = qmp_call(q, json_pack("{s:s}", "execute", "query-migrate"), why)))
			goto out;
		status = json_string_value(json_object_get(ret, "status"));
		if (status && !strcmp(status, "completed")) {
			json_decref(ret);
			rc = 0;
			goto out;
		}
		if (!status || !strcmp(status, "failed") || !strcmp(status, "cancelled")) {
			*why = xasprintf("migration %s: %s", status ? status : "without status",
					 json_string_value(json_object_get(ret, "error-desc")) ?: "");
			json_decref(ret);
			goto out;
		}
		json_decref(ret);
		if (usleep(POLL_US) && errno == EINTR) {
			*why = xstrdup("interrupted");
			goto out;
		}
	}
out:
	free(uri);
	return rc;
}

/* ---- taking one ---- */

/*
 * Why the guest stopped, for a reason: what init said (it could not
 * get its knobs), else the last line QEMU or the kernel left.
 */
static char *console_tail(const char *path)
{
	char *text = read_text(path), *init = text ? strstr(text, "krepro init: ") : NULL;
	char *last = init ? strndup(init, strcspn(init, "\r\n")) :
		     text ? last_line(text) : xstrdup("");

	free(text);
	if (!*last) {
		free(last);
		return xstrdup("no console output");
	}
	return one_line(last);
}

/* Wait until the guest's knobs reader says READY; -1 with *why if it does not. */
static int wait_ready(pid_t pid, const char *console, const char *ready_path, double boot_s,
		      char **why)
{
	double until = now_monotonic() + boot_s;

	for (;;) {
		char *text = read_text(ready_path);
		bool ready = text && strstr(text, READY_WORD);
		int status;

		free(text);
		if (ready)
			return 0;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			char *tail = console_tail(console);

			*why = xasprintf("the guest stopped before it could be saved: %s", tail);
			free(tail);
			return -1;
		}
		if (now_monotonic() > until) {
			*why = xasprintf("the guest did not reach its knobs within %.0f s", boot_s);
			return -1;
		}
		if (usleep(POLL_US) && errno == EINTR) {
			*why = xstrdup("interrupted");
			return -1;
		}
	}
}

int snapshot_take(const struct vm_opts *o, const char *path, double boot_s, char **why)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	char *console = xasprintf("%s.console.tmp.%d", path, (int)getpid());
	char *channel = xasprintf("%s.chan.tmp.%d", path, (int)getpid());
	char *ready = xasprintf("%s.ready.tmp.%d", path, (int)getpid());
	struct vm_opts src = *o;
	struct qmp q = { .fd = -1 };
	int sv[2] = { -1, -1 }, rc = -1;
	pid_t pid = -1;

	*why = NULL;
	if (slash)
		*slash = 0;
	if (mkdir_p(dir, 0755)) {
		*why = xasprintf("cannot create %s: %s", dir, strerror(errno));
		goto out;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) || fcntl(sv[0], F_SETFD, FD_CLOEXEC)) {
		*why = xasprintf("cannot make a QMP socket: %s", strerror(errno));
		goto out;
	}
	src.snapshot_source = true;
	src.incoming = NULL;
	src.console = console;
	src.channel = channel;
	src.ready = ready;
	src.qmp_fd = sv[1];
	/* The log cap is a file size limit, which would cut the snapshot. */
	src.log_cap = 0;
	unlink(console);
	unlink(channel);
	unlink(ready);
	pid = vm_start(&src);
	close(sv[1]);
	if (pid < 0) {
		*why = xasprintf("cannot start %s: %s", o->qemu, strerror(-pid));
		goto out;
	}
	q.fd = sv[0];
	if (wait_ready(pid, console, ready, boot_s, why))
		goto out;
	q.deadline = now_monotonic() + SAVE_TIMEOUT_S;
	if (qmp_save(&q, tmp, why))
		goto out;
	if (rename(tmp, path)) {
		*why = xasprintf("cannot rename %s: %s", tmp, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (pid > 0) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (sv[0] >= 0)
		close(sv[0]);
	buf_free(&q.in);
	unlink(tmp);
	unlink(console);
	unlink(channel);
	unlink(ready);
	free(tmp);
	free(console);
	free(channel);
	free(ready);
	free(dir);
	return rc;
}

/* ---- the cache's size ---- */

void snapshot_used(const char *path)
{
	utimensat(AT_FDCWD, path, NULL, 0);
}

struct entry {
	char *path;
	off_t size;
	time_t mtime;
};

static int older_first(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	return (x->mtime > y->mtime) - (x->mtime < y->mtime);
}

int snapshot_evict(const char *cache, long cap_mb)
{
	char *dir = xasprintf("%s/snapshot", cache);
	DIR *d = opendir(dir);
	struct dirent *de;
	struct entry *v = NULL;
	size_t n = 0, cap = 0;
	long long total = 0, limit = (long long)cap_mb << 20;
	int removed = 0;

	while (d && (de = readdir(d))) {
		struct stat st;
		char *path;

		if (de->d_name[0] == '.' || strstr(de->d_name, ".tmp."))
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		if (stat(path, &st) || !S_ISREG(st.st_mode)) {
			free(path);
			continue;
		}
		if (n == cap)
			v = xrealloc(v, (cap = cap ? 2 * cap : 16) * sizeof(*v));
		v[n++] = (struct entry){ path, st.st_size, st.st_mtime };
		total += st.st_size;
	}
	if (d)
		closedir(d);
	qsort(v, n, sizeof(*v), older_first);
	for (size_t i = 0; i < n; i++) {
		if (total > limit && !unlink(v[i].path)) {
			total -= v[i].size;
			removed++;
		}
		free(v[i].path);
	}
	free(v);
	free(dir);
	return removed;
}
