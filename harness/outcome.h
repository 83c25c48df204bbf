/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The outcome vocabulary, once: what a subtest's result is called, how
 * bad it is, how several runs fold into one, and how a cell reads.  The
 * runner, compare and the reports all take it from here.
 */
#ifndef KREPRO_OUTCOME_H
#define KREPRO_OUTCOME_H

#include <stdbool.h>

#include "cases.h"

/*
 * not-run: the case stopped (a crash) before this subtest started.
 * unshown ("not-comparable"): a mitigation held, but its danger was not
 * shown in the same run, so holding proves nothing.
 */
enum outcome { OUT_PASS, OUT_FAIL, OUT_SKIP, OUT_ERROR, OUT_CRASH,
	       OUT_TIMEOUT, OUT_INFRA, OUT_NOTRUN, OUT_UNSHOWN, OUT_COUNT };

const char *outcome_name(enum outcome o);
/* The outcome a name (as in run.json) stands for, or -1. */
int outcome_parse(const char *name);
/* What a cell says: hazards and behaviours read "reproduced" / "not-reproduced". */
const char *outcome_label(enum outcome o, enum kind k);

/* Hazards and behaviours pass by reproducing; the others by holding. */
bool kind_is_hazard(enum kind k);

/* How bad: no verdict (0) < pass, fail (1) < infra < error < timeout < crash. */
int outcome_severity(enum outcome o);
/* No verdict, and any verdict of another run says more: skip, not-run, unshown. */
bool outcome_no_verdict(enum outcome o);
/* The worse of two settled outcomes, where fail is worse than pass. */
enum outcome outcome_worse(enum outcome a, enum outcome b);

/*
 * Fold one more run's outcome o into cur (OUT_COUNT: no run yet).
 * runs_hit already counts o's hit: a hazard that reproduced in any run
 * passes, any other kind that failed in any run fails.
 */
enum outcome outcome_fold(enum outcome cur, enum outcome o, enum kind k, int runs_hit);

/*
 * A cell: "pass", "fail 3/20", "pass n=20", "reproduced 12/200 [3.5-10.3%]"
 * (a Wilson 95 % interval for racy subtests only: their rounds are
 * independent trials).  k counts hits - reproductions for hazards,
 * failures otherwise - over n.
 */
char *outcome_cell(enum outcome o, enum kind kind, long k, long n, bool racy);

#endif
