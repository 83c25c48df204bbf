// SPDX-License-Identifier: GPL-2.0-only
/*
 * Two GNU tar processes extracting into one directory leave 0-byte,
 * mode-000 files where symlinks belong.
 *
 * Incident ("tartar"): parallel jobs unpacked the same archive into one
 * directory; afterwards some of the archive's symlinks were empty regular
 * files with mode 000.  GNU tar (1.34) does not make a symlink whose target
 * is absolute or contains ".." when it meets it.  It makes a placeholder -
 * open(O_CREAT|O_EXCL, mode 0), fstat to record dev/ino, close - and only
 * at the end of the archive lstat-checks the placeholder, unlinks it and
 * makes the symlink.  When the check finds another inode it skips the link
 * silently.  Another tar that meets the placeholder treats it as an old
 * file: it unlinks it and makes its own.  So one tar can finish "without
 * error" having made none of its links while the placeholders left belong
 * to a second tar; if that tar dies (OOM, timeout, SIGKILL) before its end
 * of archive, they stay for good.  With both alive, the windows between
 * check, unlink and symlink give "Cannot create symlink: File exists" and
 * "Cannot unlink: No such file or directory" and a non-zero exit.
 *
 * Not a kernel bug: every syscall does what it documents.  A kernel can
 * change how often the race is hit (scheduling), so the racy subtest is a
 * hazard measured as k/n per kernel; a miss is "not reproduced in n runs".
 * Known bad: every kernel with GNU tar's delayed-link placeholders.
 *
 * Mitigation: serialise extractions into one directory - each tar holds
 * flock(LOCK_EX) on it (util-linux: `flock DIR tar -x ...`) - or extract
 * into a private directory and rename it into place.  -P (keep absolute
 * names) makes no placeholders; it is the control, not a fix (it also
 * lets ".." links escape).
 *
 * Outcomes: hazard subtests pass when the mechanism is shown (the racy one
 * with k > 0 rounds hit; the killed tar and the replayed schedules on every
 * run); the mitigation passes when every locked round is exact with every
 * tar exiting 0; the control passes when -P makes no placeholder.  With
 * KREPRO_NEGATIVE=1 the mitigation takes no lock and the control drops -P,
 * so both must fail.
 *
 * The tars are the real GNU tar from PATH; the archives are made by it
 * from trees this test writes, and read back with a small ustar parser as
 * the listing that extracted trees are compared with.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/util.h"

/*
 * Tars extracting at once in the racy subtests.  The hit is a head-on
 * meeting: one tar's end-of-archive pass goes backwards over the links
 * while a slower one still places them forwards, and a preemption must
 * land in the leader's unlink-symlink window.  So hits grow with the pairs
 * of tars and the cost with the tars.  Measured in TCG VMs (1 vCPU), 240
 * links, rounds hit: 6.1 - 4 tars 22 %, 8 tars 69 %; 6.12 - 4 tars 32 %,
 * 8 tars 83 %, at 0.5 s and 0.8-1.2 s a round.
 */
#define RACE_TARS 8
#define MAX_TARS RACE_TARS
/* Racy budget unless the harness sets KREPRO_ROUNDS / KREPRO_SECONDS. */
#define RACE_ROUNDS 60
#define RACE_SECONDS 8
/* kselftest timeout of a racy subtest; the seconds budget is capped below it. */
#define RACE_TIMEOUT 120
#define RACE_TIMEOUT_MARGIN 30

#define TAR_BLOCK 512
#define TAR_RECORD (20 * TAR_BLOCK)	/* GNU tar's default blocking factor */

/* ------------------------------------------------------------------ */
/* Children: every process this test starts is tracked and reaped.     */

#define MAX_KIDS 16	/* >= MAX_TARS */
static pid_t kids[MAX_KIDS];

static void kid_add(pid_t pid)
{
	int i;

	for (i = 0; i < MAX_KIDS; i++)
		if (!kids[i]) {
			kids[i] = pid;
			return;
		}
}

static void kid_forget(pid_t pid)
{
	int i;

	for (i = 0; i < MAX_KIDS; i++)
		if (kids[i] == pid)
			kids[i] = 0;
}

/* waitpid that forgets the child; returns its status or -errno. */
static int kid_wait(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	kid_forget(pid);
	return status;
}

static int kid_count(void)
{
	int i, n = 0;

	for (i = 0; i < MAX_KIDS; i++)
		n += kids[i] != 0;
	return n;
}

static void kid_kill_all(void)
{
	int i;

	for (i = 0; i < MAX_KIDS; i++)
		if (kids[i]) {
			kill(kids[i], SIGKILL);
			kid_wait(kids[i]);
		}
}

/*
 * fork, and in the child die with the parent: a test killed by its
 * timeout must not leave tar processes behind.  Like fork(): 0 in the
 * child, the pid (tracked) in the parent, -errno on failure.
 */
static pid_t fork_kid(void)
{
	pid_t parent = getpid(), pid;

	if (kid_count() >= MAX_KIDS)
		return -EAGAIN;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
			_exit(125);
		return 0;
	}
	kid_add(pid);
	return pid;
}

/* ------------------------------------------------------------------ */
/* Running tar.                                                          */

struct tar_job {
	char *argv[12];
	int stdin_fd;		/* -1: /dev/null */
	const char *errlog;	/* tar's stderr; NULL: /dev/null */
	int gate[2];		/* start when gate[1] is closed; -1: at once */
	const char *lock_dir;	/* hold flock(LOCK_EX) on it through exec */
};

#define CHILD_SETUP_FAILED 126	/* exit status of a child that never ran tar */

/* Whether a spawned tar's wait status says tar itself never ran. */
static bool tar_never_ran(int status)
{
	return WIFEXITED(status) && (WEXITSTATUS(status) == 127 ||
				     WEXITSTATUS(status) == CHILD_SETUP_FAILED);
}

static pid_t spawn_tar(const struct tar_job *j)
{
	pid_t pid = fork_kid();
	int null, err, lock;
	char c;

	if (pid)
		return pid;

	null = open("/dev/null", O_RDWR);
	err = j->errlog ? open(j->errlog, O_WRONLY | O_CREAT | O_TRUNC, 0644) : null;
	if (null < 0 || err < 0)
		_exit(CHILD_SETUP_FAILED);
	if (dup2(j->stdin_fd >= 0 ? j->stdin_fd : null, 0) < 0 ||
	    dup2(null, 1) < 0 || dup2(err, 2) < 0)
		_exit(CHILD_SETUP_FAILED);
	if (j->gate[0] >= 0) {
		close(j->gate[1]);
		/* EOF once the parent closes its end: all tars start together. */
		while (read(j->gate[0], &c, 1) < 0 && errno == EINTR)
			;
	}
	if (j->lock_dir) {
		/* Not O_CLOEXEC: tar inherits the lock and drops it at exit. */
		lock = open(j->lock_dir, O_RDONLY | O_DIRECTORY);
		if (lock < 0 || flock(lock, LOCK_EX))
			_exit(CHILD_SETUP_FAILED);
	}
	execvp(j->argv[0], j->argv);
	_exit(127);
}

/* Run argv, its stdout into buf (NUL-terminated); exit status or -errno. */
static int run_capture(char *const argv[], char *buf, size_t len)
{
	int fds[2], status;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	pid = fork_kid();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return pid;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(fds[1], 1);
		dup2(null, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	while (got + 1 < len && (n = read(fds[0], buf + got, len - 1 - got)) > 0)
		got += n;
	buf[got] = '\0';
	close(fds[0]);
	status = kid_wait(pid);
	if (status < 0)
		return status;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* 0 when "tar" on PATH is GNU tar, -ENOENT missing, -ENOTSUP another tar. */
static int have_gnu_tar(void)
{
	char *argv[] = { "tar", "--version", NULL };
	char out[256];
	int ret = run_capture(argv, out, sizeof(out));

	if (ret < 0)
		return ret;
	if (ret == 127)
		return -ENOENT;
	return strstr(out, "GNU tar") ? 0 : -ENOTSUP;
}

/* ------------------------------------------------------------------ */
/* Archives: trees written here, packed by the real tar, read back.     */

struct entry {
	char name[101];		/* without a trailing '/' */
	char type;		/* '0' file, '5' directory, '2' symlink */
	char target[101];	/* symlink target */
	long long size;
	size_t offset;		/* of the header in the archive */
};

struct archive {
	char *data;
	size_t len;
	struct entry *e;
	int n;
};

/*
 * What to pack, in archive order: symlinks may come first, after some
 * regular files, or last.  Names stay under 100 characters so the archive
 * needs no GNU long-name records.
 */
struct layout {
	int dirs, subdirs, files;	/* tree/dD/sS/fF, before the links */
	int link_dirs, links;		/* proof/of/conceptC/lNNN -> ../../../bin/xNNN */
	int early_links;		/* early_NN -> ../outside/tNN, first of all */
	long long big_size;		/* big.bin right after the early links */
	int files_after;		/* after/fF, after the links */
};

static const struct layout race_layout = {
	.dirs = 4, .subdirs = 3, .files = 4,
	.link_dirs = 2, .links = 240,
	.files_after = 0,
};

/* Symlinks first, then a large file that a kill can land in, then more. */
static const struct layout kill_layout = {
	.early_links = 16, .big_size = 1 << 20,
	.link_dirs = 1, .links = 8, .files_after = 4,
};

static int write_file(const char *path, long long size, unsigned int seed)
{
	char buf[4096];
	long long left = size;
	int fd, ret = 0;
	size_t i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = 'a' + (i + seed) % 26;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	while (left > 0) {
		size_t chunk = left < (long long)sizeof(buf) ? (size_t)left : sizeof(buf);
		ssize_t n = write(fd, buf, chunk);

		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			break;
		}
		left -= n;
	}
	close(fd);
	return ret;
}

/* mkdir -p */
static int make_dirs(const char *path)
{
	char buf[PATH_MAX], *p;
	int ret = krepro_path(buf, sizeof(buf), "%s", path);

	if (ret)
		return ret;
	for (p = buf + 1; ; p++) {
		if (*p != '/' && *p)
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = c;
		if (!c)
			return 0;
	}
}

/* Create one member under src and append its name to the list file. */
static int add_member(FILE *list, const char *src, char type, const char *name,
		      const char *target, long long size)
{
	char path[PATH_MAX];
	int ret = krepro_path(path, sizeof(path), "%s/%s", src, name);

	if (ret)
		return ret;
	switch (type) {
	case '5':
		ret = mkdir(path, 0755) ? -errno : 0;
		break;
	case '2':
		ret = symlink(target, path) ? -errno : 0;
		break;
	default:
		ret = write_file(path, size, strlen(name));
	}
	if (ret)
		return ret;
	return fprintf(list, "%s\n", name) < 0 ? -EIO : 0;
}

static int write_members(FILE *l, const char *src, const struct layout *lo)
{
	char name[128], target[128];
	int d, s, f, i, ret = 0;

#define ADD(type, tgt, size) do { \
		ret = add_member(l, src, type, name, tgt, size); \
		if (ret) \
			return ret; \
	} while (0)
#define NAME(buf, ...) do { \
		ret = krepro_path(buf, sizeof(buf), __VA_ARGS__); \
		if (ret) \
			return ret; \
	} while (0)

	for (i = 0; i < lo->early_links; i++) {
		NAME(name, "early_%02d", i);
		NAME(target, "../outside/t%02d", i);
		ADD('2', target, 0);
	}
	if (lo->big_size) {
		NAME(name, "big.bin");
		ADD('0', NULL, lo->big_size);
	}
	if (lo->dirs) {
		NAME(name, "tree");
		ADD('5', NULL, 0);
	}
	for (d = 0; d < lo->dirs; d++) {
		NAME(name, "tree/d%d", d);
		ADD('5', NULL, 0);
		for (s = 0; s < lo->subdirs; s++) {
			NAME(name, "tree/d%d/s%d", d, s);
			ADD('5', NULL, 0);
			for (f = 0; f < lo->files; f++) {
				NAME(name, "tree/d%d/s%d/f%d", d, s, f);
				ADD('0', NULL, 64 + 97 * (d + s + f));
			}
		}
	}
	if (lo->link_dirs) {
		NAME(name, "proof");
		ADD('5', NULL, 0);
		NAME(name, "proof/of");
		ADD('5', NULL, 0);
	}
	for (d = 0; d < lo->link_dirs; d++) {
		NAME(name, "proof/of/concept%d", d);
		ADD('5', NULL, 0);
	}
	for (i = 0; i < lo->links; i++) {
		NAME(name, "proof/of/concept%d/l%03d", i % lo->link_dirs, i);
		NAME(target, "../../../bin/x%03d", i);
		ADD('2', target, 0);
	}
	if (lo->files_after) {
		NAME(name, "after");
		ADD('5', NULL, 0);
	}
	for (f = 0; f < lo->files_after; f++) {
		NAME(name, "after/f%d", f);
		ADD('0', NULL, 100 + f);
	}
	return 0;
#undef ADD
#undef NAME
}

static long long octal(const char *p, size_t len)
{
	long long v = 0;
	size_t i = 0;

	while (i < len && p[i] == ' ')
		i++;
	for (; i < len && p[i] >= '0' && p[i] <= '7'; i++)
		v = v * 8 + (p[i] - '0');
	return v;
}

static void field(char *dst, const char *src, size_t len)
{
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* Parse an archive in memory into a->e; 0 or -errno (-EPROTO: unexpected). */
static int parse_archive(struct archive *a)
{
	size_t off = 0;
	int cap = 0;

	a->n = 0;
	while (off + TAR_BLOCK <= a->len) {
		const unsigned char *h = (const unsigned char *)a->data + off;
		unsigned long sum = 0;
		struct entry *e;
		size_t i;

		if (!h[0])
			return 0;	/* end-of-archive block */
		for (i = 0; i < TAR_BLOCK; i++)
			sum += (i >= 148 && i < 156) ? ' ' : h[i];
		if ((long long)sum != octal((const char *)h + 148, 8))
			return -EPROTO;
		if (a->n == cap) {
			struct entry *more;

			cap = cap ? 2 * cap : 64;
			more = realloc(a->e, cap * sizeof(*more));
			if (!more)
				return -ENOMEM;
			a->e = more;
		}
		e = &a->e[a->n++];
		memset(e, 0, sizeof(*e));
		field(e->name, (const char *)h, 100);
		field(e->target, (const char *)h + 157, 100);
		e->type = h[156] ? h[156] : '0';
		e->size = octal((const char *)h + 124, 12);
		e->offset = off;
		if (e->type != '0' && e->type != '2' && e->type != '5')
			return -EPROTO;	/* long names, pax headers: not made here */
		i = strlen(e->name);
		if (i && e->name[i - 1] == '/')
			e->name[i - 1] = '\0';
		off += TAR_BLOCK;
		if (e->type == '0')
			off += (e->size + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
	}
	return -EPROTO;		/* no end-of-archive block */
}

static int read_whole(const char *path, char **data, size_t *len)
{
	struct stat st;
	size_t got = 0;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		ret = -errno;
		goto out;
	}
	*data = malloc(st.st_size ? st.st_size : 1);
	if (!*data) {
		ret = -ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, *data + got, st.st_size - got);

		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			goto out;
		}
		got += n;
	}
	*len = got;
out:
	close(fd);
	return ret;
}

/*
 * Write the layout under root/src-TAG, pack it with the real tar in list
 * order into root/TAG.tar and read the archive back.  0 or -errno; a tar
 * that failed gives -ECHILD.
 */
static int make_archive(const char *root, const char *tag, const struct layout *lo,
			char *path, size_t pathlen, struct archive *a)
{
	char src[PATH_MAX], list[PATH_MAX];
	char *argv[] = { "tar", "--format=gnu", "-cf", path, "-C", src,
			 "--no-recursion", "-T", list, NULL };
	FILE *l;
	int ret;

	ret = krepro_path(src, sizeof(src), "%s/src-%s", root, tag);
	if (!ret)
		ret = krepro_path(list, sizeof(list), "%s/%s.list", root, tag);
	if (!ret)
		ret = krepro_path(path, pathlen, "%s/%s.tar", root, tag);
	if (ret)
		return ret;
	if (mkdir(src, 0755))
		return -errno;
	l = fopen(list, "we");
	if (!l)
		return -errno;
	ret = write_members(l, src, lo);
	if (fclose(l) && !ret)
		ret = -EIO;
	if (ret)
		return ret;
	ret = krepro_run_quiet(argv);
	if (ret < 0)
		return ret;
	if (ret)
		return -ECHILD;
	ret = read_whole(path, &a->data, &a->len);
	return ret ? ret : parse_archive(a);
}

static int count_type(const struct archive *a, char type)
{
	int i, n = 0;

	for (i = 0; i < a->n; i++)
		n += a->e[i].type == type;
	return n;
}

/* ------------------------------------------------------------------ */
/* Comparing an extracted tree with the archive listing.               */

enum anomaly { PLACEHOLDER, MISSING, WRONG_TYPE, WRONG_TARGET, WRONG_SIZE,
	       TAR_EXIT, ANOMALIES };

static const char *const anomaly_name[ANOMALIES] = {
	[PLACEHOLDER] = "placeholder", [MISSING] = "missing",
	[WRONG_TYPE] = "wrong_type", [WRONG_TARGET] = "wrong_target",
	[WRONG_SIZE] = "wrong_size", [TAR_EXIT] = "tar_exit",
};

struct tally {
	unsigned long count[ANOMALIES];
	char first[256];	/* the first anomaly, in words */
};

static bool tally_any(const struct tally *t)
{
	int i;

	for (i = 0; i < ANOMALIES; i++)
		if (t->count[i])
			return true;
	return false;
}

static void tally_note(struct tally *t, enum anomaly kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void tally_note(struct tally *t, enum anomaly kind, const char *fmt, ...)
{
	va_list ap;

	t->count[kind]++;
	if (t->first[0])
		return;
	va_start(ap, fmt);
	vsnprintf(t->first, sizeof(t->first), fmt, ap);
	va_end(ap);
}

/* The incident's object: a regular file, 0 bytes, no permission bits. */
static bool is_placeholder(const struct stat *st)
{
	return S_ISREG(st->st_mode) && st->st_size == 0 && !(st->st_mode & 07777);
}

static int check_tree(const char *dir, const struct archive *a, struct tally *t)
{
	char path[PATH_MAX], link[PATH_MAX];
	struct stat st;
	ssize_t n;
	int i, ret;

	for (i = 0; i < a->n; i++) {
		const struct entry *e = &a->e[i];

		ret = krepro_path(path, sizeof(path), "%s/%s", dir, e->name);
		if (ret)
			return ret;
		if (lstat(path, &st)) {
			if (errno != ENOENT)
				return -errno;
			tally_note(t, MISSING, "%s: missing", e->name);
			continue;
		}
		switch (e->type) {
		case '2':
			if (is_placeholder(&st)) {
				tally_note(t, PLACEHOLDER, "%s: 0-byte mode-000 placeholder "
					   "instead of a symlink", e->name);
			} else if (!S_ISLNK(st.st_mode)) {
				tally_note(t, WRONG_TYPE, "%s: mode %o instead of a symlink",
					   e->name, st.st_mode);
			} else {
				n = readlink(path, link, sizeof(link) - 1);
				if (n < 0)
					return -errno;
				link[n] = '\0';
				if (strcmp(link, e->target))
					tally_note(t, WRONG_TARGET, "%s -> %s instead of %s",
						   e->name, link, e->target);
			}
			break;
		case '5':
			if (!S_ISDIR(st.st_mode))
				tally_note(t, WRONG_TYPE, "%s: mode %o instead of a directory",
					   e->name, st.st_mode);
			break;
		default:
			if (!S_ISREG(st.st_mode))
				tally_note(t, WRONG_TYPE, "%s: mode %o instead of a file",
					   e->name, st.st_mode);
			else if (st.st_size != e->size)
				tally_note(t, WRONG_SIZE, "%s: %lld bytes instead of %lld",
					   e->name, (long long)st.st_size, e->size);
		}
	}
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int type,
			struct FTW *ftw)
{
	return (type == FTW_DP ? rmdir(path) : unlink(path)) ? -1 : 0;
}

static int remove_tree(const char *path)
{
	return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) ? -errno : 0;
}

/* First line of a tar's stderr, for the log. */
static void first_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	buf[0] = '\0';
	if (!f)
		return;
	if (fgets(buf, len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/* ------------------------------------------------------------------ */
/* Fixture.                                                              */

FIXTURE(tar_race) {
	char root[PATH_MAX];
	char archive[PATH_MAX];
	struct archive ar;
	int round;
};

FIXTURE_SETUP(tar_race)
{
	int ret;

	self->root[0] = '\0';
	/* A write to a dead actor's pipe must be an error, not death. */
	signal(SIGPIPE, SIG_IGN);
	KREPRO_SETUP_OK(krepro_private_mount_ns(), "make a private mount namespace");
	ret = krepro_scratch_tmpfs(self->root, sizeof(self->root), "tar_race");
	KREPRO_SETUP_OK(ret, "mount a scratch tmpfs");
}

FIXTURE_TEARDOWN(tar_race)
{
	kid_kill_all();
	krepro_scratch_release(self->root);
}

/* SKIP unless "tar" on PATH is GNU tar (busybox tar makes no placeholders). */
#define REQUIRE_GNU_TAR() do { \
		int _ret = have_gnu_tar(); \
		if (_ret == -ENOENT || _ret == -ENOTSUP) \
			SKIP(return, "%s", _ret == -ENOENT ? "tar is not installed" : \
			     "tar on PATH is not GNU tar: no delayed-link placeholders"); \
		KREPRO_SETUP_OK(_ret, "run tar --version"); \
	} while (0)

/* The archive of the layout in self->ar, checked: set-up of every test. */
#define SETUP_ARCHIVE(tag, layout) do { \
		int _ret = make_archive(self->root, (tag), &(layout), self->archive, \
					sizeof(self->archive), &self->ar); \
		\
		KREPRO_SETUP_ASSERT(!_ret, "cannot make the archive: %s", \
				    _ret == -ECHILD ? "tar -c failed" : strerror(-_ret)); \
		_ret = count_type(&self->ar, '2'); \
		KREPRO_SETUP_ASSERT(_ret == (layout).links + (layout).early_links, \
				    "the archive holds %d symlinks, not %d", _ret, \
				    (layout).links + (layout).early_links); \
	} while (0)

/*
 * A race or replay whose round could not run: set-up when *setup names
 * the step (nothing of that round was tried), else a plain failure.
 */
#define ASSERT_ROUNDS_RAN(ret, setup, r) do { \
		KREPRO_SETUP_ASSERT(!(ret) || !(setup), "round %lu: cannot %s: %s", \
				    (r).n + 1, (setup), strerror(-(ret))); \
		ASSERT_EQ(0, ret) TH_LOG("round %lu could not run: %s", \
					 (r).n + 1, strerror(-(ret))); \
	} while (0)

/* Make root/WHATnr, its path into buf. */
static int new_dir(char *buf, size_t len, const char *root, const char *what, int nr)
{
	int ret = krepro_path(buf, len, "%s/%s%d", root, what, nr);

	if (ret)
		return ret;
	return mkdir(buf, 0755) ? -errno : 0;
}

/*
 * One round: ntars tars extract the archive into a fresh directory at
 * once (each holding flock(LOCK_EX) on it when lock), then the tree is
 * compared with the listing and removed.  Anomalies go into t.  On an
 * error *setup names the set-up step that failed, or is NULL when the
 * tars had run.
 */
static int extraction_round(const char *root, const char *archive, int round,
			    const struct archive *a, int ntars, bool lock,
			    struct tally *t, const char **setup)
{
	char dir[PATH_MAX], logs[MAX_TARS][PATH_MAX], line[200];
	struct tar_job job = { .stdin_fd = -1 };
	pid_t pids[MAX_TARS];
	int i, ret, status;

	memset(t, 0, sizeof(*t));
	*setup = "make the round's directory";
	if (ntars > MAX_TARS)
		return -EINVAL;
	ret = new_dir(dir, sizeof(dir), root, "round", round);
	if (ret)
		return ret;
	*setup = "start the tars";
	if (pipe2(job.gate, O_CLOEXEC))
		return -errno;
	job.argv[0] = "tar";
	job.argv[1] = "-xf";
	job.argv[2] = (char *)archive;
	job.argv[3] = "-C";
	job.argv[4] = dir;
	job.lock_dir = lock ? dir : NULL;
	for (i = 0; i < ntars; i++) {
		ret = krepro_path(logs[i], sizeof(logs[i]), "%s/tar%d.err", root, i);
		if (ret)
			break;
		job.errlog = logs[i];
		pids[i] = spawn_tar(&job);
		if (pids[i] < 0) {
			ret = pids[i];
			break;
		}
	}
	close(job.gate[0]);
	close(job.gate[1]);	/* go */
	ntars = i;
	if (!ret)
		*setup = NULL;
	for (i = 0; i < ntars; i++) {
		status = kid_wait(pids[i]);
		if (status < 0) {
			ret = ret ? ret : status;
			continue;
		}
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			continue;
		if (tar_never_ran(status) && !ret) {
			ret = -ENOEXEC;
			*setup = "run tar";
		}
		first_line(logs[i], line, sizeof(line));
		tally_note(t, TAR_EXIT, "tar %d exited with status %d: %s", i,
			   WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
			   line);
	}
	if (ret)
		return ret;
	ret = check_tree(dir, a, t);
	if (ret)
		return ret;
	return remove_tree(dir);
}

/* krepro_race_start, with the seconds kept inside the kselftest timeout. */
static void race_start(struct krepro_race *r)
{
	krepro_race_start(r, RACE_ROUNDS, RACE_SECONDS);
	if (r->seconds > RACE_TIMEOUT - RACE_TIMEOUT_MARGIN) {
		ksft_print_msg("budget of %.0f s capped at %d s by the test timeout\n",
			       r->seconds, RACE_TIMEOUT - RACE_TIMEOUT_MARGIN);
		r->seconds = RACE_TIMEOUT - RACE_TIMEOUT_MARGIN;
	}
}

static void race_add(struct krepro_race *r, const struct tally *t)
{
	int i;

	/* Every name every round, so the statistics line always lists them. */
	for (i = 0; i < ANOMALIES; i++)
		krepro_race_count(r, anomaly_name[i], t->count[i]);
	krepro_race_round(r, tally_any(t));
}

/*
 * Extraction rounds over the racy budget; the first anomaly seen, with its
 * round, goes into first.  0, or -errno when a round could not run (with
 * *setup as extraction_round leaves it).
 */
static int extraction_race(const char *root, const char *archive, int *roundp,
			   const struct archive *a, bool lock, struct krepro_race *r,
			   char *first, size_t len, const char **setup)
{
	struct tally t;
	int ret;

	first[0] = '\0';
	race_start(r);
	while (krepro_race_more(r)) {
		ret = extraction_round(root, archive, (*roundp)++, a, RACE_TARS, lock, &t,
				       setup);
		if (ret)
			return ret;
		if (!first[0] && t.first[0])
			snprintf(first, len, "round %lu: %.*s", r->n + 1,
				 (int)len - 32, t.first);
		race_add(r, &t);
	}
	krepro_race_report(r);
	return 0;
}

/*
 * Validate that RACE_TARS tars extracting one archive into one directory at
 * once leave a tree or exit statuses that differ from the archive.
 */
TEST_F_TIMEOUT(tar_race, parallel_extractions_collide_on_placeholders, RACE_TIMEOUT)
{
	struct krepro_race r;
	const char *setup;
	char first[256];
	int ret;

	REQUIRE_GNU_TAR();
	SETUP_ARCHIVE("race", race_layout);

	ret = extraction_race(self->root, self->archive, &self->round, &self->ar,
			      false, &r, first, sizeof(first), &setup);
	ASSERT_ROUNDS_RAN(ret, setup, r);
	if (first[0])
		ksft_print_msg("first anomaly: %s\n", first);
	EXPECT_LT(0UL, r.k) TH_LOG("not reproduced in %lu runs", r.n);
}

/*
 * Validate that each tar holding flock(LOCK_EX) on the target directory
 * makes every extraction exact, with every tar exiting 0.
 */
TEST_F_TIMEOUT(tar_race, flock_serialised_extractions_are_exact, RACE_TIMEOUT)
{
	bool lock = !krepro_negative();
	struct krepro_race r;
	const char *setup;
	char first[256];
	int ret;

	REQUIRE_GNU_TAR();
	if (!lock)
		ksft_print_msg("negative mode: the tars take no lock\n");
	SETUP_ARCHIVE("race", race_layout);

	ret = extraction_race(self->root, self->archive, &self->round, &self->ar,
			      lock, &r, first, sizeof(first), &setup);
	ASSERT_ROUNDS_RAN(ret, setup, r);
	EXPECT_EQ(0UL, r.k) TH_LOG("%lu of %lu %s rounds went wrong; first: %s", r.k,
				 r.n, lock ? "locked" : "unlocked", first);
}

/* Read inotify events; fn is called for each.  0, or -errno. */
typedef void (*event_fn)(const struct inotify_event *ev, void *arg);

static int drain_events(int fd, event_fn fn, void *arg)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;
	char *p;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0)
			return errno == EAGAIN ? 0 : -errno;
		for (p = buf; p < buf + n; ) {
			const struct inotify_event *ev = (const void *)p;

			if (ev->mask & IN_Q_OVERFLOW)
				return -EOVERFLOW;
			fn(ev, arg);
			p += sizeof(*ev) + ev->len;
		}
	}
}

struct early_watch {
	int want;		/* early links in the archive */
	int closed;		/* IN_CLOSE_WRITE seen on them */
};

static void count_early_close(const struct inotify_event *ev, void *arg)
{
	struct early_watch *w = arg;

	if ((ev->mask & IN_CLOSE_WRITE) && ev->len && !strncmp(ev->name, "early_", 6))
		w->closed++;
}

/*
 * Validate that a tar killed with SIGKILL after making its placeholders
 * and before its end of archive leaves 0-byte mode-000 files for good.
 */
TEST_F_TIMEOUT(tar_race, killed_extraction_leaves_mode_000_placeholders, 60)
{
	struct tar_job job = { .gate = { -1, -1 } };
	struct early_watch w = { .want = kill_layout.early_links };
	char dir[PATH_MAX], path[PATH_MAX];
	int in, feed[2], ret, status, i, placeholders = 0;
	size_t prefix = 0;
	struct stat st;
	pid_t pid;

	REQUIRE_GNU_TAR();
	SETUP_ARCHIVE("kill", kill_layout);

	/*
	 * Feed tar through a pipe only the records up to the start of
	 * big.bin's data: it makes the placeholders, starts big.bin and then
	 * blocks for more.  It cannot reach the end of the archive, so the
	 * kill lands in the window on every run, with no timing involved.
	 */
	for (i = 0; i < self->ar.n; i++)
		if (!strcmp(self->ar.e[i].name, "big.bin"))
			prefix = self->ar.e[i].offset + 2 * TAR_BLOCK;
	KREPRO_SETUP_ASSERT(prefix, "the archive has no big.bin");
	prefix = (prefix + TAR_RECORD - 1) / TAR_RECORD * TAR_RECORD;
	KREPRO_SETUP_ASSERT(self->ar.len > prefix + kill_layout.big_size / 2,
			    "the archive ends %zu bytes after big.bin's first records",
			    self->ar.len - prefix);
	KREPRO_SETUP_ASSERT(prefix <= 65536, "the prefix (%zu bytes) does not fit "
			    "in a pipe buffer", prefix);

	KREPRO_SETUP_OK(new_dir(dir, sizeof(dir), self->root, "kill", 0),
			"make the extraction directory");
	in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	ret = in < 0 || inotify_add_watch(in, dir, IN_CREATE | IN_CLOSE_WRITE) < 0 ||
	      pipe2(feed, O_CLOEXEC) ? -errno : 0;
	KREPRO_SETUP_OK(ret, "watch the extraction directory");

	job.argv[0] = "tar";
	job.argv[1] = "-xf";
	job.argv[2] = "-";
	job.argv[3] = "-C";
	job.argv[4] = dir;
	job.stdin_fd = feed[0];
	pid = spawn_tar(&job);
	KREPRO_SETUP_ASSERT(pid > 0, "cannot start tar: %s", strerror(-pid));
	close(feed[0]);
	KREPRO_SETUP_ASSERT(write(feed[1], self->ar.data, prefix) == (ssize_t)prefix,
			    "cannot feed tar the archive's first records: %s",
			    strerror(errno));

	while (w.closed < w.want) {
		struct pollfd pfd = { .fd = in, .events = POLLIN };

		ret = poll(&pfd, 1, 45000);
		ASSERT_EQ(1, ret) TH_LOG("placeholders closed: %d of %d before the wait "
					 "ended", w.closed, w.want);
		ASSERT_EQ(0, drain_events(in, count_early_close, &w));
	}
	ASSERT_EQ(0, kill(pid, SIGKILL));
	status = kid_wait(pid);
	close(feed[1]);
	close(in);
	KREPRO_SETUP_ASSERT(!tar_never_ran(status), "tar did not run (exit status %d)",
			    WEXITSTATUS(status));
	ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		TH_LOG("tar ended with status 0x%x before the kill", status);

	for (i = 0; i < kill_layout.early_links; i++) {
		ASSERT_EQ(0, krepro_path(path, sizeof(path), "%s/early_%02d", dir, i));
		ASSERT_EQ(0, lstat(path, &st)) TH_LOG("%s: %s", path, strerror(errno));
		if (is_placeholder(&st))
			placeholders++;
		else
			TH_LOG("early_%02d: mode %o, %lld bytes", i, st.st_mode,
			       (long long)st.st_size);
	}
	ksft_print_msg("%d of %d symlinks left as 0-byte mode-000 files\n",
		       placeholders, kill_layout.early_links);
	EXPECT_EQ(kill_layout.early_links, placeholders);
}

struct link_watch {
	const struct archive *a;
	char dirs[8][PATH_MAX];		/* watched directory (archive name) by wd */
	int wds[8], ndirs;
	int created, closed;		/* events on the archive's symlink names */
	char first[PATH_MAX];
};

static void count_link_events(const struct inotify_event *ev, void *arg)
{
	struct link_watch *w = arg;
	char name[PATH_MAX];
	int i;

	if (!ev->len || (ev->mask & IN_ISDIR))
		return;
	for (i = 0; i < w->ndirs; i++)
		if (w->wds[i] == ev->wd)
			break;
	if (i == w->ndirs || krepro_path(name, sizeof(name), "%s/%s", w->dirs[i],
					 ev->name))
		return;
	for (i = 0; i < w->a->n; i++)
		if (w->a->e[i].type == '2' && !strcmp(w->a->e[i].name, name))
			break;
	if (i == w->a->n)
		return;
	if (ev->mask & IN_CREATE)
		w->created++;
	if (ev->mask & IN_CLOSE_WRITE) {
		if (!w->closed)
			snprintf(w->first, sizeof(w->first), "%s", name);
		w->closed++;
	}
}

/*
 * Validate that tar -P makes each symlink at once: no regular file is
 * ever written at a symlink's path, and the tree matches the archive.
 */
TEST_F(tar_race, absolute_names_extraction_makes_no_placeholders)
{
	bool absolute = !krepro_negative();
	struct tar_job job = { .stdin_fd = -1, .gate = { -1, -1 } };
	struct link_watch w = { .a = &self->ar };
	char dir[PATH_MAX], path[PATH_MAX];
	struct tally t = { 0 };
	int in, i, j, ret, status, a = 0;
	pid_t pid;

	REQUIRE_GNU_TAR();
	if (!absolute)
		ksft_print_msg("negative mode: tar runs without -P\n");
	SETUP_ARCHIVE("race", race_layout);
	KREPRO_SETUP_OK(new_dir(dir, sizeof(dir), self->root, "control", 0),
			"make the extraction directory");
	in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	KREPRO_SETUP_ASSERT(in >= 0, "cannot start inotify: %s", strerror(errno));

	/* Watch every directory that holds symlinks, made ahead of tar. */
	for (i = 0; i < self->ar.n; i++) {
		char parent[PATH_MAX];

		if (self->ar.e[i].type != '2')
			continue;
		KREPRO_SETUP_OK(krepro_path(parent, sizeof(parent), "%s",
					    self->ar.e[i].name), "name a symlink's directory");
		*(strrchr(parent, '/') ?: parent) = '\0';
		for (j = 0; j < w.ndirs; j++)
			if (!strcmp(w.dirs[j], parent))
				break;
		if (j < w.ndirs)
			continue;
		KREPRO_SETUP_ASSERT(w.ndirs < 8, "more than 8 directories hold symlinks");
		strcpy(w.dirs[w.ndirs], parent);
		ret = krepro_path(path, sizeof(path), "%s/%s", dir, parent);
		if (!ret)
			ret = make_dirs(path);
		w.wds[w.ndirs] = ret ? -1 : inotify_add_watch(in, path,
							     IN_CREATE | IN_CLOSE_WRITE);
		if (!ret && w.wds[w.ndirs] < 0)
			ret = -errno;
		KREPRO_SETUP_OK(ret, "make and watch a symlink's directory");
		w.ndirs++;
	}

	job.argv[a++] = "tar";
	if (absolute)
		job.argv[a++] = "-P";
	job.argv[a++] = "-xf";
	job.argv[a++] = self->archive;
	job.argv[a++] = "-C";
	job.argv[a++] = dir;
	KREPRO_SETUP_OK(krepro_path(path, sizeof(path), "%s/control.err", self->root),
			"name tar's log");
	job.errlog = path;
	pid = spawn_tar(&job);
	KREPRO_SETUP_ASSERT(pid > 0, "cannot start tar: %s", strerror(-pid));
	status = kid_wait(pid);
	ASSERT_LE(0, status);
	KREPRO_SETUP_ASSERT(!tar_never_ran(status), "tar did not run (exit status %d)",
			    WEXITSTATUS(status));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("tar exited with status 0x%x", status);
	ret = drain_events(in, count_link_events, &w);
	close(in);
	ASSERT_EQ(0, ret) TH_LOG("inotify: %s", strerror(-ret));

	/* The watch saw every link made: the absence of placeholders means something. */
	ASSERT_LE(race_layout.links, w.created);
	ASSERT_EQ(0, check_tree(dir, &self->ar, &t));
	EXPECT_FALSE(tally_any(&t)) TH_LOG("extracted tree differs: %s", t.first);
	EXPECT_EQ(0, w.closed) TH_LOG("%d placeholders written%s, the first at %s",
				      w.closed, absolute ? " with -P" : "", w.first);
}

/* ------------------------------------------------------------------ */
/* Replays: two actors follow tar's placeholder protocol step by step.  */

/*
 * An actor is a process that does what one tar does to one symlink's
 * path, one syscall step at a time, on command.  The conductor (the test)
 * orders the steps of two actors through pipes, so each interleaving is
 * exact on every run.
 */
enum op {
	OP_PLACE = 1,	/* create_placeholder_file: open O_EXCL mode 0; on
			 * EEXIST unlink and retry; fstat records dev/ino */
	OP_OPEN,	/* one open(O_CREAT|O_EXCL, 0) attempt, recorded if made */
	OP_REMOVE,	/* tar's reaction to that EEXIST: unlink what is there */
	OP_CHECK,	/* apply_delayed_links: lstat, compare dev/ino */
	OP_UNLINK,	/* ... unlink the checked placeholder */
	OP_SYMLINK,	/* ... and make the symlink */
	OP_EXIT,	/* end of archive: exit 2 if any step failed, like tar */
	/* Carried out by the conductor. */
	OP_KILL,	/* SIGKILL the actor before its end of archive */
	OP_SEE_PLACEHOLDER,	/* the path is the actor's 0-byte mode-000 file */
	OP_SEE_SYMLINK,		/* the path is the right symlink */
};

static const char *const op_name[] = {
	[OP_PLACE] = "place", [OP_OPEN] = "open", [OP_REMOVE] = "remove",
	[OP_CHECK] = "check", [OP_UNLINK] = "unlink", [OP_SYMLINK] = "symlink",
	[OP_EXIT] = "exit", [OP_KILL] = "kill",
	[OP_SEE_PLACEHOLDER] = "see-placeholder", [OP_SEE_SYMLINK] = "see-symlink",
};

#define SKIPPED 2	/* a step tar does not take after a failed check or unlink */
#define KILLED 9

struct reply {
	int ret;
	dev_t dev;
	ino_t ino;
};

struct step {
	int actor;		/* 0 = A, 1 = B */
	enum op op;
	int expect;		/* reply, exit status, or 0 for a seen state */
};

struct schedule {
	const char *what;
	struct step steps[16];
	int nsteps;
};

#define A 0
#define B 1
#define REPLAY_TARGET "../../bin/x"

/*
 * create_placeholder_file's open: O_EXCL, mode 0; with retry, an EEXIST is
 * answered as tar answers it, by unlinking what is there and trying again.
 * Records dev/ino in *rec.  Returns the number of objects removed, or -errno.
 */
static int open_placeholder(const char *path, bool retry, struct reply *rec)
{
	struct stat st;
	int fd, removed = 0, ret;

	for (;;) {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
		if (fd >= 0)
			break;
		if (errno != EEXIST || !retry)
			return -errno;
		if (unlink(path))
			return -errno;
		removed++;
	}
	ret = fstat(fd, &st) ? -errno : removed;
	if (ret >= 0) {
		rec->dev = st.st_dev;
		rec->ino = st.st_ino;
	}
	close(fd);
	return ret;
}

static void actor_loop(int cmd, int out, const char *path)
{
	struct reply rec = { 0 }, r;
	bool have = false, matched = false, unlinked = false;
	int errors = 0;
	struct stat st;
	char op;

	while (read(cmd, &op, 1) == 1) {
		r = rec;
		switch (op) {
		case OP_PLACE:
		case OP_OPEN:
			r.ret = open_placeholder(path, op == OP_PLACE, &rec);
			/* A failed single open is tar's cue to remove, not an error. */
			if (r.ret < 0 && op == OP_PLACE)
				errors++;
			if (r.ret >= 0) {
				have = true;
				r.dev = rec.dev;
				r.ino = rec.ino;
			}
			break;
		case OP_REMOVE:
			r.ret = unlink(path) ? -errno : 0;
			errors += r.ret < 0;
			break;
		case OP_CHECK:
			/* A mismatch or a missing file is skipped without a word. */
			matched = have && !lstat(path, &st) && st.st_dev == rec.dev &&
				  st.st_ino == rec.ino;
			r.ret = matched;
			break;
		case OP_UNLINK:
			if (!matched) {
				r.ret = SKIPPED;
				break;
			}
			r.ret = unlink(path) ? -errno : 0;
			errors += r.ret < 0;
			unlinked = !r.ret;
			break;
		case OP_SYMLINK:
			if (!unlinked) {
				r.ret = SKIPPED;
				break;
			}
			r.ret = symlink(REPLAY_TARGET, path) ? -errno : 0;
			errors += r.ret < 0;
			break;
		case OP_EXIT:
			_exit(errors ? 2 : 0);
		default:
			r.ret = -EINVAL;
		}
		if (write(out, &r, sizeof(r)) != sizeof(r))
			_exit(CHILD_SETUP_FAILED);
	}
	_exit(CHILD_SETUP_FAILED);
}

struct actor {
	pid_t pid;
	int cmd, reply;
	struct reply last;	/* the latest record made (dev/ino) */
};

static int actor_start(struct actor *ac, const char *path)
{
	int cmd[2], rep[2];
	pid_t pid;

	if (pipe2(cmd, O_CLOEXEC))
		return -errno;
	if (pipe2(rep, O_CLOEXEC)) {
		close(cmd[0]);
		close(cmd[1]);
		return -errno;
	}
	pid = fork_kid();
	if (pid == 0) {
		close(cmd[1]);
		close(rep[0]);
		actor_loop(cmd[0], rep[1], path);
	}
	close(cmd[0]);
	close(rep[1]);
	if (pid < 0) {
		close(cmd[1]);
		close(rep[0]);
		return pid;
	}
	ac->pid = pid;
	ac->cmd = cmd[1];
	ac->reply = rep[0];
	return 0;
}

static void actor_stop(struct actor *ac)
{
	if (ac->pid > 0) {
		kill(ac->pid, SIGKILL);
		kid_wait(ac->pid);
	}
	if (ac->cmd >= 0)
		close(ac->cmd);
	if (ac->reply >= 0)
		close(ac->reply);
	ac->pid = 0;
	ac->cmd = ac->reply = -EBADF;
}

/* One step; *got is what happened, comparable with step->expect.  0 or -errno. */
static int conduct(struct actor *acs, const char *path, const struct step *s, int *got)
{
	struct actor *ac = &acs[s->actor];
	char link[64], op = s->op;
	struct reply r;
	struct stat st;
	ssize_t n;
	int status;

	switch (s->op) {
	case OP_KILL:
		if (kill(ac->pid, SIGKILL))
			return -errno;
		/* fall through */
	case OP_EXIT:
		if (s->op == OP_EXIT && write(ac->cmd, &op, 1) != 1)
			return -EPIPE;
		status = kid_wait(ac->pid);
		if (status < 0)
			return status;
		ac->pid = 0;
		*got = WIFEXITED(status) ? WEXITSTATUS(status) :
		       WTERMSIG(status) == SIGKILL ? KILLED : 128 + WTERMSIG(status);
		return 0;
	case OP_SEE_PLACEHOLDER:
		*got = !(!lstat(path, &st) && is_placeholder(&st) &&
			 st.st_dev == ac->last.dev && st.st_ino == ac->last.ino);
		return 0;
	case OP_SEE_SYMLINK:
		n = readlink(path, link, sizeof(link) - 1);
		*got = !(n == (ssize_t)strlen(REPLAY_TARGET) &&
			 !memcmp(link, REPLAY_TARGET, n));
		return 0;
	default:
		if (write(ac->cmd, &op, 1) != 1)
			return -EPIPE;
		if (read(ac->reply, &r, sizeof(r)) != sizeof(r))
			return -EPIPE;
		if ((s->op == OP_PLACE || s->op == OP_OPEN) && r.ret >= 0)
			ac->last = r;
		*got = r.ret;
		return 0;
	}
}

static const char *step_text(const struct step *s, char *buf, size_t len)
{
	snprintf(buf, len, "%c %s", s->actor == A ? 'A' : 'B', op_name[s->op]);
	return buf;
}

/*
 * Run the schedule round after round over the racy budget; a round hits
 * when every step gives what the schedule says.  0, or -errno when a round
 * could not run, *setup naming the set-up step that failed (NULL when the
 * schedule had started).
 */
static int replay(const char *root, int *roundp, const struct schedule *sc,
		  struct krepro_race *r, char *why, size_t whylen, const char **setup)
{
	char dir[PATH_MAX], path[PATH_MAX], stepbuf[32];
	struct actor acs[2];
	int i, ret, got = 0;
	bool hit;

	race_start(r);
	ksft_print_msg("schedule: %s\n", sc->what);
	while (krepro_race_more(r)) {
		*setup = "make the round's directory";
		ret = new_dir(dir, sizeof(dir), root, "replay", (*roundp)++);
		if (!ret)
			ret = krepro_path(path, sizeof(path), "%s/proof/of", dir);
		if (!ret)
			ret = make_dirs(path);
		if (!ret)
			ret = krepro_path(path, sizeof(path), "%s/proof/of/concept", dir);
		if (ret)
			return ret;
		for (i = 0; i < 2; i++)
			acs[i] = (struct actor){ .cmd = -EBADF, .reply = -EBADF };
		ret = actor_start(&acs[A], path);
		if (!ret)
			ret = actor_start(&acs[B], path);
		*setup = ret ? "start the actors" : NULL;
		hit = true;
		for (i = 0; !ret && i < sc->nsteps; i++) {
			ret = conduct(acs, path, &sc->steps[i], &got);
			if (ret || got == sc->steps[i].expect)
				continue;
			hit = false;
			if (!why[0])
				snprintf(why, whylen, "round %lu, step %d (%s): expected %d, got %d",
					 r->n + 1, i + 1, step_text(&sc->steps[i], stepbuf,
								    sizeof(stepbuf)),
					 sc->steps[i].expect, got);
			break;
		}
		actor_stop(&acs[A]);
		actor_stop(&acs[B]);
		if (!ret)
			ret = remove_tree(dir);
		if (ret)
			return ret;
		krepro_race_round(r, hit);
	}
	krepro_race_report(r);
	return 0;
}

#define REPLAY_TEST(sc) do { \
		struct krepro_race _r; \
		char _why[256] = ""; \
		const char *_setup; \
		int _ret = replay(self->root, &self->round, &(sc), &_r, _why, \
				  sizeof(_why), &_setup); \
		ASSERT_ROUNDS_RAN(_ret, _setup, _r); \
		EXPECT_EQ(_r.n, _r.k) TH_LOG("%lu of %lu rounds gave another outcome; " \
					     "first: %s", _r.n - _r.k, _r.n, _why); \
	} while (0)

/*
 * B meets A's placeholder, unlinks it and makes its own; A's check finds
 * B's inode and skips without an error; A exits 0 having made no link; B
 * is killed before its end of archive: B's placeholder stays.
 */
static const struct schedule steal_then_skip = {
	.what = "A place, B place (unlinks A's), A check: other inode, skipped "
		"silently, A exits 0; B killed: its placeholder stays",
	.steps = {
		{ A, OP_PLACE, 0 },
		{ B, OP_PLACE, 1 },
		{ A, OP_CHECK, 0 },
		{ A, OP_UNLINK, SKIPPED },
		{ A, OP_SYMLINK, SKIPPED },
		{ A, OP_EXIT, 0 },
		{ B, OP_KILL, KILLED },
		{ B, OP_SEE_PLACEHOLDER, 0 },
	},
	.nsteps = 8,
};

/*
 * A finishes: its symlink is in place and it exits 0.  B, behind in the
 * same archive, meets the symlink as an old file, unlinks it and puts its
 * placeholder there; killed before its end of archive, B leaves it.
 */
static const struct schedule clobber_finished = {
	.what = "A place, check, unlink, symlink, exits 0; B place (unlinks A's "
		"symlink): placeholder in the finished tree; B killed: it stays",
	.steps = {
		{ A, OP_PLACE, 0 },
		{ A, OP_CHECK, 1 },
		{ A, OP_UNLINK, 0 },
		{ A, OP_SYMLINK, 0 },
		{ A, OP_EXIT, 0 },
		{ A, OP_SEE_SYMLINK, 0 },
		{ B, OP_PLACE, 1 },
		{ B, OP_SEE_PLACEHOLDER, 0 },
		{ B, OP_KILL, KILLED },
		{ B, OP_SEE_PLACEHOLDER, 0 },
	},
	.nsteps = 10,
};

/*
 * Between A's unlink and A's symlink, B makes its placeholder on the free
 * name: A's symlink fails with EEXIST ("Cannot create symlink: File
 * exists") and A exits 2; B finishes and the link is right.
 */
static const struct schedule eexist_on_symlink = {
	.what = "A place, check, unlink; B place (name free); A symlink: EEXIST, "
		"A exits 2; B check, unlink, symlink, exits 0",
	.steps = {
		{ A, OP_PLACE, 0 },
		{ A, OP_CHECK, 1 },
		{ A, OP_UNLINK, 0 },
		{ B, OP_PLACE, 0 },
		{ A, OP_SYMLINK, -EEXIST },
		{ A, OP_EXIT, 2 },
		{ B, OP_CHECK, 1 },
		{ B, OP_UNLINK, 0 },
		{ B, OP_SYMLINK, 0 },
		{ B, OP_EXIT, 0 },
		{ B, OP_SEE_SYMLINK, 0 },
	},
	.nsteps = 11,
};

/*
 * Between A's check and A's unlink, B (EEXIST on its open) removes A's
 * placeholder: A's unlink fails with ENOENT ("Cannot unlink: No such file
 * or directory"), A makes no link and exits 2; B's next open succeeds and
 * B finishes the link.
 */
static const struct schedule enoent_on_unlink = {
	.what = "A place, check; B open: EEXIST, B remove (A's); A unlink: ENOENT, "
		"no symlink, A exits 2; B open, check, unlink, symlink, exits 0",
	.steps = {
		{ A, OP_PLACE, 0 },
		{ A, OP_CHECK, 1 },
		{ B, OP_OPEN, -EEXIST },
		{ B, OP_REMOVE, 0 },
		{ A, OP_UNLINK, -ENOENT },
		{ A, OP_SYMLINK, SKIPPED },
		{ A, OP_EXIT, 2 },
		{ B, OP_OPEN, 0 },
		{ B, OP_CHECK, 1 },
		{ B, OP_UNLINK, 0 },
		{ B, OP_SYMLINK, 0 },
		{ B, OP_EXIT, 0 },
		{ B, OP_SEE_SYMLINK, 0 },
	},
	.nsteps = 13,
};

/*
 * Validate that a tar whose placeholder was replaced by another tar's
 * skips the link silently and exits 0, leaving the other's placeholder.
 */
TEST_F_TIMEOUT(tar_race, replay_stolen_placeholder_is_skipped_silently, RACE_TIMEOUT)
{
	REPLAY_TEST(steal_then_skip);
}

/*
 * Validate that a late tar replaces a finished tar's symlink with its own
 * placeholder, which stays when the late tar is killed.
 */
TEST_F_TIMEOUT(tar_race, replay_late_placeholder_clobbers_finished_link, RACE_TIMEOUT)
{
	REPLAY_TEST(clobber_finished);
}

/*
 * Validate that a placeholder made between a tar's unlink and symlink makes
 * that tar's symlink fail with EEXIST while the other tar finishes the link.
 */
TEST_F_TIMEOUT(tar_race, replay_unlink_window_gives_symlink_eexist,
	       RACE_TIMEOUT)
{
	REPLAY_TEST(eexist_on_symlink);
}

/*
 * Validate that a placeholder removed between a tar's check and unlink makes
 * that unlink fail with ENOENT and that tar make no link.
 */
TEST_F_TIMEOUT(tar_race, replay_check_window_gives_unlink_enoent,
	       RACE_TIMEOUT)
{
	REPLAY_TEST(enoent_on_unlink);
}

TEST_HARNESS_MAIN
