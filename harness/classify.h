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

/* Classify one finished VM attempt from its channel frames and console. */
void classify_vm(struct pair *p, const struct guest_report *g,
		 const char *console, bool timed_out);
/*
 * Classify one finished host-mode run: the reproducer's KTAP text, its
 * exit status rc, p->taint_before and p->taint_after.
 */
void classify_host(struct pair *p, const char *text, int rc, bool timed_out);

/*
 * The pair's outcome over all its runs: its worst subtest, where a hazard
 * that was not reproduced is no failure and skips count as passes.
 */
void settle(struct pair *p);

#endif
