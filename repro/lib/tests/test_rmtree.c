// SPDX-License-Identifier: GPL-2.0-only
/*
 * repro/lib/rmtree: rm -rf that never follows a symlink, and with
 * KREPRO_RMTREE_ONE_FS never enters a mount below the tree.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/rmtree.h"
#include "lib/util.h"

FIXTURE(rmtree) {
	char root[PATH_MAX];
	char tree[PATH_MAX];
};

FIXTURE_SETUP(rmtree)
{
	int ret;

	self->root[0] = '\0';
	ret = krepro_private_mount_ns();
	if (ret == -EPERM)
		SKIP(return, "needs CAP_SYS_ADMIN for a private mount namespace");
	ASSERT_EQ(0, ret) TH_LOG("private mount namespace: %s", strerror(-ret));
	ret = krepro_scratch_tmpfs(self->root, sizeof(self->root), "rmtree");
	ASSERT_EQ(0, ret) TH_LOG("scratch tmpfs: %s", strerror(-ret));
	ASSERT_EQ(0, krepro_path(self->tree, sizeof(self->tree), "%s/tree", self->root));
	ASSERT_EQ(0, mkdir(self->tree, 0755));
}

FIXTURE_TEARDOWN(rmtree)
{
	krepro_scratch_release(self->root);
}

/* Make root/rel (a directory when rel ends in '/', else a 3-byte file). */
static int make(const char *root, const char *rel)
{
	char path[PATH_MAX];
	size_t len = strlen(rel);
	int fd, ret = krepro_path(path, sizeof(path), "%s/%s", root, rel);

	if (ret)
		return ret;
	if (rel[len - 1] == '/')
		return mkdir(path, 0755) ? -errno : 0;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	ret = write(fd, "abc", 3) == 3 ? 0 : -EIO;
	close(fd);
	return ret;
}

static bool exists(const char *root, const char *rel)
{
	char path[PATH_MAX];
	struct stat st;

	return !krepro_path(path, sizeof(path), "%s/%s", root, rel) && !lstat(path, &st);
}

static int mount_tmpfs(const char *root, const char *rel)
{
	char path[PATH_MAX];
	int ret = krepro_path(path, sizeof(path), "%s/%s", root, rel);

	if (ret)
		return ret;
	return mount("rmtree-test", path, "tmpfs", 0, NULL) ? -errno : 0;
}

/*
 * Validate that a nested tree goes entirely, and that symlinks are
 * removed, not followed: what they point at survives.
 */
TEST_F(rmtree, removes_a_nested_tree_without_following_symlinks)
{
	char link[PATH_MAX];

	ASSERT_EQ(0, make(self->root, "outside/"));
	ASSERT_EQ(0, make(self->root, "outside/keep"));
	ASSERT_EQ(0, make(self->tree, "a/"));
	ASSERT_EQ(0, make(self->tree, "a/b/"));
	ASSERT_EQ(0, make(self->tree, "a/b/f"));
	ASSERT_EQ(0, make(self->tree, "g"));
	ASSERT_EQ(0, krepro_path(link, sizeof(link), "%s/a/to-outside", self->tree));
	ASSERT_EQ(0, symlink("../../outside", link));
	ASSERT_EQ(0, krepro_path(link, sizeof(link), "%s/a/fifo", self->tree));
	ASSERT_EQ(0, mkfifo(link, 0600));

	EXPECT_EQ(0, krepro_rmtree(self->tree, 0));
	EXPECT_FALSE(exists(self->tree, ""));
	EXPECT_TRUE(exists(self->root, "outside/keep"));
}

/* Validate that a missing path is an error, and a plain file is removed. */
TEST_F(rmtree, missing_path_is_enoent_and_a_file_is_unlinked)
{
	char path[PATH_MAX];

	ASSERT_EQ(0, krepro_path(path, sizeof(path), "%s/none", self->root));
	EXPECT_EQ(-ENOENT, krepro_rmtree(path, 0));
	ASSERT_EQ(0, make(self->root, "file"));
	ASSERT_EQ(0, krepro_path(path, sizeof(path), "%s/file", self->root));
	EXPECT_EQ(0, krepro_rmtree(path, KREPRO_RMTREE_ONE_FS));
	EXPECT_FALSE(exists(self->root, "file"));
}

/*
 * Validate that without ONE_FS the delete crosses into a mount below the
 * tree and empties it; only the busy mount point itself stays.
 */
TEST_F(rmtree, plain_delete_empties_a_mount_below)
{
	ASSERT_EQ(0, make(self->tree, "mnt/"));
	ASSERT_EQ(0, mount_tmpfs(self->tree, "mnt"));
	ASSERT_EQ(0, make(self->tree, "mnt/victim"));
	ASSERT_EQ(0, make(self->tree, "plain"));

	EXPECT_EQ(-EBUSY, krepro_rmtree(self->tree, 0));
	EXPECT_FALSE(exists(self->tree, "mnt/victim"));
	EXPECT_FALSE(exists(self->tree, "plain"));
	EXPECT_TRUE(exists(self->tree, "mnt"));
}

/*
 * Validate that ONE_FS leaves another filesystem mounted below the tree
 * alone, removes the rest and says so with -EXDEV.
 */
TEST_F(rmtree, one_fs_leaves_another_filesystem_alone)
{
	ASSERT_EQ(0, make(self->tree, "d/"));
	ASSERT_EQ(0, make(self->tree, "d/mnt/"));
	ASSERT_EQ(0, mount_tmpfs(self->tree, "d/mnt"));
	ASSERT_EQ(0, make(self->tree, "d/mnt/keep"));
	ASSERT_EQ(0, make(self->tree, "e/"));
	ASSERT_EQ(0, make(self->tree, "e/gone"));

	EXPECT_EQ(-EXDEV, krepro_rmtree(self->tree, KREPRO_RMTREE_ONE_FS));
	EXPECT_TRUE(exists(self->tree, "d/mnt/keep"));
	EXPECT_FALSE(exists(self->tree, "e"));
}

/*
 * Validate that ONE_FS also stops at a bind mount of the tree's own
 * filesystem, which st_dev alone cannot tell apart.
 */
TEST_F(rmtree, one_fs_leaves_a_bind_mount_of_the_same_filesystem_alone)
{
	char src[PATH_MAX], dst[PATH_MAX];

	ASSERT_EQ(0, make(self->root, "src/"));
	ASSERT_EQ(0, make(self->root, "src/keep"));
	ASSERT_EQ(0, make(self->tree, "bind/"));
	ASSERT_EQ(0, krepro_path(src, sizeof(src), "%s/src", self->root));
	ASSERT_EQ(0, krepro_path(dst, sizeof(dst), "%s/bind", self->tree));
	ASSERT_EQ(0, mount(src, dst, NULL, MS_BIND, NULL));

	EXPECT_EQ(-EXDEV, krepro_rmtree(self->tree, KREPRO_RMTREE_ONE_FS));
	EXPECT_TRUE(exists(self->root, "src/keep"));
}

/*
 * Validate that a tree that is itself a mount root is emptied under
 * ONE_FS (the top is never a stop), and that rmdir of it is EBUSY.
 */
TEST_F(rmtree, one_fs_empties_a_tree_that_is_a_mount_root)
{
	ASSERT_EQ(0, mount_tmpfs(self->tree, ""));
	ASSERT_EQ(0, make(self->tree, "x/"));
	ASSERT_EQ(0, make(self->tree, "x/f"));

	EXPECT_EQ(-EBUSY, krepro_rmtree(self->tree, KREPRO_RMTREE_ONE_FS));
	EXPECT_FALSE(exists(self->tree, "x"));
	EXPECT_TRUE(exists(self->tree, ""));
}

TEST_HARNESS_MAIN
