// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests of repro/lib/mountinfo.c: parsing crafted lines, and reading the
 * propagation of live mounts made in a private mount namespace (root).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/mountinfo.h"
#include "lib/util.h"

/* Validate that every field of a line with optional fields is read. */
TEST(parse_shared_and_master)
{
	struct krepro_mount m;
	char buf[64];

	ASSERT_EQ(0, krepro_mountinfo_parse("36 35 98:0 /mnt1 /mnt2 rw,noatime "
		"shared:3 master:1 - ext3 /dev/root rw,errors=continue\n", &m));
	EXPECT_EQ(36, m.id);
	EXPECT_EQ(35, m.parent_id);
	EXPECT_EQ(98U, m.major);
	EXPECT_EQ(0U, m.minor);
	EXPECT_STREQ("/mnt1", m.root);
	EXPECT_STREQ("/mnt2", m.mount_point);
	EXPECT_STREQ("ext3", m.fstype);
	EXPECT_STREQ("/dev/root", m.source);
	EXPECT_STREQ("rw,noatime", m.mount_options);
	EXPECT_STREQ("rw,errors=continue", m.super_options);
	EXPECT_TRUE(krepro_mount_option(m.mount_options, "noatime"));
	EXPECT_TRUE(krepro_mount_option(m.mount_options, "rw"));
	EXPECT_FALSE(krepro_mount_option(m.mount_options, "atime"));
	EXPECT_FALSE(krepro_mount_option(m.super_options, "errors"));
	EXPECT_EQ(3, m.shared);
	EXPECT_EQ(1, m.master);
	EXPECT_FALSE(m.unbindable);
	EXPECT_FALSE(krepro_mount_private(&m));
	EXPECT_STREQ("shared:3 master:1", krepro_mount_propagation(&m, buf, sizeof(buf)));
}

/* Validate that no optional field means private, and unbindable is seen. */
TEST(parse_private_and_unbindable)
{
	struct krepro_mount m;
	char buf[64];

	ASSERT_EQ(0, krepro_mountinfo_parse("20 1 0:5 / /run rw - tmpfs run rw", &m));
	EXPECT_TRUE(krepro_mount_private(&m));
	EXPECT_STREQ("private", krepro_mount_propagation(&m, buf, sizeof(buf)));
	ASSERT_EQ(0, krepro_mountinfo_parse("21 1 0:6 / /u rw unbindable - tmpfs u rw", &m));
	EXPECT_TRUE(m.unbindable);
	EXPECT_FALSE(krepro_mount_private(&m));
	EXPECT_STREQ("unbindable", krepro_mount_propagation(&m, buf, sizeof(buf)));
	/* propagate_from: is a slave detail, not a propagation type of its own */
	ASSERT_EQ(0, krepro_mountinfo_parse("22 1 0:7 / /p rw master:4 "
					    "propagate_from:2 - tmpfs p rw", &m));
	EXPECT_EQ(4, m.master);
	EXPECT_EQ(0, m.shared);
}

/* Validate that the kernel's octal escapes in paths are undone. */
TEST(parse_escaped_mount_point)
{
	struct krepro_mount m;

	ASSERT_EQ(0, krepro_mountinfo_parse("40 1 0:9 /a\\134b /with\\040space\\011tab "
					    "rw - tmpfs x rw", &m));
	EXPECT_STREQ("/with space\ttab", m.mount_point);
	EXPECT_STREQ("/a\\b", m.root);
}

/* Validate that lines that are not mountinfo lines are refused. */
TEST(parse_malformed)
{
	struct krepro_mount m;

	EXPECT_EQ(-EINVAL, krepro_mountinfo_parse("", &m));
	EXPECT_EQ(-EINVAL, krepro_mountinfo_parse("36 35 98:0 / /x rw shared:1", &m));
	EXPECT_EQ(-EINVAL, krepro_mountinfo_parse("x 35 98:0 / /x rw - ext4 a rw", &m));
	EXPECT_EQ(-EINVAL, krepro_mountinfo_parse("36 35 98:0 / /x rw shared:z - a b c", &m));
	EXPECT_EQ(-EINVAL, krepro_mountinfo_parse("36 35 98:0 / /x rw -", &m));
	EXPECT_EQ(-EINVAL, krepro_mountinfo_parse("36 35 98:0 / /x rw - ext4 a", &m));
}

/*
 * Live mounts: a private namespace (the harness forks per test, so it dies
 * with the test) holding a tmpfs whose propagation the tests change.
 */
FIXTURE(live) {
	char dir[PATH_MAX];	/* a tmpfs */
	char sub[PATH_MAX];	/* a plain directory on it */
	char bind[PATH_MAX];	/* a second directory, a bind target */
};

FIXTURE_SETUP(live)
{
	const char *tmp = getenv("TMPDIR");

	if (geteuid())
		SKIP(return, "mount namespaces need root here");
	ASSERT_EQ(0, krepro_private_mount_ns());
	ASSERT_EQ(0, krepro_path(self->dir, sizeof(self->dir), "%s/krepro-mountinfo.XXXXXX",
				 tmp && *tmp ? tmp : "/tmp"));
	ASSERT_NE(NULL, mkdtemp(self->dir)) TH_LOG("mkdtemp: %s", strerror(errno));
	ASSERT_EQ(0, mount("krepro", self->dir, "tmpfs", 0, "mode=0755"))
		TH_LOG("mount tmpfs: %s", strerror(errno));
	ASSERT_EQ(0, krepro_path(self->sub, sizeof(self->sub), "%s/sub", self->dir));
	ASSERT_EQ(0, krepro_path(self->bind, sizeof(self->bind), "%s/bind", self->dir));
	ASSERT_EQ(0, mkdir(self->sub, 0755));
	ASSERT_EQ(0, mkdir(self->bind, 0755));
}

FIXTURE_TEARDOWN(live)
{
	umount2(self->dir, MNT_DETACH);
	rmdir(self->dir);
}

/* Validate that a fresh tmpfs in a private namespace is found and private. */
TEST_F(live, tmpfs_is_found_private)
{
	struct krepro_mount m, in;

	ASSERT_EQ(0, krepro_mount_at(self->dir, &m));
	EXPECT_STREQ("tmpfs", m.fstype);
	EXPECT_STREQ(self->dir, m.mount_point);
	EXPECT_STREQ("krepro", m.source);
	EXPECT_TRUE(krepro_mount_option(m.super_options, "mode=755"));
	EXPECT_TRUE(krepro_mount_private(&m));
	/* a directory on it is inside that mount but not a mount point */
	EXPECT_EQ(-EINVAL, krepro_mount_at(self->sub, &in));
	ASSERT_EQ(0, krepro_mount_containing(self->sub, &in));
	EXPECT_EQ(m.id, in.id);
	EXPECT_EQ(-ENOENT, krepro_mount_at("/nonexistent/krepro", &in));
}

/* Validate that shared:N, master:N and unbindable follow each change. */
TEST_F(live, propagation_follows_each_change)
{
	struct krepro_mount m, b;
	char buf[64];

	ASSERT_EQ(0, mount(NULL, self->dir, NULL, MS_SHARED, NULL));
	ASSERT_EQ(0, krepro_mount_at(self->dir, &m));
	ASSERT_NE(0, m.shared) TH_LOG("after MS_SHARED: %s",
				      krepro_mount_propagation(&m, buf, sizeof(buf)));
	EXPECT_EQ(0, m.master);

	/* a bind of a shared mount joins its peer group */
	ASSERT_EQ(0, mount(self->sub, self->bind, NULL, MS_BIND, NULL));
	ASSERT_EQ(0, krepro_mount_at(self->bind, &b));
	EXPECT_EQ(m.shared, b.shared);
	EXPECT_STREQ("/sub", b.root);

	ASSERT_EQ(0, mount(NULL, self->bind, NULL, MS_SLAVE, NULL));
	ASSERT_EQ(0, krepro_mount_at(self->bind, &b));
	EXPECT_EQ(0, b.shared);
	EXPECT_EQ(m.shared, b.master);

	ASSERT_EQ(0, mount(NULL, self->bind, NULL, MS_PRIVATE, NULL));
	ASSERT_EQ(0, krepro_mount_at(self->bind, &b));
	EXPECT_TRUE(krepro_mount_private(&b));

	ASSERT_EQ(0, mount(NULL, self->bind, NULL, MS_UNBINDABLE, NULL));
	ASSERT_EQ(0, krepro_mount_at(self->bind, &b));
	EXPECT_TRUE(b.unbindable);
}

/* Validate that a read-only remount shows as the per-mount option "ro". */
TEST_F(live, read_only_bind_shows_ro)
{
	struct krepro_mount m;

	ASSERT_EQ(0, mount(self->sub, self->bind, NULL, MS_BIND, NULL));
	ASSERT_EQ(0, krepro_mount_at(self->bind, &m));
	EXPECT_TRUE(krepro_mount_option(m.mount_options, "rw"));
	ASSERT_EQ(0, mount(NULL, self->bind, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL));
	ASSERT_EQ(0, krepro_mount_at(self->bind, &m));
	EXPECT_TRUE(krepro_mount_option(m.mount_options, "ro"));
	/* the superblock stays writable: the tmpfs itself is still rw */
	ASSERT_EQ(0, krepro_mount_at(self->dir, &m));
	EXPECT_TRUE(krepro_mount_option(m.mount_options, "rw"));
}

/*
 * Validate that a path names the mount a lookup reaches: with a tmpfs
 * stacked on the tmpfs, the top one; both are listed at that path.
 */
TEST_F(live, stacked_mount_gives_the_top_one)
{
	struct krepro_mount below, top;
	int count;

	ASSERT_EQ(0, krepro_mount_at(self->dir, &below));
	ASSERT_EQ(0, mount("krepro2", self->dir, "tmpfs", 0, NULL));
	ASSERT_EQ(0, krepro_mount_at(self->dir, &top));
	EXPECT_NE(below.id, top.id);
	EXPECT_EQ(below.id, top.parent_id);
	ASSERT_EQ(0, krepro_mounts_listed_at(self->dir, &count));
	EXPECT_EQ(2, count);
	ASSERT_EQ(0, umount2(self->dir, 0));
}

TEST_HARNESS_MAIN
