// SPDX-License-Identifier: GPL-2.0-only
/*
 * repro/lib/watch: files created and written in a directory, as inotify
 * reports them, directories left out.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/util.h"
#include "lib/watch.h"

FIXTURE(watch) {
	char root[PATH_MAX];
	int in;
};

FIXTURE_SETUP(watch)
{
	int ret;

	self->root[0] = '\0';
	self->in = -EBADF;
	ret = krepro_private_mount_ns();
	if (ret == -EPERM)
		SKIP(return, "needs CAP_SYS_ADMIN for a private mount namespace");
	ASSERT_EQ(0, ret) TH_LOG("private mount namespace: %s", strerror(-ret));
	ret = krepro_scratch_tmpfs(self->root, sizeof(self->root), "watch");
	ASSERT_EQ(0, ret) TH_LOG("scratch tmpfs: %s", strerror(-ret));
	self->in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	ASSERT_LE(0, self->in) TH_LOG("inotify: %s", strerror(errno));
	ASSERT_LE(0, inotify_add_watch(self->in, self->root, KREPRO_WATCH_EVENTS));
}

FIXTURE_TEARDOWN(watch)
{
	if (self->in >= 0)
		close(self->in);
	krepro_scratch_release(self->root);
}

/* Make root/name with mode 0 and close it after writing, as tar does. */
static int placeholder(const char *root, const char *name)
{
	char path[PATH_MAX];
	int fd, ret = krepro_path(path, sizeof(path), "%s/%s", root, name);

	if (ret)
		return ret;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* Validate that files written are counted, directories and symlinks only created. */
TEST_F(watch, counts_files_written_and_names_the_first)
{
	struct krepro_watch w = { 0 };
	char path[PATH_MAX];

	ASSERT_EQ(0, placeholder(self->root, "first"));
	ASSERT_EQ(0, placeholder(self->root, "second"));
	ASSERT_EQ(0, krepro_path(path, sizeof(path), "%s/dir", self->root));
	ASSERT_EQ(0, mkdir(path, 0755));
	ASSERT_EQ(0, krepro_path(path, sizeof(path), "%s/link", self->root));
	ASSERT_EQ(0, symlink("target", path));
	ASSERT_EQ(0, krepro_watch_drain(self->in, &w));
	EXPECT_EQ(3, w.created);
	EXPECT_EQ(2, w.closed);
	EXPECT_STREQ("first", w.first);
}

/* Validate that an empty queue drains to nothing, and that counts add up. */
TEST_F(watch, drains_add_to_the_counts)
{
	struct krepro_watch w = { 0 };

	ASSERT_EQ(0, krepro_watch_drain(self->in, &w));
	EXPECT_EQ(0, w.created);
	ASSERT_EQ(0, placeholder(self->root, "a"));
	ASSERT_EQ(0, krepro_watch_drain(self->in, &w));
	ASSERT_EQ(0, placeholder(self->root, "b"));
	ASSERT_EQ(0, krepro_watch_drain(self->in, &w));
	EXPECT_EQ(2, w.created);
	EXPECT_EQ(2, w.closed);
	EXPECT_STREQ("a", w.first);
}

TEST_HARNESS_MAIN
