/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KREPRO_CLASSIFY_H
#define KREPRO_CLASSIFY_H

#include <stdbool.h>

#include "channel.h"
#include "run.h"

/* A pair's declared subtest by name, or NULL. */
struct sub_result *sub_get(struct pair *p, const char *name);
/* Every subtest of the pair gets outcome o for this run, with reason. */
void fold_all(struct pair *p, enum outcome o, const char *reason);
/* The pair's one-line detail (takes ownership). */
void set_detail(struct pair *p, char *detail);

/*
 * Classify one finished run of a pair from its target's report (VM or
 * host alike); timed_out: killed at its deadline.
 */
void classify_run(struct pair *p, const struct guest_report *g, bool timed_out);

/*
 * The pair's outcome over all its runs: its worst subtest, where a hazard
 * that was not reproduced is no failure and skips count as passes.
 */
void settle(struct pair *p);

#endif
