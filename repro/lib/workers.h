/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Worker processes that count their progress in shared memory: a race's
 * readers, each checking something in a loop and adding one to its own
 * counter per check.  The test reads the counters while the workers run,
 * so that "nothing went wrong" can be told apart from "nothing was
 * looked at": a worker whose counter stops moving has stalled.  Counters
 * are unsigned longs in a MAP_SHARED mapping, read and written with
 * __atomic builtins.  Helpers return 0 or -errno and never assert or exit.
 */
#ifndef KREPRO_REPRO_WORKERS_H
#define KREPRO_REPRO_WORKERS_H

/* What worker i runs; it never returns (it is killed by the test). */
typedef void (*krepro_worker_fn)(int i, void *arg);

/*
 * Fork n tracked workers (krepro_child_fork: they die with the test),
 * worker i running fn(i, arg); one that returns exits 0.  -errno when a
 * fork failed; the workers started so far keep running, for
 * krepro_child_kill_all to end.
 */
int krepro_workers_start(int n, krepro_worker_fn fn, void *arg);

/* Copy n shared counters to dst, each read atomically. */
void krepro_counters_load(const unsigned long *counters, unsigned long *dst, int n);

/* The sum of n shared counters, each read atomically. */
unsigned long krepro_counters_sum(const unsigned long *counters, int n);

/*
 * Wait until each of the n counters has gone `more` past since[i] (so at
 * least more - 1 of the worker's steps started after since was read).
 * -ETIMEDOUT when a counter still short of its goal did not move for
 * stall_s seconds: each worker must make progress on its own, so one
 * stalled worker is noticed even while the others keep counting.
 */
int krepro_counters_wait(const unsigned long *counters, const unsigned long *since,
			 int n, unsigned long more, double stall_s);

#endif
