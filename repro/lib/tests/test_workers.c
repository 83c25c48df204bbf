// SPDX-License-Identifier: GPL-2.0-only
/*
 * repro/lib/workers: worker processes counting in shared memory, and a
 * wait for their progress that notices when they stop.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/child.h"
#include "lib/util.h"
#include "lib/workers.h"

#define WORKERS 2

FIXTURE(workers) {
	unsigned long *counters;
};

FIXTURE_SETUP(workers)
{
	void *p = mmap(NULL, WORKERS * sizeof(unsigned long), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, p);
	self->counters = p;
}

FIXTURE_TEARDOWN(workers)
{
	krepro_child_kill_all();
	munmap(self->counters, WORKERS * sizeof(unsigned long));
}

/* Count one step a millisecond, forever. */
static void count(int i, void *arg)
{
	unsigned long *counters = arg;

	for (;;) {
		__atomic_add_fetch(&counters[i], 1, __ATOMIC_SEQ_CST);
		usleep(1000);
	}
}

/* Validate that every worker runs and that the wait sees each one's steps. */
TEST_F(workers, wait_returns_once_each_worker_counted)
{
	static const unsigned long none[WORKERS];
	unsigned long seen[WORKERS];

	ASSERT_EQ(0, krepro_workers_start(WORKERS, count, self->counters));
	EXPECT_EQ(WORKERS, krepro_child_count());
	ASSERT_EQ(0, krepro_counters_wait(self->counters, none, WORKERS, 5, 10.0));
	krepro_counters_load(self->counters, seen, WORKERS);
	EXPECT_LE(5UL, seen[0]);
	EXPECT_LE(5UL, seen[1]);
	EXPECT_LE(seen[0] + seen[1], krepro_counters_sum(self->counters, WORKERS));
	krepro_child_kill_all();
	EXPECT_EQ(0, krepro_child_count());
}

/* Validate that counters that never move end the wait with -ETIMEDOUT. */
TEST_F(workers, wait_times_out_when_nothing_counts)
{
	static const unsigned long none[WORKERS];
	double start = krepro_now();

	EXPECT_EQ(-ETIMEDOUT, krepro_counters_wait(self->counters, none, WORKERS, 1, 0.2));
	EXPECT_LE(0.2, krepro_now() - start);
}

/* Count on worker 0 only: worker 1 has stalled from the start. */
static void count_first_only(int i, void *arg)
{
	if (i == 0)
		count(i, arg);
	pause();
}

/* Validate that one stalled worker ends the wait though another counts. */
TEST_F(workers, wait_times_out_when_one_worker_stalls)
{
	static const unsigned long none[WORKERS];

	ASSERT_EQ(0, krepro_workers_start(WORKERS, count_first_only, self->counters));
	EXPECT_EQ(-ETIMEDOUT, krepro_counters_wait(self->counters, none, WORKERS, 1000000, 0.3));
	EXPECT_LT(0UL, self->counters[0]);
	EXPECT_EQ(0UL, self->counters[1]);
}

/* Validate that a goal already reached needs no wait and no progress. */
TEST_F(workers, wait_for_a_goal_already_reached_returns_at_once)
{
	static const unsigned long none[WORKERS];

	self->counters[0] = 3;
	self->counters[1] = 7;
	EXPECT_EQ(0, krepro_counters_wait(self->counters, none, WORKERS, 3, 0.0));
	EXPECT_EQ(10UL, krepro_counters_sum(self->counters, WORKERS));
}

TEST_HARNESS_MAIN
