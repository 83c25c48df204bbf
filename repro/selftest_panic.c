// SPDX-License-Identifier: GPL-2.0-only
/*
 * Harness self-test, not a failure mode: crash the kernel on purpose
 * through /proc/sysrq-trigger so the crash path of krepro can be shown to
 * work (outcome "crash" with a console excerpt, never pass or fail).
 * Declared with "default: no"; it only runs when asked for by name, and it
 * refuses to run on the host kernel unless inside a krepro guest.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/util.h"

/* Validate that a kernel panic while a case runs is reported as a crash. */
TEST(sysrq_crash_is_reported_as_crash)
{
	int ret;

	/* Only ever in a throwaway VM: its init is krepro's busybox script. */
	if (access("/krepro/conf", F_OK))
		SKIP(return, "not inside a krepro guest; refusing to panic this kernel");
	ret = krepro_write_file("/proc/sys/kernel/sysrq", "1");
	ASSERT_EQ(0, ret) TH_LOG("cannot enable sysrq: %s", strerror(-ret));
	sync();
	ret = krepro_write_file("/proc/sysrq-trigger", "c");
	/* Still here: the crash did not happen. */
	TH_LOG("sysrq-trigger c returned: %s", strerror(-ret));
	ASSERT_TRUE(false);
}

TEST_HARNESS_MAIN
