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

static char *render_json(const struct matrix *m, bool strict)
{
	struct buf b = { 0 };
	int i, j;

	buf_puts(&b, "{");
	json_kv_str(&b, true, "schema", "krepro-compare");
	json_kv_str(&b, false, "version", "1.0");
	json_kv_str(&b, false, "baseline", m->nk ? m->kernels[m->baseline].spec : "");
	json_kv_bool(&b, false, "strict", strict);
	json_kv_int(&b, false, "exit", matrix_exit_code(m, strict));
	json_key(&b, false, "summary");
	buf_puts(&b, "{");
	for (i = 0; i < CH_COUNT; i++)
		json_kv_int(&b, i == 0, change_name(i), m->counts[i]);
	buf_puts(&b, "}");
	json_key(&b, false, "kernels");
	buf_puts(&b, "[");
	for (j = 0; j < m->nk; j++) {
		const struct cmp_kernel *k = &m->kernels[j];

		buf_puts(&b, j ? ",{" : "{");
		json_kv_str(&b, true, "spec", k->spec);
		json_kv_str(&b, false, "source", k->source);
		json_kv_str(&b, false, "uname_r", k->uname_r);
		json_kv_str(&b, false, "proc_version", k->proc_version);
		json_kv_str(&b, false, "image_sha256", k->sha256);
		buf_puts(&b, "}");
	}
	buf_puts(&b, "]");
	json_key(&b, false, "rows");
	buf_puts(&b, "[");
	for (i = 0; i < m->nrows; i++) {
		const struct cmp_row *r = &m->rows[i];

		buf_puts(&b, i ? ",{" : "{");
		json_kv_str(&b, true, "case", r->kase);
		json_kv_str(&b, false, "subtest", r->sub);
		json_kv_str(&b, false, "kind", kind_name(r->kind));
		json_key(&b, false, "cells");
		buf_puts(&b, "[");
		for (j = 0; j < m->nk; j++) {
			const struct cmp_cell *c = &r->cells[j];
			const struct cmp_change *ch = &r->changes[j];
			double lo, hi;

			buf_puts(&b, j ? ",{" : "{");
			json_kv_str(&b, true, "kernel", m->kernels[j].spec);
			json_kv_bool(&b, false, "present", c->present);
			if (c->present) {
				json_kv_str(&b, false, "outcome", outcome_name(c->outcome));
				json_kv_str(&b, false, "label", outcome_label(c->outcome, r->kind));
				json_kv_int(&b, false, "k", c->k);
				json_kv_int(&b, false, "n", c->n);
				json_kv_bool(&b, false, "racy", c->racy);
				wilson_interval(c->k, c->n, 1.96, &lo, &hi);
				json_key(&b, false, "interval95");
				buf_printf(&b, "[%.4f,%.4f]", lo, hi);
				if (c->first_hit_s >= 0)
					json_kv_num(&b, false, "first_hit_s", c->first_hit_s);
				json_kv_str(&b, false, "reason", c->reason);
				json_kv_str(&b, false, "run_dir", c->dir);
			}
			json_kv_str(&b, false, "change", change_name(ch->what));
			json_kv_str(&b, false, "why", ch->why);
			if (ch->p >= 0) {
				json_key(&b, false, "p");
				buf_printf(&b, "%.6g", ch->p);
			}
			if (ch->more_runs >= 0)
				json_kv_int(&b, false, "more_runs", ch->more_runs);
			buf_puts(&b, "}");
		}
		buf_puts(&b, "]}");
	}
	buf_puts(&b, "]}\n");
	return b.data;
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
