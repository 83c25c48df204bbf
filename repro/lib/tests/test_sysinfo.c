// SPDX-License-Identifier: GPL-2.0-only
/* Tests of repro/lib/sysinfo.c: kernel releases and command lines. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "kselftest_harness.h"
#include "lib/sysinfo.h"

#define EXPECT_KVER(release, ma, mi, pa) do {				\
	struct krepro_kver _v;						\
									\
	ASSERT_EQ(0, krepro_kver_parse(release, &_v)) TH_LOG("%s", release);\
	EXPECT_EQ(ma, _v.major) TH_LOG("%s", release);			\
	EXPECT_EQ(mi, _v.minor) TH_LOG("%s", release);			\
	EXPECT_EQ(pa, _v.patch) TH_LOG("%s", release);			\
} while (0)

/* Validate that the releases the project meets parse to their numbers. */
TEST(release_forms)
{
	EXPECT_KVER("6.1.0-57-cloud-amd64", 6U, 1U, 0U);
	EXPECT_KVER("6.12.117+deb12-cloud-amd64", 6U, 12U, 117U);
	EXPECT_KVER("6.18.0", 6U, 18U, 0U);
	EXPECT_KVER("4.4.157", 4U, 4U, 157U);
	EXPECT_KVER("4.4", 4U, 4U, 0U);
	EXPECT_KVER("6.8-rc1", 6U, 8U, 0U);
	EXPECT_KVER("6.1.0-krepro-known-bad-ovl", 6U, 1U, 0U);
}

/* Validate that what is not a release is refused. */
TEST(release_malformed)
{
	struct krepro_kver v;

	EXPECT_EQ(-EINVAL, krepro_kver_parse("", &v));
	EXPECT_EQ(-EINVAL, krepro_kver_parse("6", &v));
	EXPECT_EQ(-EINVAL, krepro_kver_parse("v6.1", &v));
	EXPECT_EQ(-EINVAL, krepro_kver_parse("6.x", &v));
}

/* Validate the order of versions, the patch level last. */
TEST(version_order)
{
	struct krepro_kver a = { 6, 1, 192 }, b = { 6, 12, 0 }, c = { 6, 12, 0 };

	EXPECT_GT(0, krepro_kver_cmp(&a, &b));
	EXPECT_LT(0, krepro_kver_cmp(&b, &a));
	EXPECT_EQ(0, krepro_kver_cmp(&b, &c));
	c.patch = 1;
	EXPECT_GT(0, krepro_kver_cmp(&b, &c));
}

/* Validate that the running kernel's version is uname's release. */
TEST(running_kernel)
{
	struct krepro_kver v, u;
	struct utsname un;
	bool yes;

	ASSERT_EQ(0, uname(&un));
	ASSERT_EQ(0, krepro_kernel_version(&v));
	ASSERT_EQ(0, krepro_kver_parse(un.release, &u));
	EXPECT_EQ(0, krepro_kver_cmp(&u, &v));
	ASSERT_EQ(0, krepro_kernel_at_least(v.major, v.minor, v.patch, &yes));
	EXPECT_TRUE(yes);
	ASSERT_EQ(0, krepro_kernel_at_least(v.major + 1, 0, 0, &yes));
	EXPECT_FALSE(yes);
}

/* Validate command-line words: values, flags, quotes, the last one wins. */
TEST(cmdline_words)
{
	const char *line = "BOOT_IMAGE=/vmlinuz root=/dev/vda ro quiet "
			   "krepro.marker=ab12 bdev_allow_write_mounted=0 "
			   "opt=\"a b\" \"q=x y\" root=/dev/vdb\n";
	char val[64];

	ASSERT_EQ(0, krepro_cmdline_value(line, "krepro.marker", val, sizeof(val)));
	EXPECT_STREQ("ab12", val);
	ASSERT_EQ(0, krepro_cmdline_value(line, "quiet", val, sizeof(val)));
	EXPECT_STREQ("", val);
	ASSERT_EQ(0, krepro_cmdline_value(line, "opt", val, sizeof(val)));
	EXPECT_STREQ("a b", val);
	ASSERT_EQ(0, krepro_cmdline_value(line, "q", val, sizeof(val)));
	EXPECT_STREQ("x y", val);
	ASSERT_EQ(0, krepro_cmdline_value(line, "root", val, sizeof(val)));
	EXPECT_STREQ("/dev/vdb", val);
	/* a prefix of a word is not the word */
	EXPECT_EQ(-ENOENT, krepro_cmdline_value(line, "bdev_allow", val, sizeof(val)));
	EXPECT_EQ(-ENOENT, krepro_cmdline_value(line, "ro=", val, sizeof(val)));
	EXPECT_EQ(-ENAMETOOLONG, krepro_cmdline_value(line, "BOOT_IMAGE", val, 4));
}

/* Validate that this boot's command line is read and an absent key is absent. */
TEST(this_boot)
{
	char val[256];

	EXPECT_EQ(-ENOENT, krepro_cmdline_get("krepro.no_such_key_here", val, sizeof(val)));
}

TEST_HARNESS_MAIN
