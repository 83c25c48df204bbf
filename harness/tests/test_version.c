// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the kernel order compare sorts columns by (uname -r under
 * vm/kernel.h's debian_version_cmp) and the short forms the reports print.
 * The expected orders are dpkg's (`dpkg --compare-versions`).
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"
#include "version.h"
#include "cli.h"
#include "kselftest_harness.h"

/* A check inside a test: the test fails, the others still run. */
#define CHECK(cond) EXPECT_TRUE(!!(cond))

/* a sorts strictly before b, and b after a. */
static bool before(const char *a, const char *b)
{
	bool ok = debian_version_cmp(a, b) < 0 && debian_version_cmp(b, a) > 0;

	if (!ok)
		printf("# want %s before %s\n", a, b);
	return ok;
}

static bool range_is(const char *first, const char *last, const char *want)
{
	char *got = version_range(first, last);
	bool ok = !strcmp(got, want);

	if (!ok)
		printf("# range %s %s: want %s, got %s\n", first, last, want, got);
	free(got);
	return ok;
}

TEST(kernels_sort_in_debian_version_order)
{
	CHECK(before("6.1.0-9-cloud-amd64", "6.1.0-47-cloud-amd64"));
	CHECK(before("6.1.0-47-cloud-amd64", "6.1.0-57-cloud-amd64"));
	CHECK(before("6.12.100+deb12-cloud-amd64", "6.12.117+deb12-cloud-amd64"));
	CHECK(before("6.1.0-57-cloud-amd64", "6.12.100+deb12-cloud-amd64"));
	CHECK(before("6.12.9", "6.12.10"));
	/* '~' sorts before the end: a release candidate before its release. */
	CHECK(before("6.13~rc1", "6.13"));
	CHECK(before("6.13~rc1", "6.13~rc2"));
	/* Letters before other characters, the end before both. */
	CHECK(before("6.1", "6.1a"));
	CHECK(before("6.1a", "6.1+"));
	CHECK(before("6.1.0-47-amd64", "6.1.0-47-cloud-amd64"));
	/* Numbers compare as numbers, leading zeros and length aside. */
	CHECK(debian_version_cmp("6.01", "6.1") == 0);
	CHECK(debian_version_cmp("6.1.0-47", "6.1.0-47") == 0);
	CHECK(debian_version_cmp("", "") == 0);
	CHECK(before("", "0a"));
}

TEST(a_version_is_the_numbers_at_the_start_of_uname_r)
{
	CHECK(version_len("6.1.0-47-cloud-amd64") == strlen("6.1.0-47"));
	CHECK(version_len("6.12.117+deb12-cloud-amd64") == strlen("6.12.117"));
	CHECK(version_len("6.18.0") == strlen("6.18.0"));
	CHECK(version_len("6.13-rc7-amd64") == strlen("6.13"));
	CHECK(version_len("host") == 0);
	CHECK(version_len("6.") == 1);
	CHECK(version_series_len("6.1.0-47") == strlen("6.1.0-"));
	CHECK(version_series_len("6.12.117") == strlen("6.12."));
	CHECK(version_series_len("6") == 0);
	CHECK(version_series_len("host") == 0);
}

TEST(a_run_of_versions_folds_into_a_short_range)
{
	CHECK(range_is("6.1.0-47", "6.1.0-57", "6.1.0-47\u202657"));
	CHECK(range_is("6.12.100", "6.12.117", "6.12.100\u2026117"));
	/* Across a series the last is given in full. */
	CHECK(range_is("6.1.0-48", "6.12.117", "6.1.0-48\u20266.12.117"));
	CHECK(range_is("6.1.0-48", "6.2.0-1", "6.1.0-48\u20266.2.0-1"));
	CHECK(range_is("host", "6.18.0", "host\u20266.18.0"));
}

TEST_HARNESS_MAIN
