// SPDX-License-Identifier: GPL-2.0-only
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "util.h"
#include "workers.h"

int krepro_workers_start(int n, krepro_worker_fn fn, void *arg)
{
	int i;

	for (i = 0; i < n; i++) {
		pid_t pid = krepro_child_fork();

		if (pid < 0)
			return pid;
		if (pid == 0) {
			fn(i, arg);
			/* _exit: the test's atexit handlers and buffers are not ours. */
			_exit(0);
		}
	}
	return 0;
}

void krepro_counters_load(const unsigned long *counters, unsigned long *dst, int n)
{
	int i;

	for (i = 0; i < n; i++)
		dst[i] = __atomic_load_n(&counters[i], __ATOMIC_SEQ_CST);
}

unsigned long krepro_counters_sum(const unsigned long *counters, int n)
{
	unsigned long sum = 0;
	int i;

	for (i = 0; i < n; i++)
		sum += __atomic_load_n(&counters[i], __ATOMIC_SEQ_CST);
	return sum;
}

int krepro_counters_wait(const unsigned long *counters, const unsigned long *since,
			 int n, unsigned long more, double stall_s)
{
	unsigned long *last = malloc(n * sizeof(*last)), now;
	double *moved = malloc(n * sizeof(*moved)), t = krepro_now();
	bool done = false, stalled = false;
	int i;

	if (!last || !moved) {
		free(last);
		free(moved);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		last[i] = since[i];
		moved[i] = t;
	}
	while (!done && !stalled) {
		t = krepro_now();
		done = true;
		for (i = 0; i < n; i++) {
			now = __atomic_load_n(&counters[i], __ATOMIC_SEQ_CST);
			if (now != last[i]) {
				last[i] = now;
				moved[i] = t;
			}
			if (now >= since[i] + more)
				continue;
			/* Short of its goal: it must keep moving on its own. */
			done = false;
			stalled |= t - moved[i] > stall_s;
		}
		if (!done && !stalled)
			usleep(1000);
	}
	free(last);
	free(moved);
	return done ? 0 : -ETIMEDOUT;
}
