// SPDX-License-Identifier: GPL-2.0-only
/*
 * GNU tar's delayed-link protocol, replayed step by step: the VFS
 * semantics that make two tars extracting into one directory leave
 * placeholders, skip links silently or fail.  No tar runs here; tar_race
 * runs the real GNU tar.
 *
 * Incident ("tartar"): parallel jobs unpacked one archive into one
 * directory and some of its "../" symlinks were left as 0-byte mode-000
 * files.  GNU tar (1.34, extract.c) does not make such a symlink when it
 * meets it: it makes a placeholder - open(O_CREAT|O_EXCL, mode 0), on
 * EEXIST unlink what is there and retry, fstat to record dev/ino - and at
 * the end of the archive lstat-checks the placeholder, unlinks it and
 * makes the symlink; a check that finds another inode skips the link
 * without a word.
 *
 * Each subtest plays two "actors", processes that do what one tar does to
 * one name, one syscall at a time, on command through pipes, so every
 * interleaving is exact on every run: a deterministic schedule, run once,
 * not a race.  Each is a regression: the kernel must keep the semantics
 * the schedule relies on (pass = every step gives what tar's code
 * expects), because tar - and anything else built on O_EXCL placeholders -
 * depends on them:
 *
 * - stolen placeholder: O_EXCL refuses a taken name; a name unlinked and
 *   made again is a new inode (tmpfs numbers inodes upwards; a filesystem
 *   that reuses a freed number at once could fool tar's check), so A's
 *   check sees B's inode and skips silently; a SIGKILLed creator's file
 *   stays;
 * - late placeholder: O_CREAT|O_EXCL meets a dangling symlink with EEXIST
 *   and never follows it, so a late tar replaces a finished link;
 * - unlink window: symlink() onto a name taken since the unlink fails with
 *   EEXIST, it never replaces;
 * - check window: unlink of a name another process removed since the
 *   check fails with ENOENT.
 *
 * Negative mode (KREPRO_NEGATIVE=1, krepro run --negative) removes the
 * property each regression checks, so each must fail: the stolen and late
 * replays open the placeholder without O_EXCL (as a kernel that ignored
 * O_EXCL would: B shares A's inode, or follows A's symlink); the unlink
 * window's symlink replaces the name (symlink to a temporary name and
 * rename over it, as a replacing symlink() would); the check window drops
 * B's removal, so A's unlink finds the name.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/child.h"
#include "lib/util.h"

enum op {
	OP_NONE,	/* negative mode: a step removed */
	OP_PLACE,	/* create_placeholder_file: open O_EXCL mode 0; on
			 * EEXIST unlink and retry; fstat records dev/ino */
	OP_OPEN,	/* one open(O_CREAT|O_EXCL, 0) attempt, recorded if made */
	OP_REMOVE,	/* tar's reaction to that EEXIST: unlink what is there */
	OP_CHECK,	/* apply_delayed_links: lstat, compare dev/ino */
	OP_UNLINK,	/* ... unlink the checked placeholder */
	OP_SYMLINK,	/* ... and make the symlink */
	OP_EXIT,	/* end of archive: exit 2 if any step failed, like tar */
	/* Negative mode only: the property taken away. */
	OP_PLACE_NOEXCL,	/* the placeholder opened without O_EXCL */
	OP_SYMLINK_REPLACE,	/* a symlink that replaces what is there */
	/* Carried out by the conductor. */
	OP_KILL,		/* SIGKILL the actor before its end of archive */
	OP_SEE_PLACEHOLDER,	/* the name is the actor's 0-byte mode-000 file */
	OP_SEE_SYMLINK,		/* the name is the right symlink */
};

static const char *const op_name[] = {
	[OP_NONE] = "nothing", [OP_PLACE] = "place", [OP_OPEN] = "open",
	[OP_REMOVE] = "remove", [OP_CHECK] = "check", [OP_UNLINK] = "unlink",
	[OP_SYMLINK] = "symlink", [OP_EXIT] = "exit",
	[OP_PLACE_NOEXCL] = "place without O_EXCL",
	[OP_SYMLINK_REPLACE] = "replacing symlink", [OP_KILL] = "kill",
	[OP_SEE_PLACEHOLDER] = "see-placeholder", [OP_SEE_SYMLINK] = "see-symlink",
};

#define SKIPPED 2	/* a step tar does not take after a failed check or unlink */
#define KILLED 9
#define TARGET "../../bin/x"

struct reply {
	int ret;
	dev_t dev;
	ino_t ino;
};

struct step {
	int actor;		/* A or B */
	enum op op;
	int expect;		/* reply, exit status, or 0 for a state seen */
};

struct schedule {
	const char *what;
	struct step steps[16];
	int nsteps;
	/* Negative mode: step number neg_step (from 1) becomes neg_op. */
	int neg_step;
	enum op neg_op;
};

#define A 0
#define B 1

/* The incident's object: a regular file, 0 bytes, no permission bits. */
static bool is_placeholder(const struct stat *st)
{
	return S_ISREG(st->st_mode) && st->st_size == 0 && !(st->st_mode & 07777);
}

/*
 * create_placeholder_file's open, mode 0: with O_EXCL unless noexcl; with
 * retry an EEXIST is answered as tar answers it, by unlinking what is
 * there and trying again.  Records dev/ino in *rec.  Returns the number of
 * objects removed, or -errno.
 */
static int open_placeholder(const char *path, bool retry, bool noexcl, struct reply *rec)
{
	int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (noexcl ? 0 : O_EXCL);
	struct stat st;
	int fd, removed = 0, ret;

	while ((fd = open(path, flags, 0)) < 0) {
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

/* What a symlink() that replaced an existing name would do. */
static int replacing_symlink(const char *path)
{
	char tmp[PATH_MAX];
	int ret = krepro_path(tmp, sizeof(tmp), "%s.new", path);

	if (ret)
		return ret;
	if (symlink(TARGET, tmp))
		return -errno;
	return rename(tmp, path) ? -errno : 0;
}

/* One tar's state for one name, as apply_delayed_links keeps it. */
struct actor_state {
	struct reply rec;
	bool have, matched, unlinked;
	int errors;
};

static int actor_step(struct actor_state *s, char op, const char *path, struct reply *r)
{
	struct stat st;

	*r = s->rec;
	switch (op) {
	case OP_PLACE:
	case OP_OPEN:
	case OP_PLACE_NOEXCL:
		r->ret = open_placeholder(path, op != OP_OPEN, op == OP_PLACE_NOEXCL, &s->rec);
		/* A failed single open is tar's cue to remove, not an error. */
		s->errors += r->ret < 0 && op != OP_OPEN;
		if (r->ret >= 0) {
			s->have = true;
			r->dev = s->rec.dev;
			r->ino = s->rec.ino;
		}
		return 0;
	case OP_REMOVE:
		r->ret = unlink(path) ? -errno : 0;
		s->errors += r->ret < 0;
		return 0;
	case OP_CHECK:
		/* A mismatch or a missing file is skipped without a word. */
		s->matched = s->have && !lstat(path, &st) && st.st_dev == s->rec.dev &&
			     st.st_ino == s->rec.ino;
		r->ret = s->matched;
		return 0;
	case OP_UNLINK:
		r->ret = !s->matched ? SKIPPED : unlink(path) ? -errno : 0;
		s->errors += r->ret < 0;
		s->unlinked = !r->ret;
		return 0;
	case OP_SYMLINK:
	case OP_SYMLINK_REPLACE:
		if (!s->unlinked)
			r->ret = SKIPPED;
		else if (op == OP_SYMLINK)
			r->ret = symlink(TARGET, path) ? -errno : 0;
		else
			r->ret = replacing_symlink(path);
		s->errors += r->ret < 0;
		return 0;
	case OP_NONE:
		r->ret = 0;
		return 0;
	}
	return -EINVAL;
}

/* The actor's life: one step per command byte, one reply per step. */
static void actor_loop(int cmd, int out, const char *path)
{
	struct actor_state s = { 0 };
	struct reply r;
	char op;

	while (read(cmd, &op, 1) == 1) {
		if (op == OP_EXIT)
			_exit(s.errors ? 2 : 0);
		if (actor_step(&s, op, path, &r))
			r.ret = -EINVAL;
		if (write(out, &r, sizeof(r)) != sizeof(r))
			_exit(KREPRO_CHILD_SETUP_FAILED);
	}
	_exit(KREPRO_CHILD_SETUP_FAILED);
}

struct actor {
	pid_t pid;
	int cmd, reply;		/* pipes to and from the actor */
	struct reply last;	/* the latest placeholder it recorded */
};

static int actor_start(struct actor *ac, const char *path)
{
	int cmd[2], rep[2], ret = 0;
	pid_t pid;

	if (pipe2(cmd, O_CLOEXEC))
		return -errno;
	if (pipe2(rep, O_CLOEXEC)) {
		ret = -errno;
		close(cmd[0]);
		close(cmd[1]);
		return ret;
	}
	pid = krepro_child_fork();
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
	if (ac->pid > 0)
		krepro_child_kill(ac->pid);
	if (ac->cmd >= 0)
		close(ac->cmd);
	if (ac->reply >= 0)
		close(ac->reply);
	ac->pid = 0;
	ac->cmd = ac->reply = -EBADF;
}

/* The actor's end: how it exited, KILLED for SIGKILL.  0 or -errno. */
static int actor_end(struct actor *ac, bool kill_it, int *got)
{
	char op = OP_EXIT;
	int status;

	if (kill_it ? kill(ac->pid, SIGKILL) != 0 : write(ac->cmd, &op, 1) != 1)
		return kill_it ? -errno : -EPIPE;
	status = krepro_child_wait(ac->pid);
	if (status < 0)
		return status;
	ac->pid = 0;
	*got = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL ? KILLED :
	       krepro_exit_code(status);
	return 0;
}

/* One step, op as the schedule (or negative mode) says; *got is what happened. */
static int conduct(struct actor *acs, const char *path, int actor, enum op op, int *got)
{
	struct actor *ac = &acs[actor];
	char link[64], cmd = op;
	struct reply r;
	struct stat st;
	ssize_t n;

	switch (op) {
	case OP_KILL:
	case OP_EXIT:
		return actor_end(ac, op == OP_KILL, got);
	case OP_SEE_PLACEHOLDER:
		*got = !(!lstat(path, &st) && is_placeholder(&st) &&
			 st.st_dev == ac->last.dev && st.st_ino == ac->last.ino);
		return 0;
	case OP_SEE_SYMLINK:
		n = readlink(path, link, sizeof(link) - 1);
		*got = !(n == (ssize_t)strlen(TARGET) && !memcmp(link, TARGET, n));
		return 0;
	default:
		if (write(ac->cmd, &cmd, 1) != 1 ||
		    read(ac->reply, &r, sizeof(r)) != sizeof(r))
			return -EPIPE;	/* the actor died */
		if ((op == OP_PLACE || op == OP_OPEN || op == OP_PLACE_NOEXCL) && r.ret >= 0)
			ac->last = r;
		*got = r.ret;
		return 0;
	}
}

FIXTURE(tar_protocol) {
	char root[PATH_MAX];
	char path[PATH_MAX];	/* the one name both actors work on */
	struct actor acs[2];
};

FIXTURE_SETUP(tar_protocol)
{
	char dir[PATH_MAX];

	self->root[0] = '\0';
	self->acs[A] = self->acs[B] = (struct actor){ .cmd = -EBADF, .reply = -EBADF };
	/* A write to a dead actor's pipe must be an error, not death. */
	signal(SIGPIPE, SIG_IGN);
	KREPRO_SETUP_OK(krepro_private_mount_ns(), "make a private mount namespace");
	KREPRO_SETUP_OK(krepro_scratch_tmpfs(self->root, sizeof(self->root), "tar_protocol"),
			"mount a scratch tmpfs");
	/* The archive's name: proof/of/concept -> ../../bin/x, dangling. */
	KREPRO_SETUP_OK(krepro_path(dir, sizeof(dir), "%s/proof", self->root),
			"name the directories");
	KREPRO_SETUP_ASSERT(!mkdir(dir, 0755), "cannot make %s: %s", dir, strerror(errno));
	KREPRO_SETUP_OK(krepro_path(dir, sizeof(dir), "%s/proof/of", self->root),
			"name the directories");
	KREPRO_SETUP_ASSERT(!mkdir(dir, 0755), "cannot make %s: %s", dir, strerror(errno));
	KREPRO_SETUP_OK(krepro_path(self->path, sizeof(self->path), "%s/concept", dir),
			"name the symlink");
	KREPRO_SETUP_OK(actor_start(&self->acs[A], self->path), "start actor A");
	KREPRO_SETUP_OK(actor_start(&self->acs[B], self->path), "start actor B");
}

FIXTURE_TEARDOWN(tar_protocol)
{
	actor_stop(&self->acs[A]);
	actor_stop(&self->acs[B]);
	krepro_child_kill_all();
	krepro_scratch_release(self->root);
}

/*
 * Play the schedule once.  Every step must give what it expects, except
 * the step negative mode replaced (it is another step now).  The first
 * step that does not is described in why; returns the number of such
 * steps (0 = the kernel kept the semantics), or -errno when an actor
 * stopped answering.
 */
static int play(struct actor *acs, const char *path, const struct schedule *sc,
		char *why, size_t len)
{
	bool negative = krepro_negative();
	int i, ret, got = 0;

	ksft_print_msg("schedule: %s\n", sc->what);
	if (negative)
		ksft_print_msg("negative mode: step %d (%c %s) becomes %s\n", sc->neg_step,
			       sc->steps[sc->neg_step - 1].actor == A ? 'A' : 'B',
			       op_name[sc->steps[sc->neg_step - 1].op], op_name[sc->neg_op]);
	for (i = 0; i < sc->nsteps; i++) {
		const struct step *s = &sc->steps[i];
		bool replaced = negative && i + 1 == sc->neg_step;

		ret = conduct(acs, path, s->actor, replaced ? sc->neg_op : s->op, &got);
		if (ret) {
			snprintf(why, len, "step %d (%c %s): actor gone: %s", i + 1,
				 s->actor == A ? 'A' : 'B', op_name[s->op], strerror(-ret));
			return ret;
		}
		if (replaced || got == s->expect)
			continue;
		snprintf(why, len, "step %d (%c %s): expected %d, got %d", i + 1,
			 s->actor == A ? 'A' : 'B', op_name[s->op], s->expect, got);
		return 1;
	}
	return 0;
}

#define PLAY(sc) do { \
		char _why[200] = ""; \
		int _ret = play(self->acs, self->path, &(sc), _why, sizeof(_why)); \
		\
		ASSERT_LE(0, _ret) TH_LOG("%s", _why); \
		EXPECT_EQ(0, _ret) TH_LOG("the kernel did not do what tar's protocol " \
					  "relies on: %s", _why); \
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
	.neg_step = 2, .neg_op = OP_PLACE_NOEXCL,
};

/*
 * A finishes: its symlink is in place and it exits 0.  B, behind in the
 * same archive, meets the symlink as an old file, unlinks it and puts its
 * placeholder there; killed before its end of archive, B leaves it.
 */
static const struct schedule clobber_finished = {
	.what = "A place, check, unlink, symlink, exits 0; B place (EEXIST on the "
		"dangling symlink, unlinks it); B killed: its placeholder stays",
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
	.neg_step = 7, .neg_op = OP_PLACE_NOEXCL,
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
	.neg_step = 5, .neg_op = OP_SYMLINK_REPLACE,
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
	.neg_step = 4, .neg_op = OP_NONE,
};

/*
 * Validate that a placeholder replaced by another process's O_EXCL
 * placeholder is a new inode, so tar's dev/ino check skips the link
 * silently, and that the other's placeholder survives its SIGKILL.
 */
TEST_F(tar_protocol, replay_stolen_placeholder_is_skipped_silently)
{
	PLAY(steal_then_skip);
}

/*
 * Validate that O_CREAT|O_EXCL meets a finished, dangling symlink with
 * EEXIST instead of following it, so a late tar replaces the link with a
 * placeholder that stays when the late tar is killed.
 */
TEST_F(tar_protocol, replay_late_placeholder_clobbers_finished_link)
{
	PLAY(clobber_finished);
}

/*
 * Validate that symlink() onto a name taken between a tar's unlink and
 * symlink fails with EEXIST and does not replace it.
 */
TEST_F(tar_protocol, replay_unlink_window_gives_symlink_eexist)
{
	PLAY(eexist_on_symlink);
}

/*
 * Validate that unlink of a name another process removed between a tar's
 * check and unlink fails with ENOENT, and that tar then makes no link.
 */
TEST_F(tar_protocol, replay_check_window_gives_unlink_enoent)
{
	PLAY(enoent_on_unlink);
}

TEST_HARNESS_MAIN
