// SPDX-License-Identifier: GPL-2.0-only
/*
 * The end report of a bisection: the culprit, every step with its k/n,
 * the error bound and what the Debian changelog says changed.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bisect_report.h"
#include "json.h"
#include "util.h"

/* Text lists each changelog entry's header; the full text is in json. */
#define TEXT_ENTRIES 20

static char *step_cell(const struct bisect *b, const struct bisect_step *s)
{
	return outcome_cell(s->r.outcome, b->kind, s->r.k, s->r.n, s->r.racy);
}

static const char *step_note(const struct bisect *b, const struct bisect_step *s)
{
	if (s->index == 0 && s == &b->steps[0])
		return "good end";
	if (s->index == b->nspecs - 1 && s == &b->steps[1])
		return "bad end";
	return s->recheck ? "re-check" : "";
}

/* One sentence on how sure the culprit is. */
static void error_sentence(struct buf *o, const struct bisect *b)
{
	if (!b->racy) {
		buf_puts(o, "exact: the subtest is deterministic, one run decides each kernel");
		return;
	}
	buf_printf(o, "the culprit is wrong with probability at most %.1f %% (target %.0f %%): "
		   "each step without a hit ran %d rounds against a hit rate of at least "
		   "%.1f %% (97.5 %% lower bound at the %s end)", 100 * b->error,
		   100 * b->alpha, b->rounds, 100 * b->p_hit, b->hits_bad ? "bad" : "good");
}

static void text_steps(struct buf *o, const struct bisect_report *r)
{
	const struct bisect *b = r->b;
	int w = 6;

	for (int i = 0; i < b->nspecs; i++)
		if ((int)strlen(b->specs[i]) > w)
			w = strlen(b->specs[i]);
	buf_printf(o, "%4s  %-*s  %-28s %-7s %s\n", "step", w, "kernel", "result", "verdict",
		   "note");
	for (int i = 0; i < b->nsteps; i++) {
		const struct bisect_step *s = &b->steps[i];
		char *cell = step_cell(b, s);

		buf_printf(o, "%4d  %-*s  %-28s %-7s %s", i + 1, w, b->specs[s->index], cell,
			   step_verdict_name(s->verdict), step_note(b, s));
		if (s->r.why)
			buf_printf(o, "%s%s", *step_note(b, s) ? "; " : "", s->r.why);
		buf_puts(o, "\n");
		free(cell);
	}
}

static void text_changelog(struct buf *o, const struct bisect_report *r)
{
	if (r->nlog < 0 || !r->good_version || !r->bad_version)
		return;
	buf_printf(o, "\nchangelog: %d entr%s after %s up to %s\n", r->nlog,
		   r->nlog == 1 ? "y" : "ies", r->good_version, r->bad_version);
	for (int i = 0; i < r->nlog && i < TEXT_ENTRIES; i++)
		buf_printf(o, "  %s  [%d lines]\n", r->log[i].header, r->log[i].lines);
	if (r->nlog > TEXT_ENTRIES)
		buf_printf(o, "  ... %d more\n", r->nlog - TEXT_ENTRIES);
	buf_printf(o, "  (the entries in full: %s/changelog.txt, and in --format json)\n", r->dir);
}

static char *render_text(const struct bisect_report *r)
{
	const struct bisect *b = r->b;
	struct buf o = { 0 };

	buf_printf(&o, "bisect %s (%s%s) over %d kernels, %s to %s\n\n", r->subject,
		   kind_name(b->kind), b->racy ? ", racy" : "", b->nspecs, b->specs[0],
		   b->specs[b->nspecs - 1]);
	text_steps(&o, r);
	buf_puts(&o, "\n");
	if (b->first_bad < 0) {
		buf_printf(&o, "undecided: %s\n", b->why ? b->why : "?");
		return o.data;
	}
	buf_printf(&o, "last good: %s\nfirst bad: %s\n", b->specs[b->last_good],
		   b->specs[b->first_bad]);
	buf_printf(&o, "%d steps between the ends; ", b->nsteps - 2);
	error_sentence(&o, b);
	buf_puts(&o, "\n");
	text_changelog(&o, r);
	return o.data;
}

static char *render_md(const struct bisect_report *r)
{
	const struct bisect *b = r->b;
	struct buf o = { 0 };

	buf_printf(&o, "## bisect `%s`\n\n", r->subject);
	if (b->first_bad >= 0)
		buf_printf(&o, "**first bad: `%s`** (last good: `%s`)\n\n",
			   b->specs[b->first_bad], b->specs[b->last_good]);
	else
		buf_printf(&o, "**undecided**: %s\n\n", b->why ? b->why : "?");
	buf_puts(&o, "| step | kernel | result | verdict | note |\n|---|---|---|---|---|\n");
	for (int i = 0; i < b->nsteps; i++) {
		const struct bisect_step *s = &b->steps[i];
		char *cell = step_cell(b, s);

		buf_printf(&o, "| %d | `%s` | %s | %s | %s%s%s |\n", i + 1, b->specs[s->index],
			   cell, step_verdict_name(s->verdict), step_note(b, s),
			   s->r.why && *step_note(b, s) ? "; " : "", s->r.why ? s->r.why : "");
		free(cell);
	}
	buf_puts(&o, "\n");
	if (b->first_bad >= 0) {
		error_sentence(&o, b);
		buf_puts(&o, ".\n");
	}
	for (int i = 0; i < r->nlog && i < TEXT_ENTRIES; i++)
		buf_printf(&o, "%s- `%s` (%d lines)\n", i ? "" : "\nChangelog:\n\n",
			   r->log[i].header, r->log[i].lines);
	return o.data;
}

static json_t *json_step(const struct bisect *b, const struct bisect_step *s)
{
	json_t *j = json_object();

	json_object_set_new(j, "kernel", jstr(b->specs[s->index]));
	json_object_set_new(j, "outcome", json_string(outcome_name(s->r.outcome)));
	json_object_set_new(j, "k", json_integer(s->r.k));
	json_object_set_new(j, "n", json_integer(s->r.n));
	json_object_set_new(j, "verdict", json_string(step_verdict_name(s->verdict)));
	json_object_set_new(j, "error", json_real(s->error));
	json_object_set_new(j, "recheck", json_boolean(s->recheck));
	json_object_set_new(j, "why", jstr(s->r.why));
	json_object_set_new(j, "results", jstr(s->r.dir));
	return j;
}

static json_t *json_changelog(const struct bisect_report *r)
{
	json_t *a = json_array();

	for (int i = 0; i < r->nlog; i++) {
		json_t *e = json_object();

		json_object_set_new(e, "version", jstr(r->log[i].version));
		json_object_set_new(e, "header", jstr(r->log[i].header));
		json_object_set_new(e, "text", jstr(r->log[i].text));
		json_array_append_new(a, e);
	}
	return a;
}

static char *render_json(const struct bisect_report *r)
{
	const struct bisect *b = r->b;
	json_t *j = json_object(), *steps = json_array();

	json_object_set_new(j, "subtest", jstr(r->subject));
	json_object_set_new(j, "kind", json_string(kind_name(b->kind)));
	json_object_set_new(j, "racy", json_boolean(b->racy));
	json_object_set_new(j, "decided", json_boolean(b->first_bad >= 0));
	json_object_set_new(j, "last_good", b->first_bad >= 0 ?
			    jstr(b->specs[b->last_good]) : json_null());
	json_object_set_new(j, "first_bad", b->first_bad >= 0 ?
			    jstr(b->specs[b->first_bad]) : json_null());
	json_object_set_new(j, "why", jstr(b->why));
	json_object_set_new(j, "error_bound", json_real(b->racy ? b->error : 0));
	json_object_set_new(j, "alpha", json_real(b->alpha));
	json_object_set_new(j, "rounds_per_step", json_integer(b->racy ? b->rounds : 0));
	json_object_set_new(j, "hit_rate_lower_bound", json_real(b->racy ? b->p_hit : 0));
	for (int i = 0; i < b->nsteps; i++)
		json_array_append_new(steps, json_step(b, &b->steps[i]));
	json_object_set_new(j, "steps", steps);
	json_object_set_new(j, "changelog", json_changelog(r));
	return jdump(j, 2);
}

char *bisect_render(const struct bisect_report *r, enum format f)
{
	if (f == FMT_MD)
		return render_md(r);
	if (f == FMT_JSON)
		return render_json(r);
	return render_text(r);
}
