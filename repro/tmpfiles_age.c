// SPDX-License-Identifier: GPL-2.0-only
/*
 * systemd-tmpfiles deletes a freshly unpacked tree whose times came from
 * packages.
 *
 * Incident (Fedora lorax): an install root unpacked under /var/tmp from
 * packages carries the packages' old mtimes and atimes.  15 minutes after
 * boot systemd-tmpfiles-clean aged it out of /var/tmp (30d): empty
 * directories such as installroot/proc vanished while the build ran, and
 * /proc/modules with them.  tmpfiles ages directories by atime, birth time
 * and mtime (default age-by "abcmABM"): where the filesystem keeps a birth
 * time the fresh tree is young and survives; where it does not (ext4 made
 * with 128-byte inodes) only the old atime/mtime are left, and it goes.
 * The same happens with a "d" or an "e" line for the cleaned path as with
 * the "q" line of Fedora's tmp.conf.
 *
 * Where there is no birth time, the atimes decide, so the mount's atime
 * option matters (fixture tmpfiles_atime, ext4 with 128-byte inodes):
 * reading the tree (readdir, read) before the clean moves the directories'
 * atimes under strictatime, and under relatime too, because an atime old
 * enough to age out (30 days) is always older than relatime's 24 hours;
 * under noatime nothing moves and the tree goes.  tmpfiles itself opens
 * what it walks with O_NOATIME: a pass that deletes nothing leaves the
 * atimes alone, and the next clean still deletes.
 *
 * Mitigations: hold a BSD lock (flock LOCK_EX) on a directory below the
 * cleaned path - tmpfiles skips what it cannot lock - or exclude the tree
 * with an "x" line.  They are checked against a configuration that ages by
 * atime and mtime only ("amAM:30d"), so that on every filesystem, birth
 * time or not, the protection is all that keeps the tree.
 *
 * Outcomes: a hazard passes when the tree is deleted (reproduced); a
 * behaviour passes when the kernel does what its description says; a
 * mitigation or regression passes when the protection or property holds.
 *
 * Negative control (KREPRO_NEGATIVE=1): every mitigation and regression
 * subtest removes what it depends on and must fail - no flock, no x line,
 * no lock for the first holder, statx asked without STATX_BTIME (where the
 * birth time is a regression).  Hazards and behaviours are unchanged.
 *   build/krepro run -k host -c tmpfiles_age --negative     (or -k KERNEL)
 *   KREPRO_NEGATIVE=1 build/repro/tmpfiles_age              (isolates itself)
 *
 * Each test builds a fresh tree on a fresh filesystem.  The real
 * systemd-tmpfiles, mkfs.ext4 and mkfs.xfs run with generated arguments.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/util.h"

/* 2020-01-01T00:00:00Z, as package payloads carry it. */
#define PACKAGE_TIME 1577836800

/* The incident's age: default age-by (abcmABM), 30 days. */
#define AGE_INCIDENT "30d"
/* Atime and mtime only: the tree is old whether or not there is a birth time. */
#define AGE_WITHOUT_BIRTH "amAM:30d"
/* Older than anything here: a pass that walks the tree and deletes nothing. */
#define AGE_NOTHING "36500d"

/* Run mkfs from the template on image; its exit status, 127 when missing. */
static int make_fs(const char *const tmpl[8], const char *image)
{
	char *argv[10];
	int i;

	for (i = 0; i < 8 && tmpl[i]; i++)
		argv[i] = (char *)tmpl[i];
	argv[i++] = (char *)image;
	argv[i] = NULL;
	return krepro_run_quiet(argv);
}

/*
 * mkfs takes its UUIDs from libuuid, which polls getrandom(GRND_NONBLOCK)
 * and sleeps 125 ms per miss while the kernel's CRNG is not ready, then
 * falls back to time-based UUIDs that poll again: 4 s per mkfs.ext4 and
 * 3.5 s per mkfs.xfs in a TCG guest with no entropy source.  One blocking
 * getrandom makes the kernel generate jitter entropy until the CRNG is
 * ready (about 1 s there, more on a busy host) and ends the polling for
 * the rest of the boot.  Instant where the CRNG is ready, as on any
 * booted host.
 */
static void wait_for_crng(void)
{
	char c;

	while (getrandom(&c, 1, 0) < 0 && errno == EINTR)
		;
}

/*
 * Mount the filesystem under test on target: a tmpfs when mkfs is empty,
 * otherwise mkfs on a sparse image in dir, attached to a loop device that
 * goes away with the mount.  Returns 0 or -errno and names the failed step
 * in *step; a mkfs that fails gives -ECHILD with its exit status in
 * *status (127: not installed).
 */
static int mount_fs(const char *dir, const char *target, const char *fstype,
		    const char *const mkfs[8], unsigned long flags,
		    const char **step, int *status)
{
	char image[PATH_MAX], dev[64];
	int fd, loop, ret;

	*status = 0;
	*step = "mount tmpfs";
	if (!mkfs[0])
		return mount("krepro", target, "tmpfs", flags, "mode=1777") ? -errno : 0;

	*step = "create the image";
	ret = krepro_path(image, sizeof(image), "%s/fs.img", dir);
	if (ret)
		return ret;
	fd = open(image, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	/* xfs wants 300 MiB at least; the file is sparse on tmpfs. */
	ret = ftruncate(fd, 320 << 20) ? -errno : 0;
	close(fd);
	if (ret)
		return ret;

	*step = "run mkfs";
	wait_for_crng();
	ret = make_fs(mkfs, image);
	if (ret < 0)
		return ret;
	if (ret) {
		*status = ret;
		return -ECHILD;
	}

	*step = "attach a loop device";
	loop = krepro_loop_attach(image, false, dev, sizeof(dev));
	if (loop < 0)
		return loop;
	*step = "mount the image";
	ret = mount(dev, target, fstype, flags, NULL) ? -errno : 0;
	close(loop);	/* autoclear: the device goes with the mount */
	return ret;
}

static int set_old_times(const char *path)
{
	struct timespec ts[2] = {
		{ .tv_sec = PACKAGE_TIME }, { .tv_sec = PACKAGE_TIME },
	};

	return utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW) ? -errno : 0;
}

/*
 * An install root as package extraction leaves it: empty mount-point
 * directories (proc, sys), a module tree with a file, all with 2020 times.
 * Children first, so setting a child's times cannot touch its parent's.
 */
static int build_tree(const char *top)
{
	static const char *const dirs[] = {
		"", "/proc", "/sys", "/usr", "/usr/lib", "/usr/lib/modules",
		"/usr/lib/modules/6.0", NULL,
	};
	char path[PATH_MAX], parent[PATH_MAX];
	int i, fd, ret;

	ret = krepro_path(parent, sizeof(parent), "%s", top);
	if (ret)
		return ret;
	*strrchr(parent, '/') = '\0';
	if (mkdir(parent, 0755) && errno != EEXIST)
		return -errno;
	for (i = 0; dirs[i]; i++) {
		ret = krepro_path(path, sizeof(path), "%s%s", top, dirs[i]);
		if (ret)
			return ret;
		if (mkdir(path, 0755))
			return -errno;
	}
	ret = krepro_path(path, sizeof(path), "%s/usr/lib/modules/6.0/modules.dep", top);
	if (ret)
		return ret;
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	close(fd);
	ret = set_old_times(path);
	for (i--; !ret && i >= 0; i--) {
		ret = krepro_path(path, sizeof(path), "%s%s", top, dirs[i]);
		if (!ret)
			ret = set_old_times(path);
	}
	return ret ? ret : set_old_times(parent);
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

static int write_conf(const char *conf, const char *lines)
{
	int fd = open(conf, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, lines, strlen(lines));
	close(fd);
	return n == (ssize_t)strlen(lines) ? 0 : -EIO;
}

/*
 * Write a configuration that cleans fs with one line of the given type
 * ('q' and 'd' as tmp.conf has them, 'e' adjusting an existing directory)
 * and age, plus extra lines, then run systemd-tmpfiles --clean on it.
 * Returns 0, -errno, or the tool's exit status (127: not installed).
 */
static int clean_with(const char *conf, char type, const char *fs,
		      const char *age, const char *extra)
{
	char *argv[] = { "systemd-tmpfiles", "--clean", (char *)conf, NULL };
	char text[2 * PATH_MAX + 64];
	int ret;

	if (!extra)
		extra = "";
	if (type == 'e')
		ret = krepro_path(text, sizeof(text), "e %s - - - %s\n%s", fs, age, extra);
	else
		ret = krepro_path(text, sizeof(text), "%c %s 1777 0 0 %s\n%s", type,
				  fs, age, extra);
	if (!ret)
		ret = write_conf(conf, text);
	return ret ? ret : krepro_run_quiet(argv);
}

/*
 * -errno from clean_with: the configuration could not be written or the
 * tool not started (set-up); an exit status: the clean itself failed.
 */
#define ASSERT_CLEAN_RAN(ret) do {						\
	if ((ret) == 127)							\
		SKIP(return, "systemd-tmpfiles is not available");		\
	KREPRO_SETUP_ASSERT((ret) >= 0, "cannot run systemd-tmpfiles "		\
			    "--clean: %s", strerror(-(ret)));			\
	ASSERT_EQ(0, ret) TH_LOG("systemd-tmpfiles --clean: exit status %d",	\
				 (ret));					\
} while (0)

/* Whether the tree's empty mount-point directory survived. */
static bool proc_survived(const char *tree)
{
	char path[PATH_MAX];

	return !krepro_path(path, sizeof(path), "%s/proc", tree) && !access(path, F_OK);
}

static const char *fate(bool survived)
{
	return survived ? "kept" : "deleted";
}

/* Best effort, from any point of a setup. */
static void release_fs(const char *root)
{
	char fs[PATH_MAX];

	if (!root[0])
		return;
	if (!krepro_path(fs, sizeof(fs), "%s/fs", root))
		umount2(fs, MNT_DETACH);
	krepro_scratch_release(root);
}

/* Scratch tmpfs at root, with fs (the cleaned path), tree and conf inside. */
static int scratch_paths(char *root, char *fs, char *tree, char *conf,
			 const char *tag)
{
	int ret = krepro_scratch_tmpfs(root, PATH_MAX, tag);

	if (!ret)
		ret = krepro_path(fs, PATH_MAX, "%s/fs", root);
	if (!ret)
		ret = krepro_path(tree, PATH_MAX, "%s/lorax.1/installroot", fs);
	if (!ret)
		ret = krepro_path(conf, PATH_MAX, "%s/krepro.conf", root);
	if (!ret && mkdir(fs, 0755))
		ret = -errno;
	return ret;
}

FIXTURE(tmpfiles) {
	char root[PATH_MAX];	/* scratch tmpfs */
	char fs[PATH_MAX];	/* the filesystem under test: the cleaned path */
	char tree[PATH_MAX];	/* fs/lorax.1/installroot */
	char conf[PATH_MAX];
	time_t built;		/* wall clock just before the tree was made */
};

FIXTURE_VARIANT(tmpfiles) {
	const char *label;	/* for messages */
	const char *fstype;	/* "tmpfs", "ext4", "xfs" */
	const char *mkfs[8];	/* NULL for tmpfs; image path appended */
	bool btime;		/* the kernel is known to keep a birth time */
	/*
	 * statx_birth_time_as_expected is a regression here (the case says
	 * so), not a behaviour: the negative control applies to it.
	 */
	bool btime_regression;
};

FIXTURE_VARIANT_ADD(tmpfiles, tmpfs) {
	.label = "tmpfs", .fstype = "tmpfs",
	.btime = true, .btime_regression = true,
};

FIXTURE_VARIANT_ADD(tmpfiles, ext4_256) {
	.label = "ext4 -I 256", .fstype = "ext4",
	.mkfs = { "mkfs.ext4", "-q", "-F", "-I", "256" },
	.btime = true, .btime_regression = true,
};

FIXTURE_VARIANT_ADD(tmpfiles, ext4_128) {
	.label = "ext4 -I 128", .fstype = "ext4",
	.mkfs = { "mkfs.ext4", "-q", "-F", "-I", "128" },
	.btime = false,
};

FIXTURE_VARIANT_ADD(tmpfiles, xfs) {
	.label = "xfs", .fstype = "xfs", .mkfs = { "mkfs.xfs", "-q", "-f" },
	.btime = true,
};

FIXTURE_SETUP(tmpfiles)
{
	const char *step;
	int ret, status;

	self->root[0] = '\0';
	KREPRO_SETUP_OK(krepro_private_mount_ns(), "make a private mount namespace");
	ret = scratch_paths(self->root, self->fs, self->tree, self->conf, "tmpfiles");
	KREPRO_SETUP_OK(ret, "set up a scratch tmpfs");
	ret = mount_fs(self->root, self->fs, variant->fstype, variant->mkfs, 0,
		       &step, &status);
	if (ret == -ECHILD && status == 127)
		SKIP(return, "%s is not available", variant->mkfs[0]);
	if (ret == -ENODEV)
		SKIP(return, "%s is not available in this kernel", variant->fstype);
	KREPRO_SETUP_ASSERT(!ret, "%s: cannot %s: %s (mkfs status %d)", variant->label,
			    step, strerror(-ret), status);
	self->built = time(NULL);
	KREPRO_SETUP_OK(build_tree(self->tree),
			"build the install root with package timestamps");
}

FIXTURE_TEARDOWN(tmpfiles)
{
	release_fs(self->root);
}

/*
 * Validate that statx reports a birth time exactly where the filesystem
 * keeps one, and that it is the tree's creation, not the package time.
 */
TEST_F(tmpfiles, statx_birth_time_as_expected)
{
	unsigned int mask = STATX_BTIME;
	struct statx stx;

	if (krepro_negative() && variant->btime_regression) {
		TH_LOG("negative control: statx asked without STATX_BTIME");
		mask = STATX_BASIC_STATS;
	}
	ASSERT_EQ(0, statx(AT_FDCWD, self->tree, 0, mask, &stx))
		TH_LOG("statx: %s", strerror(errno));
	EXPECT_EQ(variant->btime, !!(stx.stx_mask & STATX_BTIME))
		TH_LOG("%s: expected %s birth time, statx says %s", variant->label,
		       variant->btime ? "a" : "no",
		       stx.stx_mask & STATX_BTIME ? "present" : "absent");
	if (variant->btime && (stx.stx_mask & STATX_BTIME)) {
		EXPECT_LE(self->built - 1, (time_t)stx.stx_btime.tv_sec)
			TH_LOG("%s: birth time %lld is older than the tree (%lld)",
			       variant->label, (long long)stx.stx_btime.tv_sec,
			       (long long)self->built);
	}
}

/*
 * Clean with one line type and age 30d, then expect the tree's old empty
 * directories gone (reproduced only where there is no birth time).  A
 * macro, so that the assertions stay in the test body.
 */
#define EXPECT_CLEAN_DELETES_OLD_TREE(type) do {				\
	int ret = clean_with(self->conf, (type), self->fs, AGE_INCIDENT, NULL);	\
	bool survived;								\
										\
	ASSERT_CLEAN_RAN(ret);							\
	survived = proc_survived(self->tree);					\
	TH_LOG("%c line, 30d, on %s: installroot/proc %s", (type),		\
	       variant->label, fate(survived));					\
	EXPECT_FALSE(survived)							\
		TH_LOG("installroot/proc survived a %c-line clean on %s: "	\
		       "not reproduced", (type), variant->label);		\
} while (0)

/*
 * Validate that a clean with age 30d deletes the old empty directories of
 * a fresh tree (reproduced only where there is no birth time).
 */
TEST_F(tmpfiles, clean_deletes_old_tree)
{
	EXPECT_CLEAN_DELETES_OLD_TREE('q');
}

/* Validate that a "d" line with age 30d ages the old tree out as the "q" line does. */
TEST_F(tmpfiles, d_line_deletes_old_tree)
{
	EXPECT_CLEAN_DELETES_OLD_TREE('d');
}

/* Validate that an "e" line with age 30d ages the old tree out as the "q" line does. */
TEST_F(tmpfiles, e_line_deletes_old_tree)
{
	EXPECT_CLEAN_DELETES_OLD_TREE('e');
}

/* Validate that a directory held with flock(LOCK_EX) survives a clean. */
TEST_F(tmpfiles, flock_protects_tree)
{
	int fd, ret;

	fd = open(self->tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	KREPRO_SETUP_ASSERT(fd >= 0, "cannot open the tree: %s", strerror(errno));
	if (krepro_negative())
		TH_LOG("negative control: the tree is not locked");
	else
		KREPRO_SETUP_OK(flock(fd, LOCK_EX) ? -errno : 0, "lock the tree");
	ret = clean_with(self->conf, 'q', self->fs, AGE_WITHOUT_BIRTH, NULL);
	ASSERT_CLEAN_RAN(ret);
	EXPECT_TRUE(proc_survived(self->tree))
		TH_LOG("the %s tree lost installroot/proc on %s (age %s)",
		       krepro_negative() ? "unlocked" : "locked", variant->label,
		       AGE_WITHOUT_BIRTH);
	close(fd);
}

/* Validate that an "x" line for the tree keeps a clean away from it. */
TEST_F(tmpfiles, x_line_protects_tree)
{
	char extra[PATH_MAX + 8];
	int ret;

	KREPRO_SETUP_OK(krepro_path(extra, sizeof(extra), "x %s/lorax.*\n", self->fs),
			"write the x line");
	if (krepro_negative()) {
		TH_LOG("negative control: no x line");
		extra[0] = '\0';
	}
	ret = clean_with(self->conf, 'q', self->fs, AGE_WITHOUT_BIRTH, extra);
	ASSERT_CLEAN_RAN(ret);
	EXPECT_TRUE(proc_survived(self->tree))
		TH_LOG("the %s tree lost installroot/proc on %s (age %s)",
		       krepro_negative() ? "unexcluded" : "excluded", variant->label,
		       AGE_WITHOUT_BIRTH);
}

/* Validate that an exclusive flock really excludes a second holder. */
TEST_F(tmpfiles, flock_excludes_second_holder)
{
	int a, b, ret, err;

	a = open(self->tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	b = a < 0 ? -1 : open(self->tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
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

/*
 * The tree on ext4 with 128-byte inodes (no birth time: the atimes
 * decide), mounted with one atime option per variant.
 */
FIXTURE(tmpfiles_atime) {
	char root[PATH_MAX];
	char fs[PATH_MAX];
	char tree[PATH_MAX];
	char conf[PATH_MAX];
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
	static const char *const mkfs[8] = { "mkfs.ext4", "-q", "-F", "-I", "128" };
	struct statvfs sv;
	const char *step;
	int ret, status;

	self->root[0] = '\0';
	KREPRO_SETUP_OK(krepro_private_mount_ns(), "make a private mount namespace");
	ret = scratch_paths(self->root, self->fs, self->tree, self->conf, "tmpfiles");
	if (!ret)
		ret = krepro_path(self->proc, sizeof(self->proc), "%s/proc", self->tree);
	KREPRO_SETUP_OK(ret, "set up a scratch tmpfs");
	ret = mount_fs(self->root, self->fs, "ext4", mkfs, variant->flags, &step,
		       &status);
	if (ret == -ECHILD && status == 127)
		SKIP(return, "mkfs.ext4 is not available");
	if (ret == -ENODEV)
		SKIP(return, "ext4 is not available in this kernel");
	KREPRO_SETUP_ASSERT(!ret, "ext4 -o %s: cannot %s: %s (mkfs status %d)",
			    variant->option, step, strerror(-ret), status);
	/* The option must be the one in force, or the test means nothing. */
	KREPRO_SETUP_OK(statvfs(self->fs, &sv) ? -errno : 0, "statvfs the filesystem");
	KREPRO_SETUP_ASSERT(!!(variant->flags & MS_NOATIME) == !!(sv.f_flag & ST_NOATIME),
			    "-o %s: ST_NOATIME is %s", variant->option,
			    sv.f_flag & ST_NOATIME ? "set" : "clear");
	KREPRO_SETUP_ASSERT(!!(variant->flags & MS_RELATIME) == !!(sv.f_flag & ST_RELATIME),
			    "-o %s: ST_RELATIME is %s", variant->option,
			    sv.f_flag & ST_RELATIME ? "set" : "clear");
	KREPRO_SETUP_OK(build_tree(self->tree),
			"build the install root with package timestamps");
}

FIXTURE_TEARDOWN(tmpfiles_atime)
{
	release_fs(self->root);
}

/* Validate that, unread, the old tree loses its empty directories to the clean. */
TEST_F(tmpfiles_atime, clean_without_read)
{
	long long atime = 0;
	bool survived;
	int ret;

	KREPRO_SETUP_OK(atime_of(self->proc, &atime), "read installroot/proc's atime");
	ret = clean_with(self->conf, 'q', self->fs, AGE_INCIDENT, NULL);
	ASSERT_CLEAN_RAN(ret);
	survived = proc_survived(self->tree);
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
	KREPRO_SETUP_OK(read_tree_at(self->tree), "read the tree");
	ASSERT_EQ(0, atime_of(self->proc, &after));
	ret = clean_with(self->conf, 'q', self->fs, AGE_INCIDENT, NULL);
	ASSERT_CLEAN_RAN(ret);
	survived = proc_survived(self->tree);
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

	ret = atime_of(self->tree, &top_before);
	if (!ret)
		ret = atime_of(self->proc, &proc_before);
	KREPRO_SETUP_OK(ret, "read the tree's atimes");
	ret = clean_with(self->conf, 'q', self->fs, AGE_NOTHING, NULL);
	ASSERT_CLEAN_RAN(ret);
	ASSERT_TRUE(proc_survived(self->tree))
		TH_LOG("precondition: a pass with age %s must delete nothing", AGE_NOTHING);
	ASSERT_EQ(0, atime_of(self->tree, &top_after));
	ASSERT_EQ(0, atime_of(self->proc, &proc_after));
	ret = clean_with(self->conf, 'q', self->fs, AGE_INCIDENT, NULL);
	ASSERT_CLEAN_RAN(ret);
	survived = proc_survived(self->tree);
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
