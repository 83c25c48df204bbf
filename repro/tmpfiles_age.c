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
 *
 * Mitigations: hold a BSD lock (flock LOCK_EX) on a directory below the
 * cleaned path - tmpfiles skips what it cannot lock - or exclude the tree
 * with an "x" line.  Their negative control is clean_deletes_old_tree on
 * the filesystem without birth time: the same tree, protection off.
 *
 * Each test builds a fresh tree: tmpfiles' own traversal moves atimes.
 * The real systemd-tmpfiles runs with a generated configuration.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/util.h"

/* 2020-01-01T00:00:00Z, as package payloads carry it. */
#define PACKAGE_TIME 1577836800

FIXTURE(tmpfiles) {
	char root[PATH_MAX];	/* scratch tmpfs */
	char fs[PATH_MAX];	/* the filesystem under test: the cleaned path */
	char tree[PATH_MAX];	/* fs/lorax.1/installroot */
	char conf[PATH_MAX];
};

FIXTURE_VARIANT(tmpfiles) {
	const char *fstype;	/* "tmpfs", "ext4", "xfs" */
	const char *mkfs[8];	/* NULL for tmpfs; image path appended */
	bool btime;		/* the kernel is known to keep a birth time */
};

FIXTURE_VARIANT_ADD(tmpfiles, tmpfs) {
	.fstype = "tmpfs", .btime = true,
};

FIXTURE_VARIANT_ADD(tmpfiles, ext4_256) {
	.fstype = "ext4", .mkfs = { "mkfs.ext4", "-q", "-F", "-I", "256" },
	.btime = true,
};

FIXTURE_VARIANT_ADD(tmpfiles, ext4_128) {
	.fstype = "ext4", .mkfs = { "mkfs.ext4", "-q", "-F", "-I", "128" },
	.btime = false,
};

FIXTURE_VARIANT_ADD(tmpfiles, xfs) {
	.fstype = "xfs", .mkfs = { "mkfs.xfs", "-q", "-f" }, .btime = true,
};

/* Run mkfs from the variant on image; 127 when the tool is missing. */
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

/* systemd-tmpfiles --clean CONF: its exit status, 127 if missing. */
static int tmpfiles_clean(const char *conf)
{
	char *argv[] = { "systemd-tmpfiles", "--clean", (char *)conf, NULL };

	return krepro_run_quiet(argv);
}

/* Whether the tree's empty mount-point directory survived. */
static bool proc_survived(const char *tree)
{
	char path[PATH_MAX];

	return !krepro_path(path, sizeof(path), "%s/proc", tree) && !access(path, F_OK);
}

FIXTURE_SETUP(tmpfiles)
{
	char image[PATH_MAX], dev[64];
	int ret, loop, fd;

	self->root[0] = '\0';
	ASSERT_EQ(0, krepro_private_mount_ns());
	ret = krepro_scratch_tmpfs(self->root, sizeof(self->root), "tmpfiles");
	ASSERT_EQ(0, ret) TH_LOG("cannot mount a scratch tmpfs: %s", strerror(-ret));
	ASSERT_EQ(0, krepro_path(self->fs, sizeof(self->fs), "%s/fs", self->root));
	ASSERT_EQ(0, krepro_path(self->tree, sizeof(self->tree),
				 "%s/lorax.1/installroot", self->fs));
	ASSERT_EQ(0, krepro_path(self->conf, sizeof(self->conf), "%s/krepro.conf",
				 self->root));
	ASSERT_EQ(0, mkdir(self->fs, 0755));

	if (!variant->mkfs[0]) {
		ASSERT_EQ(0, mount("krepro", self->fs, "tmpfs", 0, "mode=1777"));
	} else {
		ASSERT_EQ(0, krepro_path(image, sizeof(image), "%s/fs.img", self->root));
		fd = open(image, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
		ASSERT_LE(0, fd);
		/* xfs wants 300 MiB at least; the file is sparse on tmpfs. */
		ASSERT_EQ(0, ftruncate(fd, 320 << 20));
		close(fd);
		ret = make_fs(variant->mkfs, image);
		if (ret == 127)
			SKIP(return, "%s is not available", variant->mkfs[0]);
		ASSERT_EQ(0, ret) TH_LOG("%s failed with status %d", variant->mkfs[0], ret);
		loop = krepro_loop_attach(image, false, dev, sizeof(dev));
		ASSERT_LE(0, loop) TH_LOG("cannot attach a loop device: %s", strerror(-loop));
		ret = mount(dev, self->fs, variant->fstype, 0, NULL) ? -errno : 0;
		close(loop);	/* autoclear: the device goes with the mount */
		if (ret == -ENODEV)
			SKIP(return, "%s is not available in this kernel", variant->fstype);
		ASSERT_EQ(0, ret) TH_LOG("cannot mount %s: %s", variant->fstype,
					 strerror(-ret));
	}
	ret = build_tree(self->tree);
	ASSERT_EQ(0, ret) TH_LOG("cannot build the install root: %s", strerror(-ret));
}

FIXTURE_TEARDOWN(tmpfiles)
{
	char fs[PATH_MAX];

	if (!self->root[0])
		return;
	if (!krepro_path(fs, sizeof(fs), "%s/fs", self->root))
		umount2(fs, MNT_DETACH);
	krepro_scratch_release(self->root);
}

/* The config of the incident: the cleaned path ages out after 30 days. */
static int conf_30d(const char *conf, const char *fs, const char *extra)
{
	char text[2 * PATH_MAX + 64];
	int ret = krepro_path(text, sizeof(text), "q %s 1777 0 0 30d\n%s", fs,
			      extra ? extra : "");

	return ret ? ret : write_conf(conf, text);
}

/* Validate that statx reports a birth time exactly where the filesystem keeps one. */
TEST_F(tmpfiles, statx_birth_time_as_expected)
{
	struct statx stx;

	ASSERT_EQ(0, statx(AT_FDCWD, self->tree, 0, STATX_BTIME, &stx))
		TH_LOG("statx: %s", strerror(errno));
	EXPECT_EQ(variant->btime, !!(stx.stx_mask & STATX_BTIME))
		TH_LOG("%s: expected %s birth time, statx says %s", variant->fstype,
		       variant->btime ? "a" : "no",
		       stx.stx_mask & STATX_BTIME ? "present" : "absent");
}

/*
 * Validate that a clean with age 30d deletes the old empty directories of
 * a fresh tree (reproduced only where there is no birth time).
 */
TEST_F(tmpfiles, clean_deletes_old_tree)
{
	int ret;

	ASSERT_EQ(0, conf_30d(self->conf, self->fs, NULL));
	ret = tmpfiles_clean(self->conf);
	if (ret == 127)
		SKIP(return, "systemd-tmpfiles is not available");
	ASSERT_EQ(0, ret) TH_LOG("systemd-tmpfiles --clean exited %d", ret);
	EXPECT_FALSE(proc_survived(self->tree))
		TH_LOG("installroot/proc survived the clean on %s: not reproduced",
		       variant->fstype);
}

/* Validate that a directory held with flock(LOCK_EX) survives a clean. */
TEST_F(tmpfiles, flock_protects_tree)
{
	int fd, ret;

	ASSERT_EQ(0, conf_30d(self->conf, self->fs, NULL));
	fd = open(self->tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, flock(fd, LOCK_EX)) TH_LOG("flock: %s", strerror(errno));
	ret = tmpfiles_clean(self->conf);
	if (ret == 127)
		SKIP(return, "systemd-tmpfiles is not available");
	ASSERT_EQ(0, ret);
	EXPECT_TRUE(proc_survived(self->tree))
		TH_LOG("the locked tree lost installroot/proc on %s", variant->fstype);
	close(fd);
}

/* Validate that an "x" line for the tree keeps a clean away from it. */
TEST_F(tmpfiles, x_line_protects_tree)
{
	char extra[PATH_MAX + 8];
	int ret;

	ASSERT_EQ(0, krepro_path(extra, sizeof(extra), "x %s/lorax.*\n", self->fs));
	ASSERT_EQ(0, conf_30d(self->conf, self->fs, extra));
	ret = tmpfiles_clean(self->conf);
	if (ret == 127)
		SKIP(return, "systemd-tmpfiles is not available");
	ASSERT_EQ(0, ret);
	EXPECT_TRUE(proc_survived(self->tree))
		TH_LOG("the excluded tree lost installroot/proc on %s", variant->fstype);
}

/* Validate that an exclusive flock really excludes a second holder. */
TEST_F(tmpfiles, flock_excludes_second_holder)
{
	int a, b;

	a = open(self->tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	b = open(self->tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_EQ(0, flock(a, LOCK_EX));
	EXPECT_EQ(-1, flock(b, LOCK_SH | LOCK_NB))
		TH_LOG("a second open file took a shared lock beside LOCK_EX");
	EXPECT_EQ(EWOULDBLOCK, errno);
	close(a);
	close(b);
}

TEST_HARNESS_MAIN
