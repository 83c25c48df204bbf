// SPDX-License-Identifier: GPL-2.0-only
#include <math.h>

#include "stats.h"

static void clamp_counts(long *k, long *n)
{
	if (*n < 0)
		*n = 0;
	if (*k < 0)
		*k = 0;
	if (*k > *n)
		*k = *n;
}

void wilson_interval(long k, long n, double z, double *lo, double *hi)
{
	double p, z2n, denom, centre, half;

	clamp_counts(&k, &n);
	if (n == 0) {
		*lo = 0;
		*hi = 1;
		return;
	}
	p = (double)k / n;
	z2n = z * z / n;
	denom = 1 + z2n;
	centre = (p + z2n / 2) / denom;
	half = z * sqrt(p * (1 - p) / n + z2n / (4.0 * n)) / denom;
	/* Exact ends at 0 and n, where rounding would leave 1e-17 crumbs. */
	*lo = k == 0 ? 0 : fmax(0, centre - half);
	*hi = k == n ? 1 : fmin(1, centre + half);
}

static double lchoose(long n, long k)
{
	return lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0);
}

/*
 * Fisher's test conditions on the margins: with kk hits in all, the
 * first row's hits x follow the hypergeometric distribution
 * P(x) = C(n1, x) C(n2, kk - x) / C(n1 + n2, kk).  Logs of the unnormalised
 * terms stay finite for any n, and the sum is normalised at the end.
 */
struct hyper {
	long n1, n2, kk;
	double lmax;	/* log term at the mode, to scale exp() */
	double lcut;	/* log of the largest term counted in the p-value */
};

static double hyper_log(const struct hyper *h, long x)
{
	return lchoose(h->n1, x) + lchoose(h->n2, h->kk - x);
}

/*
 * Sum from x in steps of dir while x stays in [lo, hi]; the terms fall
 * away from the mode, so stop once they vanish in double precision.
 */
static void hyper_sum(const struct hyper *h, long x, long dir, long lo, long hi,
		      double *all, double *tail)
{
	for (; x >= lo && x <= hi; x += dir) {
		double l = hyper_log(h, x), d;

		if (l - h->lmax < -750)
			break;
		d = exp(l - h->lmax);
		*all += d;
		if (l <= h->lcut)
			*tail += d;
	}
}

double fisher_two_sided(long k1, long n1, long k2, long n2)
{
	struct hyper h;
	long lo, hi, mode;
	double all = 0, tail = 0;

	clamp_counts(&k1, &n1);
	clamp_counts(&k2, &n2);
	if (n1 == 0 || n2 == 0)
		return 1;
	h.n1 = n1;
	h.n2 = n2;
	h.kk = k1 + k2;
	lo = h.kk > n2 ? h.kk - n2 : 0;
	hi = h.kk < n1 ? h.kk : n1;
	mode = (long)((h.kk + 1.0) * (n1 + 1.0) / (n1 + n2 + 2.0));
	mode = mode < lo ? lo : mode > hi ? hi : mode;
	h.lmax = hyper_log(&h, mode);
	h.lcut = hyper_log(&h, k1) + log1p(1e-7);
	hyper_sum(&h, mode, -1, lo, hi, &all, &tail);
	hyper_sum(&h, mode + 1, 1, lo, hi, &all, &tail);
	return fmin(1, tail / all);
}

/* Hits at m runs for a rate k/n, rounded to nearest. */
static long scaled(long k, long n, long m)
{
	return lround((double)k * m / n);
}

static double p_at(long k1, long n1, long k2, long n2, long m)
{
	return fisher_two_sided(scaled(k1, n1, m), m, scaled(k2, n2, m), m);
}

long runs_to_decide(long k1, long n1, long k2, long n2, double alpha, long max_runs)
{
	long base, bad, good, step, m;

	clamp_counts(&k1, &n1);
	clamp_counts(&k2, &n2);
	if (n1 == 0 || n2 == 0)
		return -1;	/* no rate to extrapolate */
	if (fisher_two_sided(k1, n1, k2, n2) < alpha)
		return 0;
	/* Equal rates stay equal at any m: never decided, and no search. */
	if (k1 * n2 == k2 * n1)
		return -1;
	base = n1 > n2 ? n1 : n2;
	if (max_runs <= base)
		return -1;
	/* Double the extra runs until significant: bad < m <= good. */
	bad = base;
	for (step = 1;; step *= 2) {
		m = max_runs - base > step ? base + step : max_runs;
		if (p_at(k1, n1, k2, n2, m) < alpha)
			break;
		if (m == max_runs)
			return -1;
		bad = m;
	}
	good = m;
	/*
	 * p is only roughly monotone in m (hits are rounded), so this finds
	 * an m that decides with m - 1 not deciding, near the first.
	 */
	while (good - bad > 1) {
		m = bad + (good - bad) / 2;
		if (p_at(k1, n1, k2, n2, m) < alpha)
			good = m;
		else
			bad = m;
	}
	return good - base;
}

double zero_hit_bound(long n, double conf)
{
	if (n <= 0)
		return 1;
	return 1 - pow(1 - conf, 1.0 / n);
}

long zero_hit_rounds(double level, double conf)
{
	if (level <= 0 || level >= 1)
		return level >= 1 ? 1 : -1;
	return (long)ceil(log(1 - conf) / log(1 - level) - 1e-9);
}
