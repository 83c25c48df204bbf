// SPDX-License-Identifier: GPL-2.0-only
/*
 * repro/lib/tarball: archives packed by the real tar from a tree written
 * here, in the order written, and read back.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/fileio.h"
#include "lib/tarball.h"
#include "lib/util.h"

FIXTURE(tarball) {
	char root[PATH_MAX];
	struct krepro_tar a;
};

FIXTURE_SETUP(tarball)
{
	int ret;

	self->root[0] = '\0';
	self->a.data = NULL;
	ret = krepro_private_mount_ns();
	if (ret == -EPERM)
		SKIP(return, "needs CAP_SYS_ADMIN for a private mount namespace");
	ASSERT_EQ(0, ret) TH_LOG("private mount namespace: %s", strerror(-ret));
	ret = krepro_scratch_tmpfs(self->root, sizeof(self->root), "tarball");
	ASSERT_EQ(0, ret) TH_LOG("scratch tmpfs: %s", strerror(-ret));
	ret = krepro_have_gnu_tar();
	if (ret == -ENOENT || ret == -ENOTSUP)
		SKIP(return, "needs GNU tar on PATH");
	ASSERT_EQ(0, ret) TH_LOG("tar --version: %s", strerror(-ret));
}

FIXTURE_TEARDOWN(tarball)
{
	free(self->a.data);
	krepro_scratch_release(self->root);
}

/* Validate that tar packs every member written, in order, with its type. */
TEST_F(tarball, pack_holds_every_member_in_order)
{
	struct krepro_tar *a = &self->a;
	long long dir, file, link;
	int members, links;

	ASSERT_EQ(0, krepro_tar_begin(a, self->root, "t"));
	ASSERT_EQ(0, krepro_tar_add(a, KREPRO_TAR_DIR, NULL, 0, "d"));
	ASSERT_EQ(0, krepro_tar_add(a, KREPRO_TAR_FILE, NULL, 4096, "d/f%d", 1));
	ASSERT_EQ(0, krepro_tar_add(a, KREPRO_TAR_SYMLINK, "../x", 0, "d/l"));
	ASSERT_EQ(3, a->n);
	ASSERT_EQ(1, a->links);
	ASSERT_EQ(0, krepro_tar_pack(a));
	ASSERT_NE(NULL, a->data);
	EXPECT_EQ(0UL, a->len % KREPRO_TAR_RECORD);
	ASSERT_EQ(0, krepro_tar_count(a, &members, &links));
	EXPECT_EQ(3, members);
	EXPECT_EQ(1, links);

	/* The order added, not the directory's order: d, its file, its link. */
	dir = krepro_tar_header_offset(a, "d/");
	file = krepro_tar_header_offset(a, "d/f1");
	link = krepro_tar_header_offset(a, "d/l");
	EXPECT_EQ(0, dir);
	EXPECT_EQ(KREPRO_TAR_BLOCK, file);
	/* The file's 4096 bytes are 8 blocks of data after its header. */
	EXPECT_EQ(10 * KREPRO_TAR_BLOCK, link);
	EXPECT_EQ(-ENOENT, krepro_tar_header_offset(a, "d/missing"));
	/* The file's data is the pattern, seeded with its index. */
	ASSERT_GE(file, 0);
	EXPECT_EQ(KREPRO_CONTENT_OK,
		  krepro_pattern_check(a->data + file + KREPRO_TAR_BLOCK, 4096, 0, 1));
}

/* Validate that a name that needs a GNU long-name header is refused. */
TEST_F(tarball, add_refuses_long_names)
{
	char name[101];

	memset(name, 'n', 100);
	name[100] = '\0';
	ASSERT_EQ(0, krepro_tar_begin(&self->a, self->root, "long"));
	EXPECT_EQ(-ENAMETOOLONG, krepro_tar_add(&self->a, KREPRO_TAR_DIR, NULL, 0, "%s", name));
	EXPECT_EQ(0, self->a.n);
}

/* Validate that an archive tar cannot read gives -ECHILD, not a count. */
TEST_F(tarball, count_of_a_broken_archive_fails)
{
	int members = -1, links = -1;

	ASSERT_EQ(0, krepro_tar_begin(&self->a, self->root, "bad"));
	ASSERT_EQ(0, krepro_write_pattern(self->a.path, 4096, 7, 0644));
	EXPECT_EQ(-ECHILD, krepro_tar_count(&self->a, &members, &links));
}

TEST_HARNESS_MAIN
