// SPDX-License-Identifier: GPL-2.0-only
/*
 * systemd-tmpfiles deletes a freshly unpacked tree whose times came from
 * packages.
 *
 * Incident (Fedora lorax): an install root unpacked under /var/tmp from
 * packages carries the packages' old mtimes and atimes.  15 minutes after
 * boot systemd-tmpfiles-clean aged it out of /var/tmp (q line, 30d):
 * empty directories such as installroot/proc vanished while the build
 * ran, and /proc/modules with them.  The systemd of the incident (2019)
 * aged directories by atime and mtime only (files by ctime too), so a
 * fresh tree with old times looked old on every filesystem.  systemd 250
 * added the birth time to the default age-by ("abcmABM"): where the
 * filesystem keeps one (tmpfs, ext4 with 256-byte inodes, xfs) the fresh
 * tree is young and survives; where it does not (ext4 made with -I 128)
 * only the old atime and mtime are left, and it still goes.
 *
 * Fixture tmpfiles, one variant per filesystem (tmpfs, ext4_256,
 * ext4_128, xfs), cleans with the incident's age-by made explicit
 * ("acmAM:30d", what the 2019 systemd did): the q, d and e lines delete
 * the tree everywhere (hazards).  The mitigations run against the same
 * clean: a BSD lock (flock LOCK_EX) on the tree - tmpfiles skips what it
 * cannot lock - or an "x" line for it.  Each runs beside an unprotected
 * sibling tree in the same clean and reports the danger shown once the
 * sibling lost its empty directories (declared "guards: within").
 *
 * Fixture tmpfiles_btime (tmpfs, ext4_256, xfs): with today's default
 * age-by, the birth time keeps the fresh tree (regressions: a kernel or
 * filesystem that loses the birth time brings the incident back).
 * Fixture tmpfiles_no_btime (ext4_128): no birth time, and the default
 * age-by deletes the tree (hazard: the incident with today's systemd).
 *
 * Fixture tmpfiles_atime (ext4 -I 128, where the atimes decide) mounted
 * relatime, strictatime or noatime: reading the tree (readdir, read)
 * before the clean moves the directories' atimes under strictatime, and
 * under relatime too, because an atime old enough to age out (30 days) is
 * always older than relatime's 24 hours; under noatime nothing moves and
 * the tree goes.  tmpfiles itself opens what it walks with O_NOATIME: a
 * pass that deletes nothing leaves the atimes alone, and the next clean
 * still deletes.
 *
 * Not modelled: the trigger.  systemd-tmpfiles-clean.timer (OnBootSec=
 * 15min, then daily) only decides when the service runs; the service runs
 * "systemd-tmpfiles --clean", which this reproducer runs itself right
 * after unpacking - the incident's case of a build still in progress.
 * What is deleted depends on the times the clean finds, not on when it
 * runs, and the guest has no systemd as PID 1 to run a timer.
 *
 * Outcomes: a hazard passes when the tree's installroot/proc is deleted
 * (reproduced); a behaviour passes when the kernel does what its
 * description says; a regression or mitigation passes when the property
 * or protection holds.  The package times are read back after they are
 * set; a set-up step that fails is a set-up failure (error), never a
 * verdict.
 *
 * Negative control (KREPRO_NEGATIVE=1): every mitigation and regression
 * removes what it depends on and must fail - no flock (the sibling still
 * shows the danger), no x line, no lock for the first holder, statx asked
 * without STATX_BTIME, a clean that ignores birth time.  Hazards and
 * behaviours are unchanged.
 *   build/krepro run -k host -c tmpfiles_age --negative     (or -k KERNEL)
 *   KREPRO_NEGATIVE=1 build/repro/tmpfiles_age              (isolates itself)
 *
 * Each test builds fresh trees on a fresh filesystem.  The real
 * systemd-tmpfiles (age-by needs systemd 250 or later), mkfs.ext4 and
 * mkfs.xfs run with generated arguments.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/child.h"
#include "lib/fileio.h"
#include "lib/image.h"
#include "lib/util.h"

/* 2020-01-01T00:00:00Z, as package payloads carry it. */
#define PACKAGE_TIME 1577836800

/*
 * The incident's systemd: directories by atime and mtime, files by atime,
 * ctime and mtime.  The tree is old whether or not there is a birth time.
 */
#define AGE_BY_MTIME_ATIME "acmAM:30d"
/* Today's default age-by (abcmABM), 30 days, as Fedora's tmp.conf has it. */
#define AGE_DEFAULT "30d"
/* Older than anything here: a pass that walks the tree and deletes nothing. */
#define AGE_NOTHING "36500d"

/* tmpfiles' exit status for a configuration it could not parse (EX_DATAERR). */
#define TMPFILES_BAD_CONFIG 65

/* A filesystem to test on: tmpfs, or mkfs on an image. */
struct fs_kind {
	const char *label;	/* for messages */
	const char *fstype;	/* "tmpfs", "ext4", "xfs" */
	const char *mkfs_args[4];
};

static const struct fs_kind fs_tmpfs = { .label = "tmpfs", .fstype = "tmpfs" };
static const struct fs_kind fs_ext4_256 = {
	.label = "ext4 -I 256", .fstype = "ext4", .mkfs_args = { "-I", "256" },
};
static const struct fs_kind fs_ext4_128 = {
	.label = "ext4 -I 128", .fstype = "ext4", .mkfs_args = { "-I", "128" },
};
static const struct fs_kind fs_xfs = { .label = "xfs", .fstype = "xfs" };

/*
 * An install root as package extraction leaves it, below lorax.N: empty
 * mount-point directories (proc, sys), a module tree with a file.
 * Parents before children; times are set children first, so that setting
 * a child's cannot touch its parent's.
 */
static const struct {
	const char *rel;	/* below lorax.N */
	bool dir;
} tree_layout[] = {
	{ "", true }, { "/installroot", true }, { "/installroot/proc", true },
	{ "/installroot/sys", true }, { "/installroot/usr", true },
	{ "/installroot/usr/lib", true }, { "/installroot/usr/lib/modules", true },
	{ "/installroot/usr/lib/modules/6.0", true },
	{ "/installroot/usr/lib/modules/6.0/modules.dep", false },
};
#define TREE_ENTRIES (int)(sizeof(tree_layout) / sizeof(*tree_layout))

/* The filesystem under test, its two trees and the clean's files. */
struct fs_under_test {
	char root[PATH_MAX];	/* scratch tmpfs */
	char fs[PATH_MAX];	/* root/fs: the filesystem under test, the cleaned path */
	char top[PATH_MAX];	/* fs/lorax.1: the tree under test (or protected) */
	char tree[PATH_MAX];	/* fs/lorax.1/installroot */
	char sib_top[PATH_MAX];	/* fs/lorax.2: its unprotected sibling */
	char sibling[PATH_MAX];	/* fs/lorax.2/installroot */
	char conf[PATH_MAX];	/* root/krepro.conf */
	char errlog[PATH_MAX];	/* root/tmpfiles.err: the clean's stderr */
	time_t built;		/* wall clock just before the trees were made */
};

static int set_package_times(const char *path)
{
	struct timespec ts[2] = {
		{ .tv_sec = PACKAGE_TIME }, { .tv_sec = PACKAGE_TIME },
	};

	return utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW) ? -errno : 0;
}

static int make_entry(const char *path, bool dir)
{
	int fd;

	if (dir)
		return mkdir(path, 0755) ? -errno : 0;
	fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* Make the tree below top (fs/lorax.N) with package times. */
static int build_tree(const char *top)
{
	char path[PATH_MAX];
	int i, ret = 0;

	for (i = 0; !ret && i < TREE_ENTRIES; i++) {
		ret = krepro_path(path, sizeof(path), "%s%s", top, tree_layout[i].rel);
		if (!ret)
			ret = make_entry(path, tree_layout[i].dir);
	}
	for (i = TREE_ENTRIES - 1; !ret && i >= 0; i--) {
		ret = krepro_path(path, sizeof(path), "%s%s", top, tree_layout[i].rel);
		if (!ret)
			ret = set_package_times(path);
	}
	return ret;
}

/*
 * Read back every entry's times: utimensat may return 0 and the times
 * still not be the package's (a filesystem's granularity or range).
 */
#define ASSERT_PACKAGE_TIMES(top) do {						\
	char _path[PATH_MAX];							\
	struct stat _st;							\
										\
	for (int _i = 0; _i < TREE_ENTRIES; _i++) {				\
		KREPRO_SETUP_OK(krepro_path(_path, sizeof(_path), "%s%s", (top), \
					    tree_layout[_i].rel),		\
				"name a tree entry");				\
		KREPRO_SETUP_OK(lstat(_path, &_st) ? -errno : 0,		\
				"read back the package times");			\
		KREPRO_SETUP_ASSERT(_st.st_atim.tv_sec == PACKAGE_TIME &&	\
				    _st.st_mtim.tv_sec == PACKAGE_TIME &&	\
				    !_st.st_atim.tv_nsec && !_st.st_mtim.tv_nsec, \
				    "the package times did not take on %s: "	\
				    "atime %lld, mtime %lld, expected %d",	\
				    _path, (long long)_st.st_atim.tv_sec,	\
				    (long long)_st.st_mtim.tv_sec, PACKAGE_TIME); \
	}									\
} while (0)

/* The scratch tmpfs at t->root and every path below it. */
static int scratch_paths(struct fs_under_test *t)
{
	int ret = krepro_scratch_tmpfs(t->root, sizeof(t->root), "tmpfiles");

	if (!ret)
		ret = krepro_path(t->fs, sizeof(t->fs), "%s/fs", t->root);
	if (!ret)
		ret = krepro_path(t->top, sizeof(t->top), "%s/lorax.1", t->fs);
	if (!ret)
		ret = krepro_path(t->tree, sizeof(t->tree), "%s/installroot", t->top);
	if (!ret)
		ret = krepro_path(t->sib_top, sizeof(t->sib_top), "%s/lorax.2", t->fs);
	if (!ret)
		ret = krepro_path(t->sibling, sizeof(t->sibling), "%s/installroot",
				  t->sib_top);
	if (!ret)
		ret = krepro_path(t->conf, sizeof(t->conf), "%s/krepro.conf", t->root);
	if (!ret)
		ret = krepro_path(t->errlog, sizeof(t->errlog), "%s/tmpfiles.err", t->root);
	if (!ret && mkdir(t->fs, 0755))
		ret = -errno;
	return ret;
}

/*
 * Mount the filesystem of kind on t->fs: a tmpfs, or mkfs on a sparse
 * image in the scratch tmpfs, on an autoclear loop device.
 */
static int mount_fs(struct fs_under_test *t, const struct fs_kind *kind,
		    unsigned long flags, struct krepro_image *img, char *image)
{
	int ret;

	if (!strcmp(kind->fstype, "tmpfs"))
		return mount("krepro", t->fs, "tmpfs", flags, "mode=1777") ? -errno : 0;
	ret = krepro_path(image, PATH_MAX, "%s/fs.img", t->root);
	if (ret)
		return ret;
	*img = (struct krepro_image){
		/* xfs wants 300 MiB at least; the file is sparse on tmpfs. */
		.path = image, .size = 320 << 20, .fstype = kind->fstype,
		.flags = flags,
	};
	memcpy(img->mkfs_args, kind->mkfs_args, sizeof(kind->mkfs_args));
	return krepro_image_setup(img, t->fs);
}

/* Best effort, from any point of a set-up. */
static void release_fs(struct fs_under_test *t)
{
	if (!t->root[0])
		return;
	umount2(t->fs, MNT_DETACH);
	krepro_scratch_release(t->root);
	t->root[0] = '\0';
}

/*
 * The set-up every fixture shares: a private mount namespace, the
 * filesystem of kind on t->fs mounted with flags (the atime option in
 * force checked when flags name one), the tree and its sibling with
 * package times, read back.  A set-up function, not a helper: it asserts
 * (as set-up failures) and skips for what is missing; the fixture's
 * FIXTURE_SETUP calls it last.
 */
static void setup_trees(struct __test_metadata *_metadata, struct fs_under_test *t,
			const struct fs_kind *kind, unsigned long flags)
{
	struct krepro_image img = { 0 };
	char image[PATH_MAX], why[160];
	struct statvfs sv;
	int ret;

	t->root[0] = '\0';
	KREPRO_SETUP_OK(krepro_private_mount_ns(), "make a private mount namespace");
	KREPRO_SETUP_OK(scratch_paths(t), "set up a scratch tmpfs");
	ret = mount_fs(t, kind, flags, &img, image);
	if (ret && krepro_image_missing(&img, ret, why, sizeof(why))) {
		release_fs(t);	/* no teardown after a set-up that skips */
		SKIP(return, "%s", why);
	}
	if (ret && img.mkfs_status)
		KREPRO_SETUP_ASSERT(0, "%s: cannot run mkfs: %s (mkfs status %d)",
				    kind->label, strerror(-ret), img.mkfs_status);
	KREPRO_SETUP_ASSERT(!ret, "%s: cannot %s: %s", kind->label,
			    img.path ? krepro_image_step_name(&img) : "mount a tmpfs",
			    strerror(-ret));
	if (flags & (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)) {
		/* The option must be the one in force, or the test means nothing. */
		KREPRO_SETUP_OK(statvfs(t->fs, &sv) ? -errno : 0, "statvfs the filesystem");
		KREPRO_SETUP_ASSERT(!!(flags & MS_NOATIME) == !!(sv.f_flag & ST_NOATIME),
				    "ST_NOATIME is %s", sv.f_flag & ST_NOATIME ? "set" : "clear");
		KREPRO_SETUP_ASSERT(!!(flags & MS_RELATIME) == !!(sv.f_flag & ST_RELATIME),
				    "ST_RELATIME is %s",
				    sv.f_flag & ST_RELATIME ? "set" : "clear");
	}
	t->built = time(NULL);
	KREPRO_SETUP_OK(build_tree(t->top), "build the install root with package times");
	KREPRO_SETUP_OK(build_tree(t->sib_top), "build the sibling install root");
	ASSERT_PACKAGE_TIMES(t->top);
	ASSERT_PACKAGE_TIMES(t->sib_top);
}

/* The first line of path into buf (empty when there is none). */
static void first_line(const char *path, char *buf, size_t len)
{
	size_t n;
	char *data;

	buf[0] = '\0';
	if (krepro_read_whole(path, &data, &n))
		return;
	snprintf(buf, len, "%.*s", (int)strcspn(data, "\n"), data);
	free(data);
}

static int write_conf(const char *conf, const char *text)
{
	int fd = open(conf, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644), ret;

	if (fd < 0)
		return -errno;
	ret = krepro_write_full(fd, text, strlen(text));
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}

/*
 * Write a configuration that cleans t->fs with one line of the given
 * type ('q' and 'd' as tmp.conf has them, 'e' adjusting an existing
 * directory) and age, plus extra lines, then run systemd-tmpfiles --clean
 * on it with its stderr in t->errlog.  Returns the tool's exit code
 * (127: not installed, 125: its child set-up failed) or -errno.
 */
static int clean_with(const struct fs_under_test *t, char type, const char *age,
		      const char *extra)
{
	char *argv[] = { "systemd-tmpfiles", "--clean", (char *)t->conf, NULL };
	struct krepro_spawn s = { .argv = argv, .in = -1, .out = -1 };
	char text[2 * PATH_MAX + 64];
	int fd, ret;
	pid_t pid;

	if (!extra)
		extra = "";
	if (type == 'e')
		ret = krepro_path(text, sizeof(text), "e %s - - - %s\n%s", t->fs, age, extra);
	else
		ret = krepro_path(text, sizeof(text), "%c %s 1777 0 0 %s\n%s", type,
				  t->fs, age, extra);
	if (!ret)
		ret = write_conf(t->conf, text);
	if (ret)
		return ret;
	fd = open(t->errlog, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	s.err = fd;
	pid = krepro_spawn(&s);
	close(fd);
	if (pid < 0)
		return pid;
	ret = krepro_child_wait(pid);
	return ret < 0 ? ret : krepro_exit_code(ret);
}

/*
 * The clean ran and succeeded, or the test ends: not installed is a
 * missing feature; a configuration tmpfiles rejects (an age-by older
 * systemd cannot parse) or a clean that could not start is a set-up
 * failure; any other failure of the clean is the test's failure.
 */
#define ASSERT_CLEAN_RAN(t, ret) do {						\
	char _err[256];								\
										\
	if ((ret) == KREPRO_CHILD_EXEC_FAILED)					\
		SKIP(return, "systemd-tmpfiles is not available");		\
	first_line((t)->errlog, _err, sizeof(_err));				\
	KREPRO_SETUP_ASSERT((ret) >= 0, "cannot run systemd-tmpfiles --clean: %s", \
			    strerror(-(ret)));					\
	KREPRO_SETUP_ASSERT((ret) != KREPRO_CHILD_SETUP_FAILED,			\
			    "cannot start systemd-tmpfiles --clean");		\
	KREPRO_SETUP_ASSERT((ret) != TMPFILES_BAD_CONFIG,			\
			    "systemd-tmpfiles rejected the configuration: %s", _err); \
	ASSERT_EQ(0, ret) TH_LOG("systemd-tmpfiles --clean: exit status %d: %s", \
				 (ret), _err);					\
} while (0)

/*
 * Whether the tree's empty mount-point directory survived: gone only when
 * lstat says ENOENT; any other error is an answer of its own, not a fate.
 */
static int proc_fate(const char *tree, bool *survived)
{
	char path[PATH_MAX];
	struct stat st;
	int ret;

	ret = krepro_path(path, sizeof(path), "%s/proc", tree);
	if (ret)
		return ret;
	if (!lstat(path, &st)) {
		*survived = true;
		return 0;
	}
	if (errno != ENOENT)
		return -errno;
	*survived = false;
	return 0;
}

/* The fate of tree/proc into the bool survived, or the test fails. */
#define ASSERT_FATE(tree, survived) do {						int _fret = proc_fate((tree), &(survived));															ASSERT_EQ(0, _fret) TH_LOG("cannot tell whether %s/proc survived: %s",					   (tree), strerror(-_fret));			} while (0)

static const char *fate(bool survived)
{
	return survived ? "kept" : "deleted";
}

/*
 * Fixture tmpfiles: every filesystem, the incident's age-by (atime and
 * mtime), the mitigations beside an unprotected sibling.
 */
FIXTURE(tmpfiles) {
	struct fs_under_test t;
};

FIXTURE_VARIANT(tmpfiles) {
	const struct fs_kind *kind;
};

FIXTURE_VARIANT_ADD(tmpfiles, tmpfs) { .kind = &fs_tmpfs };
FIXTURE_VARIANT_ADD(tmpfiles, ext4_256) { .kind = &fs_ext4_256 };
FIXTURE_VARIANT_ADD(tmpfiles, ext4_128) { .kind = &fs_ext4_128 };
FIXTURE_VARIANT_ADD(tmpfiles, xfs) { .kind = &fs_xfs };

FIXTURE_SETUP(tmpfiles)
{
	setup_trees(_metadata, &self->t, variant->kind, 0);
}

FIXTURE_TEARDOWN(tmpfiles)
{
	release_fs(&self->t);
}

/*
 * Clean with one line type by atime and mtime, 30 days, then expect the
 * tree's old empty directories gone.  A macro, so that the assertions
 * stay in the test body.
 */
#define EXPECT_MTIME_ATIME_CLEAN_DELETES(type) do {				\
	int _ret = clean_with(&self->t, (type), AGE_BY_MTIME_ATIME, NULL);	\
	bool _survived = true;							\
										\
	ASSERT_CLEAN_RAN(&self->t, _ret);					\
	ASSERT_FATE(self->t.tree, _survived);					\
	TH_LOG("%c line, %s, on %s: installroot/proc %s", (type),		\
	       AGE_BY_MTIME_ATIME, variant->kind->label, fate(_survived));	\
	EXPECT_FALSE(_survived)							\
		TH_LOG("installroot/proc survived a %c-line clean by atime and " \
		       "mtime on %s: not reproduced", (type),			\
		       variant->kind->label);					\
} while (0)

/*
 * Validate that a clean by atime and mtime, 30 days (the incident's
 * systemd), deletes the fresh tree's old empty directories.
 */
TEST_F(tmpfiles, q_line_by_mtime_atime_deletes_fresh_tree)
{
	EXPECT_MTIME_ATIME_CLEAN_DELETES('q');
}

/* Validate that a "d" line ages the fresh tree out as the "q" line does. */
TEST_F(tmpfiles, d_line_by_mtime_atime_deletes_fresh_tree)
{
	EXPECT_MTIME_ATIME_CLEAN_DELETES('d');
}

/* Validate that an "e" line ages the fresh tree out as the "q" line does. */
TEST_F(tmpfiles, e_line_by_mtime_atime_deletes_fresh_tree)
{
	EXPECT_MTIME_ATIME_CLEAN_DELETES('e');
}

/*
 * After a mitigation's clean: the protected tree's fate into kept, both
 * fates logged, and the danger said to have shown when the unprotected
 * sibling lost its empty directories in that same clean.
 */
#define FATES_WITH_SIBLING(what, kept) do {					\
	bool _sib = true;							\
										\
	ASSERT_FATE(self->t.tree, (kept));					\
	ASSERT_FATE(self->t.sibling, _sib);					\
	TH_LOG("%s: the %s tree's installroot/proc %s, the unprotected "	\
	       "sibling's %s", variant->kind->label, (what), fate(kept),	\
	       fate(_sib));							\
	if (!_sib)								\
		KREPRO_DANGER_SHOWN("the unprotected sibling tree lost "	\
				    "installroot/proc in the same clean");	\
} while (0)

/*
 * Validate that the tree held with flock(LOCK_EX) survives a clean by
 * atime and mtime that deletes its unlocked sibling.
 */
TEST_F(tmpfiles, flock_protects_tree)
{
	bool kept = false;
	int fd, ret;

	fd = open(self->t.tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	KREPRO_SETUP_ASSERT(fd >= 0, "cannot open the tree: %s", strerror(errno));
	if (krepro_negative())
		TH_LOG("negative control: the tree is not locked");
	else
		KREPRO_SETUP_OK(flock(fd, LOCK_EX) ? -errno : 0, "lock the tree");
	ret = clean_with(&self->t, 'q', AGE_BY_MTIME_ATIME, NULL);
	ASSERT_CLEAN_RAN(&self->t, ret);
	FATES_WITH_SIBLING(krepro_negative() ? "unlocked" : "locked", kept);
	EXPECT_TRUE(kept)
		TH_LOG("the %s tree lost installroot/proc on %s",
		       krepro_negative() ? "unlocked" : "locked", variant->kind->label);
	close(fd);
}

/*
 * Validate that an "x" line for the tree keeps a clean by atime and mtime
 * away from it while the clean deletes its sibling.
 */
TEST_F(tmpfiles, x_line_protects_tree)
{
	char extra[PATH_MAX + 8];
	bool kept = false;
	int ret;

	KREPRO_SETUP_OK(krepro_path(extra, sizeof(extra), "x %s\n", self->t.top),
			"write the x line");
	if (krepro_negative()) {
		TH_LOG("negative control: no x line");
		extra[0] = '\0';
	}
	ret = clean_with(&self->t, 'q', AGE_BY_MTIME_ATIME, extra);
	ASSERT_CLEAN_RAN(&self->t, ret);
	FATES_WITH_SIBLING(krepro_negative() ? "unexcluded" : "excluded", kept);
	EXPECT_TRUE(kept)
		TH_LOG("the %s tree lost installroot/proc on %s",
		       krepro_negative() ? "unexcluded" : "excluded",
		       variant->kind->label);
}

/* Validate that an exclusive flock really excludes a second holder. */
TEST_F(tmpfiles, flock_excludes_second_holder)
{
	int a, b, ret, err;

	a = open(self->t.tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	b = a < 0 ? -1 : open(self->t.tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	KREPRO_SETUP_ASSERT(b >= 0, "cannot open the tree twice: %s", strerror(errno));
	if (krepro_negative())
		TH_LOG("negative control: the first holder takes no lock");
	else
		KREPRO_SETUP_OK(flock(a, LOCK_EX) ? -errno : 0,
				"lock the tree for the first holder");
	ret = flock(b, LOCK_SH | LOCK_NB);
	err = errno;
	EXPECT_EQ(-1, ret)
		TH_LOG("a second open file took a shared lock beside LOCK_EX");
	if (ret == -1) {
		EXPECT_EQ(EWOULDBLOCK, err)
			TH_LOG("expected EWOULDBLOCK, seen %s", strerror(err));
	}
	close(a);
	close(b);
}

/* Fixture tmpfiles_btime: the filesystems that keep a birth time. */
FIXTURE(tmpfiles_btime) {
	struct fs_under_test t;
};

FIXTURE_VARIANT(tmpfiles_btime) {
	const struct fs_kind *kind;
};

FIXTURE_VARIANT_ADD(tmpfiles_btime, tmpfs) { .kind = &fs_tmpfs };
FIXTURE_VARIANT_ADD(tmpfiles_btime, ext4_256) { .kind = &fs_ext4_256 };
FIXTURE_VARIANT_ADD(tmpfiles_btime, xfs) { .kind = &fs_xfs };

FIXTURE_SETUP(tmpfiles_btime)
{
	setup_trees(_metadata, &self->t, variant->kind, 0);
}

FIXTURE_TEARDOWN(tmpfiles_btime)
{
	release_fs(&self->t);
}

/*
 * Validate that statx reports a birth time for the tree, and that it is
 * the tree's creation, not the package time.
 */
TEST_F(tmpfiles_btime, statx_reports_birth_time)
{
	unsigned int mask = STATX_BTIME;
	struct statx stx;

	if (krepro_negative()) {
		TH_LOG("negative control: statx asked without STATX_BTIME");
		mask = STATX_BASIC_STATS;
	}
	ASSERT_EQ(0, statx(AT_FDCWD, self->t.tree, 0, mask, &stx))
		TH_LOG("statx: %s", strerror(errno));
	ASSERT_TRUE(!!(stx.stx_mask & STATX_BTIME))
		TH_LOG("%s: no birth time from statx", variant->kind->label);
	EXPECT_LE(self->t.built - 1, (time_t)stx.stx_btime.tv_sec)
		TH_LOG("%s: birth time %lld is older than the tree (%lld)",
		       variant->kind->label, (long long)stx.stx_btime.tv_sec,
		       (long long)self->t.built);
}

/*
 * Validate that the birth time keeps the fresh tree through a clean with
 * today's default age-by, 30 days.
 */
TEST_F(tmpfiles_btime, default_age_by_keeps_fresh_tree)
{
	const char *age = AGE_DEFAULT;
	bool survived;
	int ret;

	if (krepro_negative()) {
		TH_LOG("negative control: the clean ignores the birth time (%s)",
		       AGE_BY_MTIME_ATIME);
		age = AGE_BY_MTIME_ATIME;
	}
	ret = clean_with(&self->t, 'q', age, NULL);
	ASSERT_CLEAN_RAN(&self->t, ret);
	ASSERT_FATE(self->t.tree, survived);
	TH_LOG("q line, %s, on %s: installroot/proc %s", age, variant->kind->label,
	       fate(survived));
	EXPECT_TRUE(survived)
		TH_LOG("%s: the fresh tree lost installroot/proc despite its birth time",
		       variant->kind->label);
}

/* Fixture tmpfiles_no_btime: ext4 with 128-byte inodes, no birth time. */
FIXTURE(tmpfiles_no_btime) {
	struct fs_under_test t;
};

FIXTURE_VARIANT(tmpfiles_no_btime) {
	const struct fs_kind *kind;
};

FIXTURE_VARIANT_ADD(tmpfiles_no_btime, ext4_128) { .kind = &fs_ext4_128 };

FIXTURE_SETUP(tmpfiles_no_btime)
{
	setup_trees(_metadata, &self->t, variant->kind, 0);
}

FIXTURE_TEARDOWN(tmpfiles_no_btime)
{
	release_fs(&self->t);
}

/* Validate that statx reports no birth time: 128-byte inodes have no room. */
TEST_F(tmpfiles_no_btime, statx_reports_no_birth_time)
{
	struct statx stx;

	ASSERT_EQ(0, statx(AT_FDCWD, self->t.tree, 0, STATX_BTIME, &stx))
		TH_LOG("statx: %s", strerror(errno));
	EXPECT_FALSE(!!(stx.stx_mask & STATX_BTIME))
		TH_LOG("%s: statx reports a birth time (%lld)", variant->kind->label,
		       (long long)stx.stx_btime.tv_sec);
}

/*
 * Validate that without a birth time a clean with today's default
 * age-by, 30 days, deletes the fresh tree's old empty directories: the
 * incident with today's systemd.
 */
TEST_F(tmpfiles_no_btime, default_age_by_deletes_fresh_tree)
{
	bool survived;
	int ret;

	ret = clean_with(&self->t, 'q', AGE_DEFAULT, NULL);
	ASSERT_CLEAN_RAN(&self->t, ret);
	ASSERT_FATE(self->t.tree, survived);
	TH_LOG("q line, %s, on %s: installroot/proc %s", AGE_DEFAULT,
	       variant->kind->label, fate(survived));
	EXPECT_FALSE(survived)
		TH_LOG("%s: the fresh tree survived the clean: not reproduced",
		       variant->kind->label);
}

/*
 * What a build does with the tree before the clean: list every directory
 * and read every file, without O_NOATIME.  Takes over fd_dir.
 */
static int read_tree(int fd_dir)
{
	struct dirent *de;
	struct stat st;
	char buf[4096];
	ssize_t n;
	DIR *dir;
	int fd, ret = 0;

	dir = fdopendir(fd_dir);
	if (!dir) {
		ret = -errno;
		close(fd_dir);
		return ret;
	}
	while (!ret) {
		errno = 0;
		de = readdir(dir);
		if (!de) {
			ret = errno ? -errno : 0;
			break;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		fd = openat(dirfd(dir), de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			ret = -errno;
			break;
		}
		if (fstat(fd, &st)) {
			ret = -errno;
			close(fd);
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			ret = read_tree(fd);
			continue;
		}
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			;
		if (n < 0)
			ret = -errno;
		close(fd);
	}
	closedir(dir);
	return ret;
}

static int read_tree_at(const char *top)
{
	int fd = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	return fd < 0 ? -errno : read_tree(fd);
}

/* The atime of path, in seconds. */
static int atime_of(const char *path, long long *sec)
{
	struct stat st;

	if (lstat(path, &st))
		return -errno;
	*sec = st.st_atim.tv_sec;
	return 0;
}

/*
 * Fixture tmpfiles_atime: the tree on ext4 with 128-byte inodes (no birth
 * time: the atimes decide), mounted with one atime option per variant.
 */
FIXTURE(tmpfiles_atime) {
	struct fs_under_test t;
	char proc[PATH_MAX];	/* tree/proc: empty, deleted when old */
};

FIXTURE_VARIANT(tmpfiles_atime) {
	const char *option;
	unsigned long flags;
	bool read_moves_atime;	/* for an atime 30 days old, as documented */
};

FIXTURE_VARIANT_ADD(tmpfiles_atime, relatime) {
	.option = "relatime", .flags = MS_RELATIME, .read_moves_atime = true,
};

FIXTURE_VARIANT_ADD(tmpfiles_atime, strictatime) {
	.option = "strictatime", .flags = MS_STRICTATIME, .read_moves_atime = true,
};

FIXTURE_VARIANT_ADD(tmpfiles_atime, noatime) {
	.option = "noatime", .flags = MS_NOATIME, .read_moves_atime = false,
};

FIXTURE_SETUP(tmpfiles_atime)
{
	setup_trees(_metadata, &self->t, &fs_ext4_128, variant->flags);
	if (_metadata->exit_code)
		return;		/* skipped */
	KREPRO_SETUP_OK(krepro_path(self->proc, sizeof(self->proc), "%s/proc",
				    self->t.tree), "name installroot/proc");
}

FIXTURE_TEARDOWN(tmpfiles_atime)
{
	release_fs(&self->t);
}

/* Validate that, unread, the old tree loses its empty directories to the clean. */
TEST_F(tmpfiles_atime, clean_without_read)
{
	long long atime = 0;
	bool survived;
	int ret;

	KREPRO_SETUP_OK(atime_of(self->proc, &atime), "read installroot/proc's atime");
	ret = clean_with(&self->t, 'q', AGE_DEFAULT, NULL);
	ASSERT_CLEAN_RAN(&self->t, ret);
	ASSERT_FATE(self->t.tree, survived);
	TH_LOG("-o %s, no read: installroot/proc atime %lld, %s by the clean",
	       variant->option, atime, fate(survived));
	EXPECT_FALSE(survived)
		TH_LOG("-o %s: the unread tree survived the clean", variant->option);
}

/*
 * Validate that reading the tree before the clean moves its directories'
 * atimes as the mount option says, and that the tree survives the clean
 * exactly when they moved.
 */
TEST_F(tmpfiles_atime, clean_after_read)
{
	long long before = 0, after = 0;
	bool survived;
	int ret;

	KREPRO_SETUP_OK(atime_of(self->proc, &before), "read installroot/proc's atime");
	KREPRO_SETUP_OK(read_tree_at(self->t.tree), "read the tree");
	ASSERT_EQ(0, atime_of(self->proc, &after));
	ret = clean_with(&self->t, 'q', AGE_DEFAULT, NULL);
	ASSERT_CLEAN_RAN(&self->t, ret);
	ASSERT_FATE(self->t.tree, survived);
	TH_LOG("-o %s, read: installroot/proc atime %lld before the read, %lld after; %s by the clean",
	       variant->option, before, after, fate(survived));
	EXPECT_EQ(variant->read_moves_atime, after != before)
		TH_LOG("-o %s: expected the read to %s the atime", variant->option,
		       variant->read_moves_atime ? "move" : "keep");
	EXPECT_EQ(variant->read_moves_atime, survived)
		TH_LOG("-o %s: expected installroot/proc %s", variant->option,
		       fate(variant->read_moves_atime));
}

/*
 * Validate that a tmpfiles pass that deletes nothing leaves the tree's
 * atimes as they were (it walks with O_NOATIME), so the 30d clean that
 * follows still deletes the old tree.
 */
TEST_F(tmpfiles_atime, clean_after_tmpfiles_pass)
{
	long long top_before = 0, top_after = 0, proc_before = 0, proc_after = 0;
	bool survived;
	int ret;

	ret = atime_of(self->t.tree, &top_before);
	if (!ret)
		ret = atime_of(self->proc, &proc_before);
	KREPRO_SETUP_OK(ret, "read the tree's atimes");
	ret = clean_with(&self->t, 'q', AGE_NOTHING, NULL);
	ASSERT_CLEAN_RAN(&self->t, ret);
	ASSERT_FATE(self->t.tree, survived);
	ASSERT_TRUE(survived)
		TH_LOG("precondition: a pass with age %s must delete nothing", AGE_NOTHING);
	ASSERT_EQ(0, atime_of(self->t.tree, &top_after));
	ASSERT_EQ(0, atime_of(self->proc, &proc_after));
	ret = clean_with(&self->t, 'q', AGE_DEFAULT, NULL);
	ASSERT_CLEAN_RAN(&self->t, ret);
	ASSERT_FATE(self->t.tree, survived);
	TH_LOG("-o %s, tmpfiles pass: atime installroot %lld -> %lld, installroot/proc %lld -> %lld; %s by the next clean",
	       variant->option, top_before, top_after, proc_before, proc_after,
	       fate(survived));
	EXPECT_EQ(top_before, top_after)
		TH_LOG("-o %s: the pass moved installroot's atime", variant->option);
	EXPECT_EQ(proc_before, proc_after)
		TH_LOG("-o %s: the pass moved installroot/proc's atime", variant->option);
	EXPECT_FALSE(survived)
		TH_LOG("-o %s: the tree survived the clean after a tmpfiles pass",
		       variant->option);
}

TEST_HARNESS_MAIN
