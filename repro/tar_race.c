// SPDX-License-Identifier: GPL-2.0-only
/*
 * Two GNU tar processes extracting into one directory leave 0-byte,
 * mode-000 files where symlinks belong.
 *
 * Incident ("tartar"): parallel jobs unpacked one archive into one
 * directory; some of its "../" symlinks came out as empty mode-000 files.
 * GNU tar (1.34) makes a symlink whose target is absolute or contains ".."
 * only at the end of the archive: first a placeholder - open(O_CREAT|
 * O_EXCL, mode 0), fstat to record dev/ino - then lstat-check, unlink,
 * symlink; a check that finds another inode skips the link silently.
 * Another tar that meets the placeholder unlinks it and makes its own.
 * With every tar alive the last tar to place a name also links it, so the
 * tree comes out right and the windows between check, unlink and symlink
 * show as "Cannot create symlink: File exists" and a non-zero exit; a tar
 * that dies (OOM, timeout, SIGKILL) before its end of archive leaves its
 * placeholders for good: the incident's files.  tar_protocol replays each
 * interleaving without tar.
 *
 * Not a kernel bug: a kernel changes only how often the race is hit, so
 * the racy subtests are hazards measured as k/n rounds per kernel, and a
 * miss is "not reproduced in n runs".  Known bad: every kernel with GNU
 * tar's delayed-link placeholders.  Mitigation: serialise extractions
 * into one directory (flock(LOCK_EX) on it: `flock DIR tar -x`), or
 * extract privately and rename into place.  -P makes no placeholders: the
 * control, not a fix (it lets ".." links escape).
 *
 * Outcomes.  The placeholders hazard counts only rounds whose tree holds a
 * placeholder where the archive has a symlink; the collisions hazard only
 * rounds in which a tar exited non-zero; the flock mitigation passes when
 * no locked round had any anomaly.  Other anomalies are counters on the
 * statistics line.  A round in which a tar was killed by a signal is void
 * (counted apart, not in n); a child that never ran tar is a set-up
 * failure.  The killed tar is a hazard shown on every run (no timing).
 * Negative mode (KREPRO_NEGATIVE=1): the mitigation takes no lock and the
 * control drops -P, so both must fail; the hazards are unchanged.
 *
 * The tars are the real GNU tar from PATH; the archives are made by it
 * from trees this test writes, and what was written is what extracted
 * trees are compared with.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/child.h"
#include "lib/fileio.h"
#include "lib/rmtree.h"
#include "lib/tarball.h"
#include "lib/util.h"
#include "lib/watch.h"

/*
 * Tars extracting at once in the racy subtests.  A collision is a head-on
 * meeting: one tar's end-of-archive pass goes backwards over the links
 * while a slower one still places them forwards, and a preemption must
 * land in the leader's unlink-symlink window.  So hits grow with the pairs
 * of tars and the cost with the tars.  Measured in TCG VMs (1 vCPU), 240
 * links, rounds hit: 6.1 - 4 tars 22 %, 8 tars 69 %; 6.12 - 4 tars 32 %,
 * 8 tars 83 %, at 0.5 s and 0.8-1.2 s a round.  bench/race.sh, 20 runs on
 * a loaded machine (2026-12-03): collisions in 67 % (6.1.0-57) and 68 %
 * (6.12.117) of rounds, every run hit; placeholders in 0 of 94 and 122.
 * A round's cost is the tars' start-up, not the links: 8 tars with 120
 * links hit as often as with 240 (40 rounds each, 6.1.0-57 / 6.12.118:
 * 25 and 23 against 25 and 29) at 0.85 s a round instead of 1.19 s, while
 * 60 links (30 %) or fewer tars (6: 50 %, 4: 20-35 %, 2: 10 %) hit less.
 * The archive once began with a tree of 16 directories and 48 small
 * files; without it (norandmaps, 6.1.0-57, 2 x 40 rounds) a round took
 * 0.24 s instead of 0.34 s and collided in 58 of 80 rounds against 49.
 */
#define RACE_TARS 8
/* Racy budget unless the harness sets KREPRO_ROUNDS / KREPRO_SECONDS. */
#define RACE_ROUNDS 60
#define RACE_SECONDS 15
/* kselftest timeout of a racy subtest; the seconds budget is capped below it. */
#define RACE_TIMEOUT 120
#define RACE_TIMEOUT_MARGIN 30

/* ------------------------------------------------------------------ */
/* Archives: trees written here, packed by the real tar (lib/tarball.h). */

/* What to pack, in archive order. */
struct layout {
	int early_links;		/* early_NN -> ../outside/tNN, first of all */
	long long big_size;		/* big.bin right after the early links */
	int link_dirs, links;		/* proof/of/conceptC/lNNN -> ../../../bin/xNNN */
	int files_after;		/* after/fF, after the links */
};

static const struct layout race_layout = {
	.link_dirs = 2, .links = 120,
};

/* Symlinks first, then a large file that a kill can land in, then more. */
static const struct layout kill_layout = {
	.early_links = 16, .big_size = 1 << 20,
	.link_dirs = 1, .links = 8, .files_after = 4,
};

/* Create the layout's members under a->src, in archive order. */
static int write_members(struct krepro_tar *a, const struct layout *lo)
{
	char target[64];
	int d, f, i, ret = 0;

#define TRY(call) do { ret = (call); if (ret) return ret; } while (0)
	for (i = 0; i < lo->early_links; i++) {
		snprintf(target, sizeof(target), "../outside/t%02d", i);
		TRY(krepro_tar_add(a, KREPRO_TAR_SYMLINK, target, 0, "early_%02d", i));
	}
	if (lo->big_size)
		TRY(krepro_tar_add(a, KREPRO_TAR_FILE, NULL, lo->big_size, "big.bin"));
	if (lo->link_dirs) {
		TRY(krepro_tar_add(a, KREPRO_TAR_DIR, NULL, 0, "proof"));
		TRY(krepro_tar_add(a, KREPRO_TAR_DIR, NULL, 0, "proof/of"));
	}
	for (d = 0; d < lo->link_dirs; d++)
		TRY(krepro_tar_add(a, KREPRO_TAR_DIR, NULL, 0, "proof/of/concept%d", d));
	for (i = 0; i < lo->links; i++) {
		snprintf(target, sizeof(target), "../../../bin/x%03d", i);
		TRY(krepro_tar_add(a, KREPRO_TAR_SYMLINK, target, 0, "proof/of/concept%d/l%03d",
				   i % lo->link_dirs, i));
	}
	if (lo->files_after)
		TRY(krepro_tar_add(a, KREPRO_TAR_DIR, NULL, 0, "after"));
	for (f = 0; f < lo->files_after; f++)
		TRY(krepro_tar_add(a, KREPRO_TAR_FILE, NULL, 104 + 8 * f, "after/f%d", f));
#undef TRY
	return 0;
}

/*
 * Write the layout under root/src-TAG and pack it with the real tar, in
 * list order, into root/TAG.tar, kept in a->data.  0 or -errno; a tar
 * that failed gives -ECHILD.
 */
static int make_archive(const char *root, const char *tag, const struct layout *lo,
			struct krepro_tar *a)
{
	int ret = krepro_tar_begin(a, root, tag);

	if (!ret)
		ret = write_members(a, lo);
	if (!ret)
		ret = krepro_tar_pack(a);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Running tar.                                                          */

/* In each tar's child, before exec: wait for the start, take the lock. */
struct tar_start {
	int gate[2];		/* start when gate[1] is closed; -1: at once */
	const char *lock_dir;	/* hold flock(LOCK_EX) on it through exec */
};

static int tar_prepare(void *arg)
{
	const struct tar_start *st = arg;
	char c;
	int fd;

	if (st->gate[0] >= 0) {
		close(st->gate[1]);
		/* EOF once the parent closes its end: all tars start together. */
		while (read(st->gate[0], &c, 1) < 0 && errno == EINTR)
			;
	}
	if (!st->lock_dir)
		return 0;
	/* Not O_CLOEXEC: tar inherits the lock and drops it at exit. */
	fd = open(st->lock_dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0 || flock(fd, LOCK_EX))
		return -errno;
	return 0;
}

/* Start `tar [-P] -xf ARCHIVE -C DIR` with stderr into errlog (NULL: none). */
static pid_t spawn_tar(const char *archive, const char *dir, bool absolute, int in,
		       const char *errlog, struct tar_start *st)
{
	char *argv[] = { "tar", "-xf", (char *)archive, "-C", (char *)dir, NULL, NULL };
	struct krepro_spawn s = { .argv = argv, .in = in, .out = -1, .err = -1,
				  .err_path = errlog, .prepare = st ? tar_prepare : NULL,
				  .arg = st };

	if (absolute) {
		memmove(argv + 2, argv + 1, 4 * sizeof(char *));
		argv[1] = "-P";
	}
	return krepro_spawn(&s);
}

/* ------------------------------------------------------------------ */
/* A round: what the tars did and what the tree holds.                 */

enum anomaly { PLACEHOLDER, MISSING, WRONG_TYPE, WRONG_TARGET, WRONG_SIZE,
	       TAR_EXIT_NONZERO, SYMLINK_EEXIST, UNLINK_ENOENT, OPEN_EEXIST, TAR_OTHER_ERROR,
	       VOID_ROUNDS, COUNTERS };

/* The statistics line's counters: docs/ktap-stats.md. */
static const char *const counter_name[COUNTERS] = {
	[PLACEHOLDER] = "placeholder", [MISSING] = "missing",
	[WRONG_TYPE] = "wrong_type", [WRONG_TARGET] = "wrong_target",
	[WRONG_SIZE] = "wrong_size", [TAR_EXIT_NONZERO] = "tar_exit_nonzero",
	[SYMLINK_EEXIST] = "symlink_eexist", [UNLINK_ENOENT] = "unlink_enoent",
	[OPEN_EEXIST] = "open_eexist", [TAR_OTHER_ERROR] = "tar_other_error",
	[VOID_ROUNDS] = "void_rounds",
};

struct tally {
	unsigned long count[COUNTERS + 1];	/* + 1: lines counted nowhere */
	int signalled;		/* tars killed by a signal: the round is void */
	char first_tree[256];	/* the first tree anomaly, in words */
	char first_tar[256];	/* the first tar that exited non-zero */
};

static __attribute__((format(printf, 3, 4))) void note(char *first, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (first[0])
		return;
	va_start(ap, fmt);
	vsnprintf(first, len, fmt, ap);
	va_end(ap);
}

#define TREE_NOTE(t, kind, ...) do { \
		(t)->count[kind]++; \
		note((t)->first_tree, sizeof((t)->first_tree), __VA_ARGS__); \
	} while (0)

/* The incident's object: a regular file, 0 bytes, no permission bits. */
static bool is_placeholder(const struct stat *st)
{
	return S_ISREG(st->st_mode) && st->st_size == 0 && !(st->st_mode & 07777);
}

static int check_symlink(const char *path, const struct krepro_tar_member *m, const struct stat *st,
			 struct tally *t)
{
	char link[PATH_MAX];
	ssize_t n;

	if (is_placeholder(st)) {
		TREE_NOTE(t, PLACEHOLDER, "%s: 0-byte mode-000 placeholder instead of a "
			  "symlink", m->name);
		return 0;
	}
	if (!S_ISLNK(st->st_mode)) {
		TREE_NOTE(t, WRONG_TYPE, "%s: mode %o instead of a symlink", m->name,
			  st->st_mode);
		return 0;
	}
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -errno;
	link[n] = '\0';
	if (strcmp(link, m->target))
		TREE_NOTE(t, WRONG_TARGET, "%s -> %s instead of %s", m->name, link, m->target);
	return 0;
}

/* Compare the tree in dir with what the archive holds.  0 or -errno. */
static int check_tree(const char *dir, const struct krepro_tar *a, struct tally *t)
{
	char path[PATH_MAX];
	struct stat st;
	int i, ret;

	for (i = 0; i < a->n; i++) {
		const struct krepro_tar_member *m = &a->m[i];

		ret = krepro_path(path, sizeof(path), "%s/%s", dir, m->name);
		if (ret)
			return ret;
		if (lstat(path, &st)) {
			if (errno != ENOENT)
				return -errno;
			TREE_NOTE(t, MISSING, "%s: missing", m->name);
		} else if (m->type == KREPRO_TAR_SYMLINK) {
			ret = check_symlink(path, m, &st, t);
			if (ret)
				return ret;
		} else if (m->type == KREPRO_TAR_DIR && !S_ISDIR(st.st_mode)) {
			TREE_NOTE(t, WRONG_TYPE, "%s: mode %o instead of a directory",
				  m->name, st.st_mode);
		} else if (m->type == KREPRO_TAR_FILE && !S_ISREG(st.st_mode)) {
			TREE_NOTE(t, WRONG_TYPE, "%s: mode %o instead of a file", m->name,
				  st.st_mode);
		} else if (m->type == KREPRO_TAR_FILE && st.st_size != m->size) {
			TREE_NOTE(t, WRONG_SIZE, "%s: %lld bytes instead of %lld", m->name,
				  (long long)st.st_size, m->size);
		}
	}
	return 0;
}

/* Which counter a line of tar's stderr goes to (COUNTERS: none). */
static enum anomaly tar_error_kind(const char *line)
{
	if (strstr(line, "Exiting with failure status"))
		return COUNTERS;
	if (strstr(line, "Cannot create symlink") && strstr(line, "File exists"))
		return SYMLINK_EEXIST;
	if (strstr(line, "Cannot unlink") && strstr(line, "No such file"))
		return UNLINK_ENOENT;
	if (strstr(line, "Cannot open") && strstr(line, "File exists"))
		return OPEN_EEXIST;
	return TAR_OTHER_ERROR;
}

/* Count tar's complaints in its stderr; note the first line. */
static void read_tar_log(const char *log, struct tally *t, int nr, const char *status)
{
	char line[300];
	FILE *f = fopen(log, "re");

	if (!f) {
		note(t->first_tar, sizeof(t->first_tar), "tar %d: %s", nr, status);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		note(t->first_tar, sizeof(t->first_tar), "tar %d (%s): %s", nr, status, line);
		t->count[tar_error_kind(line)]++;
	}
	fclose(f);
	note(t->first_tar, sizeof(t->first_tar), "tar %d: %s, nothing on stderr", nr, status);
}

/*
 * Reap the tars and sort their ends: exit 0, non-zero (counted, its log
 * read), killed by a signal (the round is void).  -ENOEXEC when a child
 * never ran tar, or -errno from wait.
 */
static int reap_tars(const pid_t *pids, int ntars, char logs[][PATH_MAX], struct tally *t)
{
	int i, status, ret = 0;
	char text[64];

	for (i = 0; i < ntars; i++) {
		status = krepro_child_wait(pids[i]);
		if (status < 0) {
			ret = ret ? ret : status;
			continue;
		}
		krepro_status_text(status, text, sizeof(text));
		if (krepro_child_never_ran(status)) {
			ret = ret ? ret : -ENOEXEC;
		} else if (WIFSIGNALED(status)) {
			t->signalled++;
			note(t->first_tar, sizeof(t->first_tar), "tar %d: %s", i, text);
		} else if (WEXITSTATUS(status)) {
			t->count[TAR_EXIT_NONZERO]++;
			read_tar_log(logs[i], t, i, text);
		}
	}
	return ret;
}

/*
 * One round: RACE_TARS tars extract the archive into a fresh directory at
 * once (each holding flock(LOCK_EX) on it when lock), then the tree is
 * compared with the archive and removed.  What was seen goes into t.  On
 * an error *step names what could not be done (nothing of the round's
 * verdict was decided).
 */
static int extraction_round(const char *root, const struct krepro_tar *a, int round,
			    bool lock, struct tally *t, const char **step)
{
	char dir[PATH_MAX], logs[RACE_TARS][PATH_MAX];
	struct tar_start st = { .gate = { -1, -1 } };
	pid_t pids[RACE_TARS];
	int i, ret;

	memset(t, 0, sizeof(*t));
	*step = "make the round's directory";
	ret = krepro_path(dir, sizeof(dir), "%s/round%d", root, round);
	if (ret || mkdir(dir, 0755))
		return ret ? ret : -errno;
	*step = "start the tars";
	if (pipe2(st.gate, O_CLOEXEC))
		return -errno;
	st.lock_dir = lock ? dir : NULL;
	for (i = 0; i < RACE_TARS; i++) {
		ret = krepro_path(logs[i], sizeof(logs[i]), "%s/tar%d.err", root, i);
		pids[i] = ret ? ret : spawn_tar(a->path, dir, false, -1, logs[i], &st);
		if (pids[i] < 0) {
			ret = pids[i];
			break;
		}
	}
	close(st.gate[0]);
	close(st.gate[1]);	/* go */
	if (ret) {
		krepro_child_kill_all();
		return ret;
	}
	*step = "run tar";
	ret = reap_tars(pids, RACE_TARS, logs, t);
	if (ret)
		return ret;
	*step = "compare the extracted tree with the archive";
	ret = check_tree(dir, a, t);
	if (ret)
		return ret;
	*step = "remove the round's tree";
	return krepro_rmtree(dir, KREPRO_RMTREE_ONE_FS);
}

/* ------------------------------------------------------------------ */
/* Races.                                                                */

/* Which rounds a racy subtest counts as hits. */
enum hit_rule {
	HIT_PLACEHOLDER,	/* the incident's artefact in the tree */
	HIT_TAR_EXIT,		/* a tar exited non-zero */
	HIT_ANY,		/* anything but the exact tree with every tar at 0 */
};

static bool round_hit(const struct tally *t, enum hit_rule rule)
{
	int i;

	switch (rule) {
	case HIT_PLACEHOLDER:
		return t->count[PLACEHOLDER];
	case HIT_TAR_EXIT:
		return t->count[TAR_EXIT_NONZERO];
	case HIT_ANY:
		for (i = PLACEHOLDER; i <= TAR_EXIT_NONZERO; i++)
			if (t->count[i])
				return true;
	}
	return false;
}

/* krepro_race_start, with the seconds kept inside the kselftest timeout. */
static void race_start(struct krepro_race *r, const char *name)
{
	krepro_race_start(r, name, RACE_ROUNDS, RACE_SECONDS);
	if (r->seconds > RACE_TIMEOUT - RACE_TIMEOUT_MARGIN) {
		ksft_print_msg("budget of %.0f s capped at %d s by the test timeout\n",
			       r->seconds, RACE_TIMEOUT - RACE_TIMEOUT_MARGIN);
		r->seconds = RACE_TIMEOUT - RACE_TIMEOUT_MARGIN;
	}
}

/* What a race saw, beyond k/n. */
struct race_log {
	char first_tree[300];
	char first_tar[300];
	const char *step;	/* on an error: what could not be done */
};

/* One racy subtest's view of the rounds: its race, what it counts, its log. */
struct race_watch {
	struct krepro_race r;
	enum hit_rule rule;
	struct race_log log;
};

/* Fold one round into a watch; a round with a killed tar is void. */
static void race_add(struct race_watch *w, const struct tally *t)
{
	struct krepro_race *r = &w->r;
	struct race_log *log = &w->log;
	int i;

	/* Every name every round, so the statistics line always lists them. */
	for (i = 0; i < COUNTERS; i++)
		krepro_race_count(r, counter_name[i], i == VOID_ROUNDS ? !!t->signalled :
				  t->count[i]);
	if (t->first_tree[0] && !log->first_tree[0])
		snprintf(log->first_tree, sizeof(log->first_tree), "round %lu: %s",
			 r->n + 1, t->first_tree);
	if (t->first_tar[0] && !log->first_tar[0])
		snprintf(log->first_tar, sizeof(log->first_tar), "round %lu: %s",
			 r->n + 1, t->first_tar);
	if (!t->signalled)
		krepro_race_round(r, round_hit(t, w->rule));
}

/*
 * True while some watch is undecided.  A decided watch keeps counting the
 * rounds its siblings still need (they are the same rounds), and keeps
 * the reason it was decided.
 */
static bool race_more(struct race_watch *w, int nw)
{
	bool more = false;
	int i;

	for (i = 0; i < nw; i++)
		if (!w[i].r.stop && krepro_race_more(&w[i].r))
			more = true;
	return more;
}

/* Print what a watch saw: the statistics line, then its first anomalies. */
static void race_print(const struct race_watch *w)
{
	krepro_race_report(&w->r);
	if (w->log.first_tree[0])
		ksft_print_msg("first tree anomaly: %s\n", w->log.first_tree);
	if (w->log.first_tar[0])
		ksft_print_msg("first tar failure: %s\n", w->log.first_tar);
}

/*
 * Extraction rounds over the racy budget, every round counted by each of
 * the nw watches (their races already started) until all are decided or
 * the budget is spent.  0, or -errno (w[0].log.step set).
 */
static int extraction_race(const char *root, const struct krepro_tar *a, int *round,
			   bool lock, struct race_watch *w, int nw)
{
	struct tally t;
	int i, ret;

	while (race_more(w, nw)) {
		ret = extraction_round(root, a, (*round)++, lock, &t, &w[0].log.step);
		if (ret)
			return ret;
		for (i = 0; i < nw; i++)
			race_add(&w[i], &t);
	}
	for (i = 0; i < nw; i++)
		krepro_race_end(&w[i].r);
	return 0;
}

/*
 * The two unlocked hazards count different things in the same kind of
 * round, so the placeholders subtest runs one race for both and leaves
 * the collisions watch in the run's share directory for the next subtest
 * to report: half the rounds of two races, each counted over all of
 * them.  Run alone (a filter, or by hand with no share directory), the
 * collisions subtest finds nothing there and races on its own.
 */
#define COLLISIONS_SHARE_KEY "tar_race_collisions"

/* A watch as bytes: numbers and text, no pointers. */
struct saved_watch {
	unsigned long k, n, counts[COUNTERS];
	double first_hit, elapsed;
	char stop[16];
	char first_tree[300], first_tar[300];
};

static int watch_save(const struct race_watch *w)
{
	struct saved_watch sw = { .k = w->r.k, .n = w->r.n, .first_hit = w->r.first_hit,
				  .elapsed = w->r.elapsed };

	memcpy(sw.counts, w->r.counts, sizeof(sw.counts));
	snprintf(sw.stop, sizeof(sw.stop), "%s", w->r.stop ? w->r.stop : "time");
	memcpy(sw.first_tree, w->log.first_tree, sizeof(sw.first_tree));
	memcpy(sw.first_tar, w->log.first_tar, sizeof(sw.first_tar));
	return krepro_share_put(COLLISIONS_SHARE_KEY, &sw, sizeof(sw));
}

/*
 * Fill the started watch w from what the placeholders subtest saved (sw
 * keeps the stop word, so it must outlive w).  0, or -ENOENT when nothing
 * was saved.
 */
static int watch_load(struct race_watch *w, struct saved_watch *sw)
{
	int i, ret = krepro_share_take(COLLISIONS_SHARE_KEY, sw, sizeof(*sw));

	if (ret)
		return ret;
	w->r.k = sw->k;
	w->r.n = sw->n;
	w->r.first_hit = sw->first_hit;
	w->r.elapsed = sw->elapsed;
	sw->stop[sizeof(sw->stop) - 1] = '\0';
	w->r.stop = sw->stop;
	for (i = 0; i < COUNTERS; i++)
		krepro_race_count(&w->r, counter_name[i], sw->counts[i]);
	memcpy(w->log.first_tree, sw->first_tree, sizeof(w->log.first_tree));
	memcpy(w->log.first_tar, sw->first_tar, sizeof(w->log.first_tar));
	w->log.first_tree[sizeof(w->log.first_tree) - 1] = '\0';
	w->log.first_tar[sizeof(w->log.first_tar) - 1] = '\0';
	return 0;
}

/* ------------------------------------------------------------------ */
/* Fixture.                                                              */

FIXTURE(tar_race) {
	char root[PATH_MAX];
	struct krepro_tar ar;
	int round;
};

FIXTURE_SETUP(tar_race)
{
	self->root[0] = '\0';
	self->ar.data = NULL;
	KREPRO_SETUP_OK(krepro_private_mount_ns(), "make a private mount namespace");
	KREPRO_SETUP_OK(krepro_scratch_tmpfs(self->root, sizeof(self->root), "tar_race"),
			"mount a scratch tmpfs");
}

FIXTURE_TEARDOWN(tar_race)
{
	krepro_child_kill_all();
	free(self->ar.data);
	krepro_scratch_release(self->root);
}

/* SKIP unless "tar" on PATH is GNU tar (busybox tar makes no placeholders). */
#define REQUIRE_GNU_TAR() do { \
		int _ret = krepro_have_gnu_tar(); \
		if (_ret == -ENOENT || _ret == -ENOTSUP) \
			SKIP(return, "%s", _ret == -ENOENT ? "tar is not installed" : \
			     "tar on PATH is not GNU tar: no delayed-link placeholders"); \
		KREPRO_SETUP_OK(_ret, "run tar --version"); \
	} while (0)

/* The archive of the layout in self->ar, listed back by tar: every test's set-up. */
#define SETUP_ARCHIVE(tag, layout) do { \
		int _ret = make_archive(self->root, (tag), &(layout), &self->ar), _n, _l; \
		\
		KREPRO_SETUP_ASSERT(!_ret, "cannot make the archive: %s", \
				    _ret == -ECHILD ? "tar -c failed" : strerror(-_ret)); \
		_ret = krepro_tar_count(&self->ar, &_n, &_l); \
		KREPRO_SETUP_ASSERT(!_ret, "cannot list the archive: %s", \
				    _ret == -ECHILD ? "tar -t failed" : strerror(-_ret)); \
		KREPRO_SETUP_ASSERT(_n == self->ar.n && _l == self->ar.links && \
				    _l == (layout).links + (layout).early_links, \
				    "tar lists %d members, %d symlinks; %d and %d were " \
				    "written", _n, _l, self->ar.n, self->ar.links); \
	} while (0)

/* krepro_race_start for a watch of the subtest `name`, counting rule. */
static void watch_start(struct race_watch *w, const char *name, enum hit_rule rule)
{
	memset(w, 0, sizeof(*w));
	race_start(&w->r, name);
	w->rule = rule;
}

/*
 * The racy subtests' common body: set-up, then the race over the nw
 * watches.  A race that stopped, or whose every round was void (a tar
 * killed from outside), gives no verdict on what it measures
 * (docs/setup-failed.md).
 */
#define RUN_RACE(lock, w, nw) do { \
		int _ret; \
		\
		REQUIRE_GNU_TAR(); \
		SETUP_ARCHIVE("race", race_layout); \
		_ret = extraction_race(self->root, &self->ar, &self->round, (lock), (w), (nw)); \
		KREPRO_SETUP_ASSERT(!_ret, "round %lu: cannot %s: %s", (w)[0].r.n + 1, \
				    (w)[0].log.step, _ret == -ENOEXEC ? \
				    "a child never ran tar" : strerror(-_ret)); \
		KREPRO_SETUP_ASSERT((w)[0].r.n > 0, "every round had a tar killed by a signal"); \
	} while (0)

#define PLACEHOLDERS_SUBTEST "parallel_extractions_leave_placeholders"
#define COLLISIONS_SUBTEST "parallel_extractions_collide_exit_nonzero"

/*
 * Validate that RACE_TARS tars extracting one archive into one directory
 * at once leave a 0-byte mode-000 placeholder where the archive has a
 * symlink (the incident's files).  Its rounds also decide the collisions
 * subtest, which follows.
 */
TEST_F_TIMEOUT(tar_race, parallel_extractions_leave_placeholders, RACE_TIMEOUT)
{
	struct race_watch w[2];
	int ret;

	watch_start(&w[0], _metadata->name, HIT_PLACEHOLDER);
	watch_start(&w[1], COLLISIONS_SUBTEST, HIT_TAR_EXIT);
	RUN_RACE(false, w, 2);
	ret = watch_save(&w[1]);
	if (ret && ret != -ENOENT)
		ksft_print_msg("cannot leave the collisions' rounds for their subtest: %s\n",
			       strerror(-ret));
	race_print(&w[0]);
	EXPECT_LT(0UL, w[0].r.k) TH_LOG("not reproduced in %lu rounds: no placeholder left "
					"behind, though %lu tars exited non-zero", w[0].r.n,
					w[0].r.counts[TAR_EXIT_NONZERO]);
}

/*
 * Validate that RACE_TARS tars extracting one archive into one directory
 * at once collide: some tar exits non-zero ("Cannot create symlink: File
 * exists", "Cannot unlink: No such file or directory").
 */
TEST_F_TIMEOUT(tar_race, parallel_extractions_collide_exit_nonzero, RACE_TIMEOUT)
{
	struct saved_watch sw;
	struct race_watch w;

	watch_start(&w, _metadata->name, HIT_TAR_EXIT);
	if (!watch_load(&w, &sw))
		ksft_print_msg("counted over the rounds of " PLACEHOLDERS_SUBTEST "\n");
	else
		RUN_RACE(false, &w, 1);
	race_print(&w);
	EXPECT_LT(0UL, w.r.k) TH_LOG("not reproduced in %lu rounds: every tar exited 0", w.r.n);
}

/*
 * Validate that each tar holding flock(LOCK_EX) on the target directory
 * makes every extraction exact, with every tar exiting 0.
 */
TEST_F_TIMEOUT(tar_race, flock_serialised_extractions_are_exact, RACE_TIMEOUT)
{
	bool lock = !krepro_negative();
	struct race_watch w;

	if (!lock)
		ksft_print_msg("negative mode: the tars take no lock\n");
	watch_start(&w, _metadata->name, HIT_ANY);
	RUN_RACE(lock, &w, 1);
	race_print(&w);
	EXPECT_EQ(0UL, w.r.k) TH_LOG("%lu of %lu %s rounds went wrong; first: %s %s", w.r.k,
				   w.r.n, lock ? "locked" : "unlocked", w.log.first_tree,
				   w.log.first_tar);
}

/*
 * Validate that a tar killed with SIGKILL after making its placeholders
 * and before its end of archive leaves 0-byte mode-000 files for good.
 */
TEST_F_TIMEOUT(tar_race, killed_extraction_leaves_mode_000_placeholders, 60)
{
	int in, feed[2], ret, status, i, placeholders = 0;
	char dir[PATH_MAX], path[PATH_MAX];
	struct krepro_watch w = { 0 };
	long long prefix;
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
	prefix = krepro_tar_header_offset(&self->ar, "big.bin");
	KREPRO_SETUP_ASSERT(prefix >= 0, "the archive has no big.bin");
	prefix = (prefix + 2 * KREPRO_TAR_BLOCK + KREPRO_TAR_RECORD - 1) / KREPRO_TAR_RECORD * KREPRO_TAR_RECORD;
	KREPRO_SETUP_ASSERT((long long)self->ar.len > prefix + kill_layout.big_size / 2,
			    "the archive ends %lld bytes after big.bin's first records",
			    (long long)self->ar.len - prefix);
	KREPRO_SETUP_ASSERT(prefix <= 65536, "the prefix (%lld bytes) does not fit "
			    "in a pipe buffer", prefix);

	KREPRO_SETUP_OK(krepro_path(dir, sizeof(dir), "%s/kill", self->root), "name the directory");
	KREPRO_SETUP_ASSERT(!mkdir(dir, 0755), "cannot make %s: %s", dir, strerror(errno));
	in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	ret = in < 0 || inotify_add_watch(in, dir, KREPRO_WATCH_EVENTS) < 0 ||
	      pipe2(feed, O_CLOEXEC) ? -errno : 0;
	KREPRO_SETUP_OK(ret, "watch the extraction directory");

	pid = spawn_tar("-", dir, false, feed[0], NULL, NULL);
	KREPRO_SETUP_ASSERT(pid > 0, "cannot start tar: %s", strerror(-pid));
	close(feed[0]);
	KREPRO_SETUP_ASSERT(write(feed[1], self->ar.data, prefix) == prefix,
			    "cannot feed tar the archive's first records: %s",
			    strerror(errno));

	/* Only the early placeholders are closed: big.bin never completes. */
	while (w.closed < kill_layout.early_links) {
		struct pollfd pfd = { .fd = in, .events = POLLIN };

		ret = poll(&pfd, 1, 45000);
		ASSERT_EQ(1, ret) TH_LOG("placeholders closed: %d of %d before the wait "
					 "ended", w.closed, kill_layout.early_links);
		ASSERT_EQ(0, krepro_watch_drain(in, &w));
	}
	ASSERT_EQ(0, kill(pid, SIGKILL));
	status = krepro_child_wait(pid);
	close(feed[1]);
	close(in);
	KREPRO_SETUP_ASSERT(status >= 0 && !krepro_child_never_ran(status),
			    "tar did not run (status %d)", status);
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

/* Make dir/proof/of/conceptN (the layout's link directories) and watch them. */
static int watch_link_dirs(int in, const char *dir, int link_dirs)
{
	static const char *const parents[] = { "proof", "proof/of" };
	char path[PATH_MAX];
	int i, ret;

	for (i = 0; i < 2 + link_dirs; i++) {
		ret = i < 2 ? krepro_path(path, sizeof(path), "%s/%s", dir, parents[i]) :
			      krepro_path(path, sizeof(path), "%s/proof/of/concept%d", dir, i - 2);
		if (ret)
			return ret;
		if (mkdir(path, 0755))
			return -errno;
		if (i >= 2 && inotify_add_watch(in, path, KREPRO_WATCH_EVENTS) < 0)
			return -errno;
	}
	return 0;
}

/*
 * Validate that tar -P makes each symlink at once: no regular file is
 * ever written at a symlink's path, and the tree matches the archive.
 */
TEST_F(tar_race, absolute_names_extraction_makes_no_placeholders)
{
	bool absolute = !krepro_negative();
	struct krepro_watch w = { 0 };
	char dir[PATH_MAX], log[PATH_MAX];
	struct tally t = { 0 };
	int in, ret, status;
	pid_t pid;

	REQUIRE_GNU_TAR();
	if (!absolute)
		ksft_print_msg("negative mode: tar runs without -P\n");
	SETUP_ARCHIVE("race", race_layout);
	KREPRO_SETUP_OK(krepro_path(dir, sizeof(dir), "%s/control", self->root),
			"name the directory");
	KREPRO_SETUP_ASSERT(!mkdir(dir, 0755), "cannot make %s: %s", dir, strerror(errno));
	in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	KREPRO_SETUP_ASSERT(in >= 0, "cannot start inotify: %s", strerror(errno));
	KREPRO_SETUP_OK(watch_link_dirs(in, dir, race_layout.link_dirs),
			"make and watch the symlinks' directories");

	KREPRO_SETUP_OK(krepro_path(log, sizeof(log), "%s/control.err", self->root),
			"name tar's log");
	pid = spawn_tar(self->ar.path, dir, absolute, -1, log, NULL);
	KREPRO_SETUP_ASSERT(pid > 0, "cannot start tar: %s", strerror(-pid));
	status = krepro_child_wait(pid);
	KREPRO_SETUP_ASSERT(status >= 0 && !krepro_child_never_ran(status),
			    "tar did not run (status %d)", status);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("tar exited with status 0x%x", status);
	ret = krepro_watch_drain(in, &w);
	close(in);
	ASSERT_EQ(0, ret) TH_LOG("inotify: %s", strerror(-ret));

	/* The watch saw every link made: the absence of placeholders means something. */
	ASSERT_LE(race_layout.links, w.created);
	ASSERT_EQ(0, check_tree(dir, &self->ar, &t));
	EXPECT_EQ(0, t.first_tree[0]) TH_LOG("extracted tree differs: %s", t.first_tree);
	EXPECT_EQ(0, w.closed) TH_LOG("%d placeholders written%s, the first at %s",
				      w.closed, absolute ? " with -P" : "", w.first);
}

TEST_HARNESS_MAIN
