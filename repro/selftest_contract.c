// SPDX-License-Identifier: GPL-2.0-only
/*
 * Harness self-test, not a failure mode: the contract every target (a VM,
 * the live host) keeps, run against both by ci/contract.bats.
 *
 *  - holds: a regression that passes, and fails under --negative;
 *  - reports_then_taints: passes, then adds the W (warning) taint flag,
 *    as a WARN() would - a crash on that subtest.  Only inside a krepro
 *    guest: on the live host it would taint the host's kernel for good,
 *    so it skips there, naming why;
 *  - after_taint: runs after the taint and keeps its own pass;
 *  - hangs: sleeps past the case's timeout; selected alone, by name
 *    (selftest_contract/hangs), since a whole run would time out.
 * Declared "default: no"; run by name.
 */
#define _GNU_SOURCE
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/util.h"

/* Inside a throwaway guest: its init is krepro's script. */
static bool in_guest(void)
{
	return access("/krepro/conf", F_OK) == 0;
}

TEST(holds)
{
	ASSERT_FALSE(krepro_negative());
}

TEST(reports_then_taints)
{
	int ret;

	if (!in_guest())
		SKIP(return, "not inside a krepro guest; refusing to taint this kernel");
	/* 512 is TAINT_WARN: what a WARN() leaves behind. */
	ret = krepro_write_file("/proc/sys/kernel/tainted", "512");
	ASSERT_EQ(0, ret) TH_LOG("cannot set the taint: %s", strerror(-ret));
}

TEST(after_taint)
{
	ASSERT_FALSE(krepro_negative());
}

/* Longer than the case's timeout (20 s), shorter than anyone's patience. */
TEST(hangs)
{
	sleep(120);
}

TEST_HARNESS_MAIN
