// SPDX-License-Identifier: GPL-2.0-only
/*
 * The comparison matrix in five shapes: text for a terminal, Markdown for
 * a CI comment, JSON for programs, JUnit XML for CI test reports, and one
 * self-contained HTML page.  This file holds JSON and what the formats
 * share; the others have a file each (report.h).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "json.h"
#include "stats.h"
#include "cli.h"
#include "report.h"

int format_parse(const char *s, enum format *f)
{
	static const char *const names[] = { "text", "md", "json", "junit", "html" };

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i])) {
			*f = i;
			return 0;
		}
	return -1;
}

char *cell_text(const struct cmp_row *r, const struct cmp_cell *c)
{
	if (!c->present)
		return xstrdup("-");
	return outcome_cell(c->outcome, r->kind, c->k, c->n, c->racy);
}

const char *change_mark(enum change c)
{
	switch (c) {
	case CH_REGRESSION:	return "REGRESSION";
	case CH_FIXED:		return "fixed";
	case CH_BEHAVIOUR:	return "changed";
	case CH_INCONCLUSIVE:	return "inconclusive";
	case CH_NEW:		return "new";
	case CH_MISSING:	return "missing";
	case CH_ERROR:		return "ERROR";
	case CH_UNCOMPARABLE:	return "n/c";
	case CH_BASELINE_CRASH:	return "BASELINE CRASH";
	case CH_SKIPPED:	return "SKIPPED";
	case CH_RATE:		return "rate";
	default:		return NULL;
	}
}

const char *kernel_title(const struct cmp_kernel *k)
{
	return k->spec;
}

void summary_line(struct buf *b, const struct matrix *m)
{
	buf_printf(b, "%d regression%s, %d fixed, %d behaviour change%s, ",
		   m->counts[CH_REGRESSION], m->counts[CH_REGRESSION] == 1 ? "" : "s",
		   m->counts[CH_FIXED],
		   m->counts[CH_BEHAVIOUR], m->counts[CH_BEHAVIOUR] == 1 ? "" : "s");
	/* Only races have rates; most matrices never show one. */
	if (m->counts[CH_RATE])
		buf_printf(b, "%d rate change%s, ", m->counts[CH_RATE],
			   m->counts[CH_RATE] == 1 ? "" : "s");
	buf_printf(b, "%d inconclusive, %d new, %d missing, %d error%s",
		   m->counts[CH_INCONCLUSIVE], m->counts[CH_NEW], m->counts[CH_MISSING],
		   m->counts[CH_ERROR], m->counts[CH_ERROR] == 1 ? "" : "s");
	/* Classes that are rare and always worth a word. */
	if (m->counts[CH_BASELINE_CRASH])
		buf_printf(b, ", %d baseline crash%s (no comparison)",
			   m->counts[CH_BASELINE_CRASH],
			   m->counts[CH_BASELINE_CRASH] == 1 ? "" : "es");
	if (m->counts[CH_SKIPPED])
		buf_printf(b, ", %d skipped where the baseline passed%s",
			   m->counts[CH_SKIPPED], m->allow_skip ? " (allowed)" : "");
}

char *agree_line(const struct matrix *m)
{
	int agree = 0;

	for (int i = 0; i < m->nrows && m->nk > 1; i++)
		agree += !row_needs_showing(m, i);
	if (!agree)
		return xstrdup("");
	return xasprintf("rows that agree on every kernel: %d of %d", agree, m->nrows);
}

char *change_words(const struct view *v, const struct view_change *g)
{
	const struct cmp_row *r = &v->m->rows[g->row];
	const char *why = r->changes[g->kernels[0]].why;
	bool same = true;
	struct buf b = { 0 };

	for (int i = 1; i < g->nkernels; i++)
		same &= !strcmp(why ? why : "", r->changes[g->kernels[i]].why ?
				r->changes[g->kernels[i]].why : "");
	if (g->nkernels > 1)
		buf_printf(&b, " (%d kernels)", g->nkernels);
	if (why && *why)
		buf_printf(&b, ": %s%s%s", same ? "" : v->names[g->kernels[0]],
			   same ? "" : " ", why);
	if (v->m->nk > 2 && g->from >= 0)
		buf_printf(&b, "; changed between %s and %s", v->names[g->from], v->names[g->to]);
	return b.data ? b.data : xstrdup("");
}

/* ---- JSON ---- */

/* One cell: what ran, with its interval, and its change against the baseline. */
static json_t *json_cell(const struct matrix *m, const struct cmp_row *r, int j)
{
	const struct cmp_cell *c = &r->cells[j];
	const struct cmp_change *ch = &r->changes[j];
	json_t *jc = json_object();
	double lo, hi;

	json_object_set_new(jc, "kernel", jstr(m->kernels[j].spec));
	json_object_set_new(jc, "present", json_boolean(c->present));
	if (c->present) {
		json_object_set_new(jc, "outcome", json_string(outcome_name(c->outcome)));
		json_object_set_new(jc, "label", json_string(outcome_label(c->outcome, r->kind)));
		json_object_set_new(jc, "k", json_integer(c->k));
		json_object_set_new(jc, "n", json_integer(c->n));
		json_object_set_new(jc, "racy", json_boolean(c->racy));
		wilson_interval(c->k, c->n, 1.96, &lo, &hi);
		json_object_set_new(jc, "interval95", json_pack("[o, o]", jreal("%.4f", lo),
								 jreal("%.4f", hi)));
		if (c->first_hit_s >= 0)
			json_object_set_new(jc, "first_hit_s", jreal("%.3f", c->first_hit_s));
		json_object_set_new(jc, "reason", jstr(c->reason));
		json_object_set_new(jc, "run_dir", jstr(c->dir));
	}
	json_object_set_new(jc, "change", json_string(change_name(ch->what)));
	json_object_set_new(jc, "why", jstr(ch->why));
	if (ch->p >= 0)
		json_object_set_new(jc, "p", jreal("%.6g", ch->p));
	if (ch->more_runs >= 0)
		json_object_set_new(jc, "more_runs", json_integer(ch->more_runs));
	return jc;
}

static json_t *json_row(const struct matrix *m, const struct cmp_row *r)
{
	json_t *jr = json_object(), *cells = json_array();

	json_object_set_new(jr, "case", jstr(r->kase));
	json_object_set_new(jr, "subtest", jstr(r->sub));
	json_object_set_new(jr, "kind", json_string(kind_name(r->kind)));
	for (int j = 0; j < m->nk; j++)
		json_array_append_new(cells, json_cell(m, r, j));
	json_object_set_new(jr, "cells", cells);
	return jr;
}

static json_t *json_kernel(const struct cmp_kernel *k)
{
	json_t *jk = json_object();

	json_object_set_new(jk, "spec", jstr(k->spec));
	json_object_set_new(jk, "source", jstr(k->source));
	json_object_set_new(jk, "uname_r", jstr(k->uname_r));
	json_object_set_new(jk, "proc_version", jstr(k->proc_version));
	json_object_set_new(jk, "image_sha256", jstr(k->sha256));
	return jk;
}

static char *render_json(const struct matrix *m, bool strict)
{
	json_t *doc = json_object(), *summary = json_object();
	json_t *kernels = json_array(), *rows = json_array();

	json_object_set_new(doc, "schema", json_string("krepro-compare"));
	json_object_set_new(doc, "version", json_string("1.0"));
	json_object_set_new(doc, "baseline", jstr(m->nk ? m->kernels[m->baseline].spec : ""));
	json_object_set_new(doc, "strict", json_boolean(strict));
	json_object_set_new(doc, "exit", json_integer(matrix_exit_code(m, strict)));
	for (int i = 0; i < CH_COUNT; i++)
		json_object_set_new(summary, change_name(i), json_integer(m->counts[i]));
	json_object_set_new(doc, "summary", summary);
	for (int j = 0; j < m->nk; j++)
		json_array_append_new(kernels, json_kernel(&m->kernels[j]));
	json_object_set_new(doc, "kernels", kernels);
	for (int i = 0; i < m->nrows; i++)
		json_array_append_new(rows, json_row(m, &m->rows[i]));
	json_object_set_new(doc, "rows", rows);
	/* On one line: a program's input, which line-based tools pass along whole. */
	return jdump(doc, 0);
}

/* ---- shared by JUnit and HTML ---- */

/* Escape for XML text and attributes; drop what XML 1.0 forbids. */
void xml_escape(struct buf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		switch (*p) {
		case '&': buf_puts(b, "&amp;"); break;
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		case '"': buf_puts(b, "&quot;"); break;
		case '\'': buf_puts(b, "&#39;"); break;
		default:
			if (*p < 0x20 && *p != '\n' && *p != '\t')
				break;
			buf_add(b, p, 1);
		}
	}
}

char *matrix_render(const struct matrix *m, enum format f, const struct view_opts *o,
		    bool colour, bool strict)
{
	switch (f) {
	case FMT_MD:	return render_md(m, o, strict);
	case FMT_JSON:	return render_json(m, strict);
	case FMT_JUNIT:	return render_junit(m);
	case FMT_HTML:	return render_html(m, strict);
	default:	return render_text(m, o, colour);
	}
}
