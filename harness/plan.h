/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The plan: kernels x cases x the user's selection into the pairs a run
 * executes, and a shard's share of them.  Nothing runs here.
 */
#ifndef KREPRO_PLAN_H
#define KREPRO_PLAN_H

#include "cases.h"
#include "run.h"

/* One -c argument: a case, or one subtest of it. */
struct selection {
	char *kase;
	char *sub;	/* NULL: the whole case */
};

/* Every selected case and subtest is declared; -1 with *why if not. */
int plan_check_selection(struct case_set *set, const struct selection *sel, int nsel,
			 char **why);
/*
 * Every selected case's reproducer is built under root; -1 with *why
 * naming the first that is not.
 */
/*
 * Every host tool a selected case declares (tools:) is installed: a VM
 * run copies them into the guest and a host run calls them.  -1 with a
 * one-line reason naming the case and the tool.
 */
int plan_check_tools(struct case_set *set, const struct selection *sel, int nsel,
		     char **why);
int plan_check_built(const char *root, struct case_set *set, const struct selection *sel,
		     int nsel, char **why);
/*
 * The pairs, kernel-major and cases in name order: the default cases
 * when nsel is 0, else the selected ones.  A selected mitigation brings
 * its guard along.
 */
void plan_pairs(struct run_opts *o, struct case_set *set, const struct selection *sel,
		int nsel);
/* --shard I/N takes N up to this; a run.json's shard is held to it too. */
#define PLAN_SHARDS_MAX 10000

/* Keep shard i of n: pair j goes to shard j mod n + 1 (deterministic). */
void plan_shard(struct run_opts *o, int i, int n);

#endif
