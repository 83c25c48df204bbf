/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KREPRO_STATS_H
#define KREPRO_STATS_H

/*
 * Statistics for racy subtests: how often did a race hit (k of n runs),
 * and do two kernels really differ.  Counts out of range are clamped
 * (k into [0, n], n to at least 0).
 */

/* Wilson score interval for k hits of n at the normal quantile z (1.96 for 95 %); n == 0 gives [0, 1]. */
void wilson_interval(long k, long n, double z, double *lo, double *hi);

/*
 * Two-sided Fisher exact test p-value for (k1 of n1) vs (k2 of n2): the
 * probability, given the margins, of the tables no more likely than the
 * observed one (relative tolerance 1e-7, as R's fisher.test).  1 when
 * n1 or n2 is 0.
 */
double fisher_two_sided(long k1, long n1, long k2, long n2);

/*
 * How many more runs per kernel would make the difference significant at
 * alpha if both kernels kept their observed rates: the smallest m with
 * fisher_two_sided(round(k1 m / n1), m, round(k2 m / n2), m) < alpha,
 * found by doubling then bisection, minus max(n1, n2).  0 when already
 * significant, -1 when no m up to max_runs decides (equal rates, n == 0).
 */
long runs_to_decide(long k1, long n1, long k2, long n2, double alpha, long max_runs);

/*
 * The exact one-sided upper bound on a rate when none of n trials hit:
 * the p with (1 - p)^n = 1 - conf.  n <= 0 gives 1.  A protection that
 * held in 29 rounds fails in at most 10 % of rounds, at 95 %.
 */
double zero_hit_bound(long n, double conf);

/* The fewest rounds without a hit whose zero_hit_bound is <= level; -1 for level <= 0. */
long zero_hit_rounds(double level, double conf);

#endif
