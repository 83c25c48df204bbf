// SPDX-License-Identifier: GPL-2.0-only
/*
 * Bisection with a stated error bound (see bisect.h).
 *
 * Error model.  A hit - the subtest failing, or a hazard reproducing - is
 * the incident's own artefact and is taken as certain.  Only a step that
 * saw no hit can be wrong: the kernel hits at rate p but the n rounds all
 * missed, with probability (1 - p)^n.  p is not known; the hitting end's
 * rate is bounded below at 97.5 % (Wilson, z = 1.96), which spends 2.5 %
 * of the error, and every step is sized so that (1 - p_lo)^n stays under
 * the rest divided by the most steps the search can take.  The bound
 * reported is 2.5 % plus what the no-hit steps actually spent.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bisect.h"
#include "stats.h"
#include "util.h"

#define ESTIMATE_ERROR 0.025	/* the one-sided miss of p_lo */

const char *step_verdict_name(enum step_verdict v)
{
	return v == STEP_GOOD ? "good" : v == STEP_BAD ? "bad" : "skip";
}

int bisect_max_steps(int n, int parallel)
{
	int rounds = 0;

	for (n -= 1; n > 1; n = (n + parallel) / (parallel + 1))
		rounds++;
	return rounds * parallel + 2;	/* and the two re-checks */
}

int bisect_rounds_for(double p_hit, double err, int cap)
{
	double n;

	if (p_hit <= 0)
		return cap;
	if (p_hit >= 1)
		return 1;
	n = ceil(log(err) / log1p(-p_hit));
	return n < 1 ? 1 : n > cap ? cap : (int)n;
}

static int fail_with(struct bisect *b, int code, const char *fmt, const char *arg)
{
	free(b->why);
	b->why = xasprintf(fmt, arg);
	return code;
}

/* Run list[idx[]] at once and keep the steps; returns the first one's index. */
static int take_steps(struct bisect *b, const int *idx, int n, int rounds, bool recheck)
{
	struct step_result *r = xcalloc(n, sizeof(*r));
	int first = b->nsteps;

	for (int j = 0; j < n; j++)
		r[j].outcome = OUT_INFRA;
	if (b->step(b->ctx, idx, n, rounds, r))
		for (int j = 0; j < n; j++)
			if (!r[j].why)
				r[j].why = xstrdup("the step could not run");
	b->steps = xrealloc(b->steps, (b->nsteps + n) * sizeof(*b->steps));
	for (int j = 0; j < n; j++) {
		struct bisect_step *s = &b->steps[b->nsteps++];

		memset(s, 0, sizeof(*s));
		s->index = idx[j];
		s->recheck = recheck;
		s->r = r[j];
	}
	free(r);
	return first;
}

static bool settled(enum outcome o)
{
	return o == OUT_PASS || o == OUT_FAIL;
}

/* Hazards and behaviours hit by reproducing (pass); the rest by failing. */
static bool hit(const struct bisect *b, const struct step_result *r)
{
	if (b->racy)
		return r->k > 0;
	return r->outcome == (kind_is_hazard(b->kind) ? OUT_PASS : OUT_FAIL);
}

/* What a step says, and how likely that is wrong. */
static void judge(struct bisect *b, struct bisect_step *s)
{
	int needed = b->racy ? b->rounds : 0;

	if (!settled(s->r.outcome)) {
		s->verdict = STEP_SKIP;
	} else if (!b->racy) {
		s->verdict = s->r.outcome == b->good_outcome ? STEP_GOOD : STEP_BAD;
	} else if (hit(b, &s->r)) {
		s->verdict = b->hits_bad ? STEP_BAD : STEP_GOOD;
	} else if (s->r.n < needed) {
		s->verdict = STEP_SKIP;
		free(s->r.why);
		s->r.why = xasprintf("undecided: no hit in %d rounds, %d needed", s->r.n, needed);
	} else {
		s->verdict = b->hits_bad ? STEP_GOOD : STEP_BAD;
		s->error = pow(1 - b->p_hit, s->r.n);
	}
}

/* The ends fix what good and bad look like, and the rounds of every step. */
static int check_ends(struct bisect *b)
{
	bool hazard = kind_is_hazard(b->kind);
	struct bisect_step *g, *bad;
	const struct step_result *hitter;
	double lo, hi;

	take_steps(b, (int[]){ 0, b->nspecs - 1 }, 2, b->start_rounds, false);
	g = &b->steps[0];
	bad = &b->steps[1];
	b->racy = g->r.racy || bad->r.racy;
	if (!settled(g->r.outcome))
		return fail_with(b, BISECT_UNDECIDED, "the good end gave no verdict: %s",
				 g->r.why ? g->r.why : outcome_name(g->r.outcome));
	if (!settled(bad->r.outcome))
		return fail_with(b, BISECT_UNDECIDED, "the bad end gave no verdict: %s",
				 bad->r.why ? bad->r.why : outcome_name(bad->r.outcome));
	if (!hazard && g->r.outcome == OUT_FAIL)
		return fail_with(b, BISECT_BAD_INPUT, "the good end %s fails: it is not good",
				 b->specs[0]);
	if (!hazard && bad->r.outcome == OUT_PASS)
		return fail_with(b, BISECT_BAD_INPUT, "the bad end %s passes: it is not bad",
				 b->specs[b->nspecs - 1]);
	if (g->r.outcome == bad->r.outcome)
		return fail_with(b, BISECT_BAD_INPUT, "both ends give %s: nothing to bisect",
				 outcome_label(g->r.outcome, b->kind));
	b->good_outcome = g->r.outcome;
	b->bad_outcome = bad->r.outcome;
	g->verdict = STEP_GOOD;
	bad->verdict = STEP_BAD;
	b->hits_bad = hit(b, &bad->r);
	if (!b->racy)
		return BISECT_FOUND;
	hitter = b->hits_bad ? &bad->r : &g->r;
	wilson_interval(hitter->k, hitter->n, 1.96, &lo, &hi);
	b->p_hit = lo;
	b->rounds = bisect_rounds_for(lo, (b->alpha - ESTIMATE_ERROR) /
				      bisect_max_steps(b->nspecs, b->parallel), b->max_rounds);
	b->error = ESTIMATE_ERROR;
	return BISECT_FOUND;
}

static bool tried(const struct bisect *b, int i)
{
	for (int s = 0; s < b->nsteps; s++)
		if (b->steps[s].index == i)
			return true;
	return false;
}

/* The untried kernel between lo and hi nearest to want; -1 if none. */
static int nearest_untried(const struct bisect *b, int lo, int hi, int want)
{
	for (int d = 0; d < hi - lo; d++) {
		if (want - d > lo && want - d < hi && !tried(b, want - d))
			return want - d;
		if (want + d > lo && want + d < hi && !tried(b, want + d))
			return want + d;
	}
	return -1;
}

/* Up to b->parallel kernels cutting (lo, hi) into equal parts. */
static int pick(const struct bisect *b, int lo, int hi, int *idx)
{
	int n = 0;

	for (int k = 1; k <= b->parallel; k++) {
		int i = nearest_untried(b, lo, hi, lo + (hi - lo) * k / (b->parallel + 1));
		bool dup = false;

		for (int j = 0; j < n; j++)
			dup |= idx[j] == i;
		if (i >= 0 && !dup)
			idx[n++] = i;
	}
	return n;
}

static int search(struct bisect *b, int *lo, int *hi)
{
	int *idx = xcalloc(b->parallel, sizeof(int)), rc = BISECT_FOUND;

	while (*hi - *lo > 1 && !rc) {
		int n = pick(b, *lo, *hi, idx), first, new_lo = *lo, new_hi = *hi;

		if (!n) {
			rc = fail_with(b, BISECT_UNDECIDED, "every kernel after %s was "
				       "skipped: the change is in that range", b->specs[*lo]);
			break;
		}
		first = take_steps(b, idx, n, b->racy ? b->rounds : 0, false);
		for (int j = first; j < b->nsteps; j++) {
			struct bisect_step *s = &b->steps[j];

			judge(b, s);
			b->error += s->error;
			if (s->verdict == STEP_GOOD && s->index > new_lo)
				new_lo = s->index;
			if (s->verdict == STEP_BAD && s->index < new_hi)
				new_hi = s->index;
		}
		if (new_lo > new_hi)
			rc = fail_with(b, BISECT_UNDECIDED, "%s is good after a bad kernel: "
				       "the change is not one step", b->specs[new_lo]);
		*lo = new_lo;
		*hi = new_hi;
	}
	free(idx);
	return rc;
}

/* A racy culprit and its predecessor are run once more; they must agree. */
static int recheck(struct bisect *b, int lo, int hi)
{
	int idx[2], n = 0, first;

	if (!b->racy)
		return BISECT_FOUND;
	if (lo != 0)
		idx[n++] = lo;		/* the ends were checked first */
	if (hi != b->nspecs - 1)
		idx[n++] = hi;
	if (!n)
		return BISECT_FOUND;
	first = take_steps(b, idx, n, b->rounds, true);
	for (int j = first; j < b->nsteps; j++) {
		struct bisect_step *s = &b->steps[j];

		judge(b, s);
		b->error += s->error;
		if (s->verdict != (s->index == lo ? STEP_GOOD : STEP_BAD))
			return fail_with(b, BISECT_UNDECIDED, "the re-check of %s disagrees: "
					 "the race is not stable enough to bisect here",
					 b->specs[s->index]);
	}
	return BISECT_FOUND;
}

int bisect_run(struct bisect *b)
{
	int lo = 0, hi = b->nspecs - 1, rc;

	b->last_good = b->first_bad = -1;
	if (b->parallel < 1)
		b->parallel = 1;
	if (b->nspecs < 2)
		return fail_with(b, BISECT_BAD_INPUT, "%s", "bisect needs at least two kernels");
	rc = check_ends(b);
	if (!rc)
		rc = search(b, &lo, &hi);
	if (!rc)
		rc = recheck(b, lo, hi);
	if (!rc) {
		b->last_good = lo;
		b->first_bad = hi;
	}
	return rc;
}

void bisect_free(struct bisect *b)
{
	for (int i = 0; i < b->nsteps; i++) {
		free(b->steps[i].r.why);
		free(b->steps[i].r.dir);
	}
	free(b->steps);
	free(b->why);
	b->steps = NULL;
	b->nsteps = 0;
	b->why = NULL;
}
