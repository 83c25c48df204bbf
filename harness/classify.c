// SPDX-License-Identifier: GPL-2.0-only
/*
 * The classifier: a finished run's evidence - the reproducer's KTAP, its
 * exit status, the guest's frames, the console, the taint - into
 * per-subtest outcomes, folded over the runs of a pair.  For both
 * targets, VM and host.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "cli.h"
#include "evidence.h"
#include "ktap.h"
#include "wire.h"

struct sub_result *sub_get(struct pair *p, const char *name)
{
	int i;

	for (i = 0; i < p->nsubs; i++)
		if (!strcmp(p->subs[i].name, name))
			return &p->subs[i];
	return NULL;
}


static void sub_add_stats(struct sub_result *s, const struct ktap_stats *st)
{
	int i, j;

	s->racy = true;
	s->k += st->k;
	s->n += st->n;
	s->elapsed_s += st->elapsed_s;
	s->first_hit_s = xrealloc(s->first_hit_s, sizeof(double) * (s->nfirst + 1));
	s->stops = xrealloc(s->stops, sizeof(char *) * (s->nfirst + 1));
	s->stops[s->nfirst] = xstrdup(st->stop);
	s->first_hit_s[s->nfirst++] = st->first_hit_s;
	s->budget_rounds = st->budget_rounds;
	s->budget_s = st->budget_s;
	for (i = 0; i < st->ncounts; i++) {
		for (j = 0; j < s->ncounts; j++)
			if (!strcmp(s->count_names[j], st->count_names[i]))
				break;
		if (j == s->ncounts) {
			s->count_names = xrealloc(s->count_names, sizeof(char *) * (j + 1));
			s->counts = xrealloc(s->counts, sizeof(long) * (j + 1));
			s->count_names[j] = xstrdup(st->count_names[i]);
			s->counts[j] = 0;
			s->ncounts++;
		}
		s->counts[j] += st->counts[i];
	}
}


/*
 * Fold one run's result for a subtest.  k counts hits - reproductions for
 * hazards and behaviours, failures otherwise - over n: runs, or for a racy
 * subtest the rounds its statistics line reports.
 */
static void sub_fold(struct sub_result *s, enum outcome o, const char *reason,
		     const char *diag, const struct ktap_stats *st)
{
	if (o == OUT_PASS || o == OUT_FAIL) {
		bool hit = kind_is_hazard(s->kind) ? o == OUT_PASS : o == OUT_FAIL;

		s->runs++;
		s->runs_hit += hit;
		if (st) {
			sub_add_stats(s, st);
		} else {
			s->n++;
			s->k += hit;
		}
	}
	s->outcome = outcome_fold(s->outcome, o, s->kind, s->runs_hit);
	if (reason && *reason) {
		free(s->reason);
		s->reason = xstrdup(reason);
	}
	if (diag) {
		free(s->diag);
		s->diag = xstrdup(diag);
	}
}


void fold_all(struct pair *p, enum outcome o, const char *reason)
{
	int i;

	for (i = 0; i < p->nsubs; i++)
		sub_fold(&p->subs[i], o, reason, NULL, NULL);
}


/* The declared subtest a KTAP test line names, or NULL. */
static struct sub_result *sub_of_test(struct pair *p, const struct ktap_test *t)
{
	for (int i = 0; i < p->nsubs; i++)
		if (!strcmp(p->subs[i].name, t->name) || !strcmp(p->subs[i].name, t->full))
			return &p->subs[i];
	return NULL;
}


/* One reported subtest's outcome, from its result line and diagnostics. */
static void fold_test(struct sub_result *s, const struct ktap_test *t)
{
	struct ktap_stats st;
	char *why = ktap_setup_failed(t->diag);
	bool timed_out;
	int ret;

	if (why) {
		char *reason = xasprintf("set-up failed: %s", why);

		sub_fold(s, OUT_ERROR, reason, t->diag, NULL);
		free(reason);
		free(why);
		return;
	}
	why = ktap_unfinished(t->diag, &timed_out);
	if (why) {
		sub_fold(s, timed_out ? OUT_TIMEOUT : OUT_ERROR, why, t->diag, NULL);
		free(why);
		return;
	}
	ret = ktap_stats_parse(t->diag, &st, &why);
	if (ret == -EINVAL) {
		sub_fold(s, OUT_ERROR, why, t->diag, NULL);
		free(why);
		return;
	}
	switch (t->result) {
	case KTAP_OK:
		sub_fold(s, OUT_PASS, t->reason, t->diag, ret ? NULL : &st);
		break;
	case KTAP_NOT_OK:
	case KTAP_XFAIL:
		sub_fold(s, OUT_FAIL, t->reason, t->diag, ret ? NULL : &st);
		break;
	case KTAP_SKIP:
		sub_fold(s, OUT_SKIP, t->reason, t->diag, NULL);
		break;
	}
	if (!ret)
		ktap_stats_free(&st);
}


/*
 * A mitigation that held counts only when the same run showed the danger
 * it guards against: its guard hazard reproduced, or (guards: within) its
 * own unprotected twin said so.  Returns why it does not count, or NULL.
 */
static char *danger_unshown(struct pair *p, struct ktap *k,
			    const struct sub_result *s, const struct ktap_test *t)
{
	const struct subtest_decl *d = subtest_find(p->kase, s->name);
	const struct ktap_test *g;
	char *failed;

	if (!d || d->kind != KIND_MITIGATION || t->result != KTAP_OK)
		return NULL;
	if (d->guard_within)
		return strstr(t->diag, "# " WIRE_DANGER_SHOWN_TAG) ? NULL :
			xstrdup("danger not shown: its unprotected twin came to no harm in this run");
	g = ktap_find(k, d->guard);
	if (!g)
		return xasprintf("danger not shown: %s did not run", d->guard);
	failed = ktap_setup_failed(g->diag);
	if (g->result == KTAP_OK && !failed)
		return NULL;
	free(failed);
	return xasprintf("danger not shown: %s was not reproduced in this run", d->guard);
}


/*
 * Per-subtest outcomes from the reproducer's KTAP.  stopped is OUT_COUNT
 * when the case ran to its end: a subtest without a result line is then
 * an error.  Otherwise the case was stopped (crash, timeout, VM gone):
 * the subtest that was running gets stopped with why, the ones that never
 * started are not-run, and the ones that reported keep their results.
 */
static void fold_ktap(struct pair *p, const char *text, int rc, enum outcome stopped,
		      const char *why)
{
	struct ktap k;
	int i;

	ktap_parse(text, &k);
	for (i = 0; i < p->nsubs; i++) {
		struct sub_result *s = &p->subs[i];
		struct ktap_test *t;
		char *why_unshown;

		if (!s->declared)
			continue;
		t = ktap_find(&k, s->name);
		if (t && ktap_count(&k, s->name) > 1) {
			/* Which one would be the test's own?  Neither counts. */
			char *twice = xasprintf("%d result lines for %s: the output is "
						"not one test's", ktap_count(&k, s->name),
						s->name);

			sub_fold(s, OUT_ERROR, twice, t->diag, NULL);
			free(twice);
		} else if (t && (why_unshown = danger_unshown(p, &k, s, t))) {
			sub_fold(s, OUT_UNSHOWN, why_unshown, t->diag, NULL);
			free(why_unshown);
		} else if (t) {
			fold_test(s, t);
		} else if (stopped == OUT_COUNT) {
			char *none = xasprintf("no result line for %s (exit status %d)",
					       s->name, rc);

			sub_fold(s, OUT_ERROR, none, NULL, NULL);
			free(none);
		} else if (!k.running || !strcmp(s->name, k.running)) {
			/* Running when it stopped (or nothing names one). */
			sub_fold(s, stopped, why, NULL, NULL);
		} else {
			sub_fold(s, OUT_NOTRUN, "the case stopped before it started", NULL, NULL);
		}
	}
	/* A test the declaration does not name: the declaration is stale. */
	for (i = 0; i < k.n; i++) {
		struct sub_result *s;

		if (p->only || sub_of_test(p, &k.tests[i]))
			continue;
		p->subs = xrealloc(p->subs, sizeof(*p->subs) * (p->nsubs + 1));
		s = &p->subs[p->nsubs++];
		memset(s, 0, sizeof(*s));
		s->name = xstrdup(k.tests[i].name);
		s->kind = KIND_REGRESSION;
		s->outcome = OUT_COUNT;
		sub_fold(s, OUT_ERROR, "not declared in the case file", k.tests[i].diag, NULL);
	}
	ktap_free(&k);
}


void set_detail(struct pair *p, char *detail)
{
	free(p->detail);
	p->detail = detail;
}

/*
 * The subtest that was running when the taint first gained a crash flag:
 * the last one to report before that TAINT frame (NULL: none reported).
 */
static struct sub_result *taint_culprit(struct pair *p, const struct guest_report *g)
{
	struct sub_result *s = NULL;
	size_t upto = strlen(g->ktap);
	struct ktap k;
	char *prefix;

	for (int i = 0; i < g->ntaints; i++)
		if (taint_crashed(g->taint_begin, g->taints[i].taint)) {
			upto = g->taints[i].ktap_offset;
			break;
		}
	prefix = strndup(g->ktap, upto);
	ktap_parse(prefix, &k);
	if (k.n)
		s = sub_of_test(p, &k.tests[k.n - 1]);
	ktap_free(&k);
	free(prefix);
	return s;
}


static void set_crash(struct pair *p, char *detail, char *excerpt)
{
	p->outcome = OUT_CRASH;
	set_detail(p, detail);
	free(p->excerpt);
	p->excerpt = excerpt ? excerpt : xstrdup("");
}


/* The VM never reached the case: infrastructure, whatever the reason. */
static void classify_no_case(struct pair *p, const struct guest_report *g, bool timed_out)
{
	char *excerpt = console_crash_excerpt(g->console, 40);
	char *last = last_line(g->console);

	char *when = p->boot_late ? xasprintf(" (init did not start within %d s)", p->boot_late) :
		     xstrdup(timed_out ? " (timed out)" : g->booted ? " (init ran, no BEGIN)" : "");

	p->outcome = OUT_INFRA;
	set_detail(p, xasprintf("kernel %s did not boot to the case%s%s%s%s",
				p->kernel->spec, when,
				excerpt ? ": crashed during boot" : "",
				*last ? "; console: " : "", last));
	free(when);
	free(last);
	free(p->excerpt);
	p->excerpt = excerpt;
}


/*
 * A crash flag gained while the case ran.  With a taint read after every
 * result line (a VM) the crash belongs to the subtest that reported
 * last before it; without (the live host) it cannot be placed.
 */
static void classify_taint(struct pair *p, const struct guest_report *g)
{
	struct sub_result *culprit = g->taint_frames ? taint_culprit(p, g) : NULL;
	char *flags = taint_gained(g->taint_begin, g->taint_end);

	set_crash(p, xasprintf("kernel taint %s gained while %s ran%s%s%s", flags,
			       p->kase->name, culprit ? " subtest " : "",
			       culprit ? culprit->name : "",
			       g->taint_frames ? "" : " (host mode cannot place it on one "
			       "subtest)"),
		  g->taint_frames ? console_crash_excerpt(g->console, 40) : NULL);
	if (culprit)
		sub_fold(culprit, OUT_CRASH, p->detail, NULL, NULL);
	else
		fold_all(p, OUT_CRASH, p->detail);
	free(flags);
}

/* The case did not end: a panic, its deadline, or the VM stopping. */
static void classify_unended(struct pair *p, const struct guest_report *g, bool timed_out)
{
	if (!timed_out && console_has_panic(g->console)) {
		set_crash(p, xasprintf("kernel panic while %s ran", p->kase->name),
			  console_crash_excerpt(g->console, 40));
		fold_ktap(p, g->ktap, -1, OUT_CRASH, p->detail);
		return;
	}
	p->outcome = timed_out ? OUT_TIMEOUT : OUT_ERROR;
	set_detail(p, timed_out ? xasprintf("%s did not finish within %d s", p->kase->name,
					    p->timeout)
				: xasprintf("the VM stopped before %s ended", p->kase->name));
	fold_ktap(p, g->ktap, -1, p->outcome, p->detail);
}

void classify_run(struct pair *p, const struct guest_report *g, bool timed_out)
{
	if (g->uname && *g->uname) {
		free(p->uname);
		p->uname = xstrdup(g->uname);
		free(p->version);
		p->version = xstrdup(g->version);
	}
	if (g->garbled) {
		/* Frames out of order: nothing on this channel can be trusted. */
		p->outcome = OUT_ERROR;
		set_detail(p, xasprintf("result channel garbled: %s", g->garbled));
		fold_all(p, OUT_ERROR, p->detail);
		return;
	}
	if (!g->begun) {
		classify_no_case(p, g, timed_out);
		return;
	}
	p->taint_before = g->taint_begin;
	p->taint_after = g->taint_end;
	if (!g->ended) {
		classify_unended(p, g, timed_out);
		return;
	}
	p->outcome = OUT_PASS;
	fold_ktap(p, g->ktap, g->rc, OUT_COUNT, NULL);
	if (taint_crashed(g->taint_begin, g->taint_end))
		classify_taint(p, g);
	else if (*g->module_errors)
		set_detail(p, xasprintf("module load: %s", rtrim(g->module_errors)));
}

/*
 * The pair's outcome over all its runs: its worst subtest, where a hazard
 * that was not reproduced is no failure and skips count as passes.
 */
void settle(struct pair *p)
{
	enum outcome worst = p->nsubs ? OUT_PASS : p->outcome;
	bool all_skip = p->nsubs > 0;

	for (int i = 0; i < p->nsubs; i++) {
		struct sub_result *s = &p->subs[i];

		if (s->outcome == OUT_COUNT)
			s->outcome = OUT_ERROR;
		if (s->outcome != OUT_SKIP)
			all_skip = false;
		if (s->outcome == OUT_FAIL && kind_is_hazard(s->kind))
			continue;
		if (!outcome_no_verdict(s->outcome))
			worst = outcome_worse(worst, s->outcome);
	}
	p->outcome = all_skip ? OUT_SKIP : worst;
}


