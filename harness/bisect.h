/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Bisection over an ordered list of kernels, for one subtest.
 *
 * The engine knows nothing of VMs: it asks a step function for the
 * subtest's outcome on list[i] with a number of rounds, and decides.  A
 * racy subtest's steps are sized from the hit rate measured at the end
 * that hits, so that every "no hit" step is wrong with probability at most
 * alpha_step; the error bound reported is what was spent (union bound).
 */
#ifndef KREPRO_BISECT_H
#define KREPRO_BISECT_H

#include <stdbool.h>

#include "cases.h"
#include "outcome.h"

/* What one run of the subtest on one kernel gave. */
struct step_result {
	enum outcome outcome;
	int k, n;		/* hits (fails, or reproductions) over rounds */
	bool racy;		/* k/n counts rounds of a race, not runs */
	char *why;		/* infra, error or crash: one line; else NULL */
	char *dir;		/* where the step's run.json is */
};

/*
 * Run the subtest on the kernels idx[0..n-1] (at once, when it can) with
 * rounds (0: the declared budget), one result each in r[].
 */
typedef int (*bisect_step_fn)(void *ctx, const int *idx, int n, int rounds,
			      struct step_result *r);

enum step_verdict { STEP_GOOD, STEP_BAD, STEP_SKIP };

struct bisect_step {
	int index;
	struct step_result r;
	enum step_verdict verdict;
	double error;		/* chance this verdict is wrong */
	bool recheck;		/* a final re-check of the culprit or its predecessor */
};

struct bisect {
	/* in */
	char **specs;		/* the ordered kernels, good end first */
	int nspecs;
	enum kind kind;
	double alpha;		/* the overall error allowed (0.05) */
	int start_rounds;	/* rounds for the ends of a racy subtest */
	int max_rounds;		/* never more than this per step */
	int parallel;		/* kernels tried at once between the ends (1: bisection) */
	bisect_step_fn step;
	void *ctx;

	/* out */
	bool racy;		/* the ends showed a race: steps are sized */
	struct bisect_step *steps;
	int nsteps;
	enum outcome good_outcome, bad_outcome;
	bool hits_bad;		/* the bad end is the one that hits */
	double p_hit;		/* lower 97.5 % bound of the hitting end's rate */
	int rounds;		/* rounds per middle step */
	double error;		/* the bound spent: estimate + every step */
	int last_good, first_bad;	/* indexes; -1 when undecided */
	char *why;		/* why it could not decide, or bad input */
};

enum { BISECT_FOUND = 0, BISECT_BAD_INPUT = 2, BISECT_UNDECIDED = 3 };

/* Check both ends, then search.  Returns a BISECT_* code; b->why says why. */
int bisect_run(struct bisect *b);
/*
 * Steps a search over n kernels needs at most, trying `parallel` kernels
 * a round (each round cuts the range into parallel + 1), re-checks included.
 */
int bisect_max_steps(int n, int parallel);
/* Rounds so that p_hit is missed with probability at most err. */
int bisect_rounds_for(double p_hit, double err, int cap);
void bisect_free(struct bisect *b);

const char *step_verdict_name(enum step_verdict v);

#endif
