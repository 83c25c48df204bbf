// SPDX-License-Identifier: GPL-2.0-only
/*
 * repro/lib/image.c: sparse image, real mkfs, autoclear loop device,
 * mount.  Runs as root; every test works in a private mount namespace on
 * a scratch tmpfs, so its mounts die with it and its loop devices with
 * them (which one test checks).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/fileio.h"
#include "lib/image.h"
#include "lib/util.h"
#include "wire.h"

#define EXT4_MAGIC	0xEF53
#define XFS_MAGIC	0x58465342

FIXTURE(image) {
	char root[PATH_MAX];
	char path[PATH_MAX];	/* root/fs.img */
	char mnt[PATH_MAX];	/* root/mnt */
};

FIXTURE_SETUP(image)
{
	int ret;

	self->root[0] = '\0';
	if (geteuid())
		SKIP(return, "needs root (mounts and loop devices)");
	KREPRO_SETUP_OK(krepro_private_mount_ns(), "make a private mount namespace");
	ret = krepro_scratch_tmpfs(self->root, sizeof(self->root), "image-test");
	if (!ret)
		ret = krepro_path(self->path, sizeof(self->path), "%s/fs.img", self->root);
	if (!ret)
		ret = krepro_path(self->mnt, sizeof(self->mnt), "%s/mnt", self->root);
	if (!ret && mkdir(self->mnt, 0755))
		ret = -errno;
	KREPRO_SETUP_OK(ret, "set up a scratch tmpfs");
}

FIXTURE_TEARDOWN(image)
{
	if (!self->root[0])
		return;
	umount2(self->mnt, MNT_DETACH);
	krepro_scratch_release(self->root);
}

/* The backing file of loop device dev, or -ENXIO once it has none. */
static int loop_backing(const char *dev, struct loop_info64 *info)
{
	int fd = open(dev, O_RDONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (ioctl(fd, LOOP_GET_STATUS64, info))
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * Whether dev stopped being backed by path within five seconds: the
 * kernel may run an autoclear rundown after the last close returned, and
 * another process may have taken the freed device meanwhile.
 */
static bool loop_released(const char *dev, const char *path)
{
	struct timespec tick = { .tv_nsec = 20 * 1000 * 1000 };
	struct loop_info64 info;
	int i, ret;

	for (i = 0; i < 250; i++) {
		ret = loop_backing(dev, &info);
		if (ret == -ENXIO ||
		    (!ret && strncmp((char *)info.lo_file_name, path, LO_NAME_SIZE - 1)))
			return true;
		nanosleep(&tick, NULL);
	}
	return false;
}

/* SKIP for what this system lacks, with the helper's own reason. */
#define SKIP_IF_MISSING(img, ret) do {						\
	char _why[160];								\
										\
	if ((ret) && krepro_image_missing((img), (ret), _why, sizeof(_why)))	\
		SKIP(return, "%s", _why);					\
} while (0)

/* Validate that create makes a sparse file of the asked size. */
TEST_F(image, create_makes_sparse_file_of_size)
{
	struct krepro_image img = { .path = self->path, .size = 64 << 20 };
	struct stat st;

	ASSERT_EQ(0, krepro_image_create(&img));
	ASSERT_EQ((int)KREPRO_IMAGE_CREATE, (int)img.step);
	ASSERT_EQ(0, stat(self->path, &st)) TH_LOG("stat: %s", strerror(errno));
	EXPECT_EQ(64 << 20, st.st_size);
	EXPECT_EQ(0, st.st_blocks) TH_LOG("%lld blocks allocated", (long long)st.st_blocks);
	EXPECT_EQ(0600U, st.st_mode & 07777);
}

/* Validate that create refuses a path that exists: an image is never reused by accident. */
TEST_F(image, create_refuses_existing_file)
{
	struct krepro_image img = { .path = self->path, .size = 1 << 20 };

	ASSERT_EQ(0, krepro_image_create(&img));
	EXPECT_EQ(-EEXIST, krepro_image_create(&img));
	EXPECT_STREQ("create the image file", krepro_image_step_name(&img));
}

/* Validate that a mkfs that is not installed is a missing feature with its name. */
TEST_F(image, mkfs_not_installed_is_missing_feature)
{
	struct krepro_image img = {
		.path = self->path, .size = 1 << 20, .fstype = "krepro-nofs",
	};
	char why[160] = "";
	int ret;

	ret = krepro_image_setup(&img, self->mnt);
	ASSERT_EQ(-ENOENT, ret) TH_LOG("setup: %s", strerror(-ret));
	EXPECT_EQ((int)KREPRO_IMAGE_MKFS, (int)img.step);
	EXPECT_TRUE(krepro_image_missing(&img, ret, why, sizeof(why)));
	EXPECT_STREQ("mkfs.krepro-nofs is not available", why);
}

/* Validate that a mkfs that fails is an error, with its exit status kept. */
TEST_F(image, mkfs_failure_is_error_with_exit_status)
{
	struct krepro_image img = {
		.path = self->path, .size = 64 << 20, .fstype = "ext4",
		.mkfs_args = { "-I", "7" },	/* not an inode size */
	};
	char why[160];
	int ret;

	ret = krepro_image_setup(&img, self->mnt);
	SKIP_IF_MISSING(&img, ret);
	ASSERT_EQ(-EIO, ret) TH_LOG("setup: %s", strerror(-ret));
	EXPECT_EQ((int)KREPRO_IMAGE_MKFS, (int)img.step);
	EXPECT_NE(0, img.mkfs_status);
	EXPECT_FALSE(krepro_image_missing(&img, ret, why, sizeof(why)));
}

/*
 * Validate that setup mounts a writable ext4 made with the given options
 * (-I 128 leaves no room for a birth time, which statx then shows).
 */
TEST_F(image, setup_mounts_ext4_with_mkfs_options)
{
	struct krepro_image img = {
		.path = self->path, .size = 64 << 20, .fstype = "ext4",
		.mkfs_args = { "-I", "128" },
	};
	char dir[PATH_MAX + 8];
	struct statx stx;
	struct statfs sf;
	int ret;

	ret = krepro_image_setup(&img, self->mnt);
	SKIP_IF_MISSING(&img, ret);
	ASSERT_EQ(0, ret) TH_LOG("cannot %s: %s", krepro_image_step_name(&img),
				 strerror(-ret));
	EXPECT_EQ((int)KREPRO_IMAGE_DONE, (int)img.step);
	EXPECT_EQ(0, strncmp(img.dev, "/dev/loop", 9)) TH_LOG("device '%s'", img.dev);
	ASSERT_EQ(0, statfs(self->mnt, &sf)) TH_LOG("statfs: %s", strerror(errno));
	EXPECT_EQ(EXT4_MAGIC, sf.f_type) TH_LOG("f_type %#lx", (unsigned long)sf.f_type);
	snprintf(dir, sizeof(dir), "%s/d", self->mnt);
	EXPECT_EQ(0, mkdir(dir, 0755)) TH_LOG("mkdir on the image: %s", strerror(errno));
	ASSERT_EQ(0, statx(AT_FDCWD, dir, 0, STATX_BTIME, &stx));
	EXPECT_FALSE(!!(stx.stx_mask & STATX_BTIME))
		TH_LOG("a birth time on ext4 -I 128: the options did not reach mkfs");
}

/* Validate that mkfs.xfs images mount as xfs. */
TEST_F(image, setup_mounts_xfs)
{
	struct krepro_image img = {
		.path = self->path, .size = 320 << 20, .fstype = "xfs",
	};
	struct statfs sf;
	int ret;

	ret = krepro_image_setup(&img, self->mnt);
	SKIP_IF_MISSING(&img, ret);
	ASSERT_EQ(0, ret) TH_LOG("cannot %s: %s", krepro_image_step_name(&img),
				 strerror(-ret));
	ASSERT_EQ(0, statfs(self->mnt, &sf)) TH_LOG("statfs: %s", strerror(errno));
	EXPECT_EQ(XFS_MAGIC, sf.f_type) TH_LOG("f_type %#lx", (unsigned long)sf.f_type);
}

/* Validate that the mount flags and options given are the ones in force. */
TEST_F(image, mount_applies_flags_and_options)
{
	struct krepro_image img = {
		.path = self->path, .size = 64 << 20, .fstype = "ext4",
		.flags = MS_NOATIME, .data = "commit=17",
	};
	char line[4096];
	struct statvfs sv;
	bool seen = false;
	FILE *f;
	int ret;

	ret = krepro_image_setup(&img, self->mnt);
	SKIP_IF_MISSING(&img, ret);
	ASSERT_EQ(0, ret) TH_LOG("cannot %s: %s", krepro_image_step_name(&img),
				 strerror(-ret));
	ASSERT_EQ(0, statvfs(self->mnt, &sv));
	EXPECT_TRUE(!!(sv.f_flag & ST_NOATIME));
	f = fopen("/proc/self/mountinfo", "re");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, self->mnt) && strstr(line, "commit=17"))
			seen = true;
	fclose(f);
	EXPECT_TRUE(seen) TH_LOG("commit=17 not in the mount's options");
}

/* Validate that a read-only image gives a read-only device and mount. */
TEST_F(image, read_only_image_refuses_writes)
{
	struct krepro_image img = {
		.path = self->path, .size = 64 << 20, .fstype = "ext4",
	};
	struct loop_info64 info;
	char dir[PATH_MAX + 8];
	int ret;

	ret = krepro_image_create(&img);
	if (!ret)
		ret = krepro_image_mkfs(&img);
	SKIP_IF_MISSING(&img, ret);
	ASSERT_EQ(0, ret) TH_LOG("cannot %s: %s", krepro_image_step_name(&img),
				 strerror(-ret));
	img.read_only = true;
	ret = krepro_image_mount(&img, self->mnt);
	SKIP_IF_MISSING(&img, ret);
	ASSERT_EQ(0, ret) TH_LOG("cannot %s: %s", krepro_image_step_name(&img),
				 strerror(-ret));
	ASSERT_EQ(0, loop_backing(img.dev, &info));
	EXPECT_TRUE(!!(info.lo_flags & LO_FLAGS_READ_ONLY));
	snprintf(dir, sizeof(dir), "%s/d", self->mnt);
	EXPECT_EQ(-1, mkdir(dir, 0755));
	EXPECT_EQ(EROFS, errno) TH_LOG("mkdir: %s", strerror(errno));
}

/* Validate that the loop device clears itself once its mount is gone. */
TEST_F(image, loop_device_goes_with_the_mount)
{
	struct krepro_image img = {
		.path = self->path, .size = 64 << 20, .fstype = "ext4",
	};
	struct loop_info64 info;
	int ret;

	ret = krepro_image_setup(&img, self->mnt);
	SKIP_IF_MISSING(&img, ret);
	ASSERT_EQ(0, ret) TH_LOG("cannot %s: %s", krepro_image_step_name(&img),
				 strerror(-ret));
	ASSERT_EQ(0, loop_backing(img.dev, &info));
	EXPECT_TRUE(!!(info.lo_flags & LO_FLAGS_AUTOCLEAR));
	ASSERT_EQ(0, umount2(self->mnt, 0)) TH_LOG("umount: %s", strerror(errno));
	EXPECT_TRUE(loop_released(img.dev, self->path))
		TH_LOG("%s still backed by the image 5 s after umount", img.dev);
}

/*
 * Validate that a mount that fails is an error of the mount step, and
 * leaves no loop device behind.
 */
TEST_F(image, failed_mount_is_error_and_frees_device)
{
	struct krepro_image img = {
		.path = self->path, .size = 64 << 20, .fstype = "ext4",
	};
	char missing[PATH_MAX + 16], why[160];
	int ret;

	ret = krepro_image_create(&img);
	if (!ret)
		ret = krepro_image_mkfs(&img);
	SKIP_IF_MISSING(&img, ret);
	ASSERT_EQ(0, ret);
	snprintf(missing, sizeof(missing), "%s/no-such-dir", self->root);
	ret = krepro_image_mount(&img, missing);
	SKIP_IF_MISSING(&img, ret);
	ASSERT_EQ(-ENOENT, ret) TH_LOG("mount on a missing target: %s", strerror(-ret));
	EXPECT_EQ((int)KREPRO_IMAGE_MOUNT, (int)img.step);
	EXPECT_FALSE(krepro_image_missing(&img, ret, why, sizeof(why)));
	EXPECT_STREQ("mount the image", krepro_image_step_name(&img));
	EXPECT_TRUE(loop_released(img.dev, self->path))
		TH_LOG("%s still backed by the image after the failed mount", img.dev);
}

/* Validate that direct I/O is on when granted, and refused by name otherwise. */
TEST_F(image, direct_io_is_on_or_refused)
{
	struct krepro_image img = {
		.path = self->path, .size = 64 << 20, .fstype = "ext4",
		.direct_io = true, .read_only = true,
	};
	struct loop_info64 info;
	int ret;

	ret = krepro_image_create(&img);
	if (!ret)
		ret = krepro_image_mkfs(&img);
	SKIP_IF_MISSING(&img, ret);
	ASSERT_EQ(0, ret);
	ret = krepro_image_mount(&img, self->mnt);
	SKIP_IF_MISSING(&img, ret);
	if (ret == -EOPNOTSUPP) {
		EXPECT_EQ((int)KREPRO_IMAGE_DIRECT_IO, (int)img.step);
		SKIP(return, "the scratch tmpfs cannot back a loop device with O_DIRECT here");
	}
	ASSERT_EQ(0, ret) TH_LOG("cannot %s: %s", krepro_image_step_name(&img),
				 strerror(-ret));
	ASSERT_EQ(0, loop_backing(img.dev, &info));
	EXPECT_TRUE(!!(info.lo_flags & LO_FLAGS_DIRECT_IO));
}

/* Whether files a and b hold the same bytes (1), differ (0), or -errno. */
static int same_bytes(const char *a, const char *b)
{
	char *da, *db;
	size_t la, lb;
	int ret = krepro_read_whole(a, &da, &la), same;

	if (ret)
		return ret;
	ret = krepro_read_whole(b, &db, &lb);
	if (ret) {
		free(da);
		return ret;
	}
	same = la == lb && !memcmp(da, db, la);
	free(da);
	free(db);
	return same;
}

/* mkfs.ext4 -I 256 on a fresh 32 MB image at root/NAME: 0 or -errno. */
static int mkfs_at(const char *root, const char *name, char *path, size_t size)
{
	struct krepro_image img = {
		.path = path, .size = 32 << 20, .fstype = "ext4", .mkfs_args = { "-I", "256" },
	};
	int ret = krepro_path(path, size, "%s/%s", root, name);

	if (!ret)
		ret = krepro_image_create(&img);
	return ret ? ret : krepro_image_mkfs(&img);
}

/*
 * Validate that within a run (a share directory) mkfs runs once per kind
 * of image and later images are copies of its fresh filesystem, while
 * without one every image is a mkfs of its own (a new UUID: other bytes).
 */
TEST_F(image, mkfs_runs_once_per_kind_within_a_run)
{
	char a[PATH_MAX], b[PATH_MAX], c[PATH_MAX], share[PATH_MAX];
	struct stat st;
	int ret;

	unsetenv(WIRE_ENV_SHARE);
	ret = mkfs_at(self->root, "a.img", a, sizeof(a));
	if (ret == -ENOENT)
		SKIP(return, "mkfs.ext4 is not installed");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, mkfs_at(self->root, "b.img", b, sizeof(b)));
	EXPECT_EQ(0, same_bytes(a, b)) TH_LOG("two mkfs runs made the same bytes");

	ASSERT_EQ(0, krepro_path(share, sizeof(share), "%s/share", self->root));
	ASSERT_EQ(0, mkdir(share, 0700));
	ASSERT_EQ(0, setenv(WIRE_ENV_SHARE, share, 1));
	ASSERT_EQ(0, unlink(a));
	ASSERT_EQ(0, unlink(b));
	ASSERT_EQ(0, mkfs_at(self->root, "a.img", a, sizeof(a)));
	ASSERT_EQ(0, mkfs_at(self->root, "b.img", b, sizeof(b)));
	ASSERT_EQ(0, mkfs_at(self->root, "c.img", c, sizeof(c)));
	unsetenv(WIRE_ENV_SHARE);
	EXPECT_EQ(1, same_bytes(a, b)) TH_LOG("the second image is not the first's copy");
	EXPECT_EQ(1, same_bytes(a, c));
	ASSERT_EQ(0, stat(c, &st));
	EXPECT_EQ(32 << 20, st.st_size);
	EXPECT_GT((off_t)(32 << 20) / 2, st.st_blocks * 512) TH_LOG("the copy lost its holes");
}

TEST_HARNESS_MAIN
