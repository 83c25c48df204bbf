// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests of repro/lib/caps.c, as root: a dropped capability is gone from
 * the effective set and its protection comes back (a mode-000 file no
 * longer opens).  The harness forks per test, so drops stay in the test.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/caps.h"
#include "lib/util.h"

FIXTURE(caps) {
	char file[PATH_MAX];
};

FIXTURE_SETUP(caps)
{
	const char *tmp = getenv("TMPDIR");
	bool on;
	int fd;

	ASSERT_EQ(0, krepro_cap_effective(CAP_DAC_OVERRIDE, &on));
	if (!on)
		SKIP(return, "needs CAP_DAC_OVERRIDE (run as root)");
	ASSERT_EQ(0, krepro_path(self->file, sizeof(self->file), "%s/krepro-caps.XXXXXX",
				 tmp && *tmp ? tmp : "/tmp"));
	fd = mkstemp(self->file);
	ASSERT_LE(0, fd) TH_LOG("mkstemp: %s", strerror(errno));
	close(fd);
	ASSERT_EQ(0, chmod(self->file, 0));
	/* a non-root owner, so only the capabilities let root in */
	ASSERT_EQ(0, chown(self->file, 1000, 1000));
}

FIXTURE_TEARDOWN(caps)
{
	unlink(self->file);
}

/* Validate that root with CAP_DAC_OVERRIDE opens a mode-000 file. */
TEST_F(caps, root_opens_mode_000)
{
	int fd = open(self->file, O_RDWR);

	ASSERT_LE(0, fd) TH_LOG("open: %s", strerror(errno));
	close(fd);
}

/* Validate that after dropping the DAC capabilities the file is refused. */
TEST_F(caps, dropped_dac_caps_refuse_mode_000)
{
	static const cap_value_t dac[] = { CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH,
					   CAP_FOWNER };
	bool on;

	ASSERT_EQ(0, krepro_caps_drop(dac, 3));
	ASSERT_EQ(0, krepro_cap_effective(CAP_DAC_OVERRIDE, &on));
	EXPECT_FALSE(on);
	/* what was not dropped stays */
	ASSERT_EQ(0, krepro_cap_effective(CAP_SYS_ADMIN, &on));
	EXPECT_TRUE(on);
	EXPECT_EQ(-1, open(self->file, O_RDWR));
	EXPECT_EQ(EACCES, errno);
}

/* Validate that a capability the kernel does not know is refused. */
TEST_F(caps, unknown_cap_is_einval)
{
	cap_value_t bogus = 1000;
	bool on;

	EXPECT_EQ(-EINVAL, krepro_cap_effective(bogus, &on));
	EXPECT_EQ(-EINVAL, krepro_caps_drop(&bogus, 1));
}

/* Validate that root's sets are not empty, and are after clearing them. */
TEST_F(caps, empty_sets)
{
	bool empty;
	cap_t none = cap_init();

	ASSERT_NE(NULL, none);
	ASSERT_EQ(0, krepro_caps_empty(&empty));
	EXPECT_FALSE(empty);
	ASSERT_EQ(0, cap_set_proc(none));
	cap_free(none);
	ASSERT_EQ(0, krepro_caps_empty(&empty));
	EXPECT_TRUE(empty);
}

TEST_HARNESS_MAIN
