// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the statistics.  The expected values come from exact
 * enumeration (Python fractions), not from this code.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "cli.h"
#include "kselftest_harness.h"

/* A check inside a test: the test fails, the others still run. */
#define CHECK(cond) EXPECT_TRUE(!!(cond))


/* |got - want| within tol, relative to want (absolute near 0). */
static bool near(double got, double want, double tol)
{
	return fabs(got - want) <= tol * fmax(1, fabs(want));
}

static bool rel_near(double got, double want, double rel)
{
	return fabs(got - want) <= rel * fabs(want);
}

static bool wilson_is(long k, long n, double lo, double hi)
{
	double l, h;

	wilson_interval(k, n, 1.96, &l, &h);
	return near(l, lo, 1e-6) && near(h, hi, 1e-6);
}

TEST(wilson_intervals_match_the_reference_values)
{
	double lo, hi;

	CHECK(wilson_is(0, 10, 0, 0.277540));
	CHECK(wilson_is(5, 10, 0.236590, 0.763410));
	CHECK(wilson_is(81, 263, 0.255288, 0.366211));
	CHECK(wilson_is(10, 10, 0.722460, 1));
	CHECK(wilson_is(1, 1, 0.206543, 1));
	CHECK(wilson_is(0, 1, 0, 0.793457));
	CHECK(wilson_is(3, 1000, 0.001021, 0.008783));
	CHECK(wilson_is(0, 0, 0, 1));
	wilson_interval(0, 10, 1.96, &lo, &hi);
	CHECK(lo == 0);			/* exactly, not a rounding crumb */
	wilson_interval(10, 10, 1.96, &lo, &hi);
	CHECK(hi == 1);
	/* z = 0 collapses to the point estimate. */
	wilson_interval(3, 12, 0, &lo, &hi);
	CHECK(near(lo, 0.25, 1e-12) && near(hi, 0.25, 1e-12));
}

TEST(fisher_exact_test_matches_the_reference_values)
{
	CHECK(rel_near(fisher_two_sided(3, 10, 0, 10), 0.2105263158, 1e-6));
	CHECK(rel_near(fisher_two_sided(10, 20, 2, 20), 0.01381414785, 1e-6));
	CHECK(rel_near(fisher_two_sided(0, 200, 5, 200), 0.06093950241, 1e-6));
	CHECK(rel_near(fisher_two_sided(5, 200, 0, 200), 0.06093950241, 1e-6));
	CHECK(rel_near(fisher_two_sided(7, 12, 1, 9), 0.06687306502, 1e-6));
	CHECK(rel_near(fisher_two_sided(1, 2, 0, 3), 0.4, 1e-6));
	CHECK(rel_near(fisher_two_sided(50, 100, 35, 100), 0.04493200011, 1e-6));
	CHECK(rel_near(fisher_two_sided(2, 30, 9, 30), 0.04190011891, 1e-6));
	CHECK(rel_near(fisher_two_sided(0, 5, 5, 5), 0.007936507937, 1e-6));
	CHECK(rel_near(fisher_two_sided(30, 1000, 10, 1000), 0.002008333562, 1e-6));
	CHECK(rel_near(fisher_two_sided(12, 40, 3, 37), 0.02087846058, 1e-6));
	/* Large n: lgamma keeps the logs finite. */
	CHECK(rel_near(fisher_two_sided(500, 100000, 430, 100000), 0.02328573991, 1e-5));
	CHECK(rel_near(fisher_two_sided(1000, 1000000, 900, 1000000), 0.02304366995, 1e-5));
	CHECK(rel_near(fisher_two_sided(0, 1000000, 7, 1000000), 0.01562483594, 1e-5));
	CHECK(rel_near(fisher_two_sided(1000, 1000000, 1000, 1000000), 1, 1e-9));
	/* Identical tables, degenerate margins, empty rows. */
	CHECK(fisher_two_sided(4, 10, 4, 10) == 1);
	CHECK(fisher_two_sided(0, 10, 0, 10) == 1);
	CHECK(fisher_two_sided(10, 10, 10, 10) == 1);
	CHECK(fisher_two_sided(0, 0, 3, 10) == 1);
	CHECK(fisher_two_sided(3, 10, 0, 0) == 1);
	/* Swapping the kernels or hits with misses changes nothing. */
	CHECK(rel_near(fisher_two_sided(9, 30, 2, 30), fisher_two_sided(21, 30, 28, 30), 1e-9));
	CHECK(rel_near(fisher_two_sided(12, 40, 3, 37), fisher_two_sided(3, 37, 12, 40), 1e-9));
}

TEST(runs_to_decide_matches_exact_enumeration)
{
	double t0;

	/* Values from the same search run over exact Python arithmetic. */
	CHECK(runs_to_decide(5, 200, 0, 200, 0.05, 1000000) == 20);
	CHECK(runs_to_decide(0, 200, 5, 200, 0.05, 1000000) == 20);
	CHECK(runs_to_decide(1, 10, 0, 10, 0.05, 1000000) == 45);
	CHECK(runs_to_decide(3, 10, 1, 10, 0.05, 1000000) == 29);
	CHECK(runs_to_decide(2, 50, 0, 40, 0.05, 1000000) == 88);
	/*
	 * Rounded hits make p jagged in m: a linear scan first decides at
	 * 290 more runs; bisection lands on another crossing.
	 */
	CHECK(runs_to_decide(10, 200, 5, 200, 0.05, 1000000) == 310);
	CHECK(fisher_two_sided(25, 490, 12, 490) < 0.05);
	CHECK(fisher_two_sided(26, 510, 13, 510) < 0.05);
	CHECK(fisher_two_sided(25, 509, 13, 509) >= 0.05);
	CHECK(runs_to_decide(3, 1000, 0, 1000, 0.05, 1000000) == 834);
	/* 5500 runs per kernel decide, a cap of 5000 does not. */
	CHECK(runs_to_decide(1, 1000, 0, 1000, 0.05, 1000000) == 4500);
	CHECK(runs_to_decide(1, 1000, 0, 1000, 0.05, 5000) == -1);
	CHECK(runs_to_decide(1, 1000, 0, 1000, 0.05, 5500) == 4500);
	/* Equal rates never decide; already significant needs nothing. */
	CHECK(runs_to_decide(3, 10, 3, 10, 0.05, 1000000) == -1);
	CHECK(runs_to_decide(3, 10, 6, 20, 0.05, 1000000) == -1);
	CHECK(runs_to_decide(10, 20, 2, 20, 0.05, 1000000) == 0);
	CHECK(runs_to_decide(0, 0, 2, 20, 0.05, 1000000) == -1);
	CHECK(runs_to_decide(1, 10, 0, 10, 0.05, 10) == -1);
	/* Fast at a million runs: about 40 tests of ~10^4 terms each. */
	t0 = now_monotonic();
	CHECK(runs_to_decide(1, 100000, 0, 100000, 0.05, 1000000) == 450000);
	CHECK(runs_to_decide(1, 100000, 0, 100000, 0.05, 500000) == -1);
	CHECK(now_monotonic() - t0 < 10);
}

TEST_HARNESS_MAIN
