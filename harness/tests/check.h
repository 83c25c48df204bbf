/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The unit tests' one assertion: count, and name the line that failed.  A
 * failure is a "# FAIL" line, not "not ok": .ci/run counts it once, from
 * the "unit:" line.
 */
#ifndef KREPRO_TESTS_CHECK_H
#define KREPRO_TESTS_CHECK_H

#include <stdio.h>

static int passed, failed;

#define CHECK(cond) do {						\
	if (cond) {							\
		passed++;						\
	} else {							\
		failed++;						\
		printf("# FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);\
	}								\
} while (0)

/* The line .ci/run counts, and the exit status. */
static inline int check_report(void)
{
	printf("unit: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

#endif
