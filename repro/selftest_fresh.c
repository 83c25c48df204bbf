// SPDX-License-Identifier: GPL-2.0-only
/*
 * Harness self-test, not a failure mode: a guest restored from a snapshot
 * must be as fresh as a booted one.  Every restore starts from the same
 * saved random pool and clock, so the guest's knobs reader reseeds the
 * pool and sets the clock (vm/guest/knobs.c).  This prints what shows
 * whether it did - 16 bytes from getrandom, the wall clock, the boot_id -
 * and ci/vm.bats compares several runs: their bytes must differ and their
 * clocks be the host's.  Declared "default: no"; run by name.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "kselftest_harness.h"

TEST(reports_random_clock_and_boot_id)
{
	unsigned char rnd[16];
	char hex[2 * sizeof(rnd) + 1], boot_id[64] = "";
	struct timespec now;
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");

	ASSERT_EQ((ssize_t)sizeof(rnd), getrandom(rnd, sizeof(rnd), 0));
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
	ASSERT_EQ(0, clock_gettime(CLOCK_REALTIME, &now));
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(boot_id, sizeof(boot_id), f));
	fclose(f);
	boot_id[strcspn(boot_id, "\n")] = 0;
	printf("# fresh: rnd=%s realtime=%lld boot_id=%s\n", hex, (long long)now.tv_sec, boot_id);
	/* The harness ends a test's process with _exit: stdio is not flushed. */
	fflush(stdout);
}

TEST_HARNESS_MAIN
