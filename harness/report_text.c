// SPDX-License-Identifier: GPL-2.0-only
/*
 * The text report, for a terminal or a CI log: the rows that differ (or
 * all with --all) with the kernels that agree folded into one column,
 * as wide as the terminal allows - beyond it, no table, one line per
 * change - then the change list and the summary.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "cli.h"

static const char *colour_of(const struct cmp_row *r, const struct cmp_cell *c,
			     const struct cmp_change *ch)
{
	if (ch->what == CH_REGRESSION || ch->what == CH_ERROR ||
	    ch->what == CH_BASELINE_CRASH || ch->what == CH_SKIPPED)
		return "\033[1;31m";
	if (ch->what == CH_INCONCLUSIVE)
		return "\033[33m";
	if (ch->what == CH_BEHAVIOUR || ch->what == CH_FIXED || ch->what == CH_RATE)
		return "\033[36m";
	if (!c->present || c->outcome == OUT_SKIP || c->outcome == OUT_UNSHOWN)
		return "\033[2m";
	if (c->outcome == OUT_PASS && !kind_is_hazard(r->kind))
		return "\033[32m";
	if (c->outcome == OUT_FAIL && !kind_is_hazard(r->kind))
		return "\033[31m";
	return "";
}

/* Columns a string takes on a terminal: one per UTF-8 character (the ranges' "…"). */
static int text_width(const char *s)
{
	int w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

/* s, then spaces up to width (none past it: never a negative field width). */
static void pad(struct buf *b, const char *s, int width)
{
	int w = text_width(s);

	buf_printf(b, "%s%*s", s, w < width ? width - w : 0, "");
}

/*
 * One column's cell: the kernel's own for a single kernel; for a folded
 * race, the verdict with the hits and runs of all its kernels together.
 */
static char *column_cell(const struct view *v, const struct cmp_row *r,
			 const struct view_col *col)
{
	const struct cmp_cell *c = &r->cells[col->first];
	const char *mark = col->first == v->m->baseline ? NULL :
			   change_mark(r->changes[col->first].what);
	long k = 0, n = 0;
	char *text, *out;

	if (col->first == col->last || !c->present || !c->racy) {
		text = cell_text(r, c);
	} else {
		for (int j = col->first; j <= col->last; j++) {
			k += r->cells[j].k;
			n += r->cells[j].n;
		}
		text = xasprintf("%s %ld/%ld", outcome_label(c->outcome, r->kind), k, n);
	}
	if (!mark)
		return text;
	out = xasprintf("%s  %s", text, mark);
	free(text);
	return out;
}

/* The table's cells, shown rows by columns, and each column's width. */
struct text_table {
	char ***cells;
	int *colw;
	int namew;
	int width;	/* of a whole line */
};

static void table_build(struct text_table *t, const struct view *v)
{
	const struct matrix *m = v->m;

	t->cells = xcalloc(m->nrows + 1, sizeof(char **));
	t->colw = xcalloc(v->ncols + 1, sizeof(int));
	t->namew = strlen("case/subtest");
	for (int c = 0; c < v->ncols; c++)
		t->colw[c] = text_width(v->cols[c].title);
	for (int i = 0; i < m->nrows; i++) {
		int w = strlen(m->rows[i].kase) + 1 + strlen(m->rows[i].sub);

		if (!v->shown[i])
			continue;
		if (w > t->namew)
			t->namew = w;
		t->cells[i] = xcalloc(v->ncols + 1, sizeof(char *));
		for (int c = 0; c < v->ncols; c++) {
			t->cells[i][c] = column_cell(v, &m->rows[i], &v->cols[c]);
			if (text_width(t->cells[i][c]) > t->colw[c])
				t->colw[c] = text_width(t->cells[i][c]);
		}
	}
	t->width = t->namew;
	for (int c = 0; c < v->ncols; c++)
		t->width += 2 + t->colw[c];
}

static void table_free(struct text_table *t, const struct view *v)
{
	for (int i = 0; i < v->m->nrows; i++) {
		for (int c = 0; t->cells[i] && c < v->ncols; c++)
			free(t->cells[i][c]);
		free(t->cells[i]);
	}
	free(t->cells);
	free(t->colw);
}

static void table_print(struct buf *b, const struct text_table *t, const struct view *v,
			bool colour)
{
	const struct matrix *m = v->m;

	pad(b, "case/subtest", t->namew);
	for (int c = 0; c < v->ncols; c++) {
		buf_puts(b, "  ");
		pad(b, v->cols[c].title, c + 1 < v->ncols ? t->colw[c] : 0);
	}
	buf_puts(b, "\n");
	for (int i = 0; i < m->nrows; i++) {
		const struct cmp_row *r = &m->rows[i];
		char *name;

		if (!v->shown[i])
			continue;
		name = xasprintf("%s/%s", r->kase, r->sub);
		pad(b, name, t->namew);
		free(name);
		for (int c = 0; c < v->ncols; c++) {
			int j = v->cols[c].first;
			const char *on = colour ? colour_of(r, &r->cells[j], &r->changes[j]) : "";

			buf_printf(b, "  %s", on);
			pad(b, t->cells[i][c], c + 1 < v->ncols ? t->colw[c] : 0);
			buf_puts(b, *on ? "\033[0m" : "");
		}
		buf_puts(b, "\n");
	}
}

/* Every change against the baseline, a line each ("none" if none). */
static void text_changes(struct buf *b, const struct view *v)
{
	buf_printf(b, "%schanges against %s:\n", b->len ? "\n" : "",
		   kernel_title(&v->m->kernels[v->m->baseline]));
	for (int g = 0; g < v->nchanges; g++) {
		const struct view_change *ch = &v->changes[g];
		const struct cmp_row *r = &v->m->rows[ch->row];
		char *words = change_words(v, ch);

		buf_printf(b, "  %-16s %s/%s on %s%s\n", change_name(ch->what), r->kase, r->sub,
			   ch->where, words);
		free(words);
	}
	if (!v->nchanges)
		buf_puts(b, "  none\n");
}

/* --rates: every comparison of two rates, decided or not. */
static void text_rates(struct buf *b, const struct view *v)
{
	const struct matrix *m = v->m;

	buf_printf(b, "\nrates against %s:\n", kernel_title(&m->kernels[m->baseline]));
	for (int i = 0; i < m->nrows; i++)
		for (int j = 0; j < m->nk; j++) {
			const struct cmp_change *ch = &m->rows[i].changes[j];

			if (ch->p < 0)
				continue;
			buf_printf(b, "  %-16s %s/%s on %s: %s\n", change_name(ch->what),
				   m->rows[i].kase, m->rows[i].sub, v->names[j], ch->why);
		}
}

/* What is left out, and why: the rows that agree, a table too wide. */
static void text_notes(struct buf *b, const struct view *v, const struct view_opts *o,
		       const struct text_table *t, bool fits)
{
	char *agree = agree_line(v->m);

	if (!fits)
		buf_printf(b, "%sthe table needs %d columns, the terminal has %d: "
			   "one line per change\n", b->len ? "\n" : "", t->width, o->width);
	if (*agree)
		buf_printf(b, "%s%s\n", agree, o->all || v->nshown == v->m->nrows ? "" :
			   " (not shown; --all shows every row)");
	free(agree);
}

char *render_text(const struct matrix *m, const struct view_opts *o, bool colour)
{
	struct view_opts every = *o;
	struct text_table t;
	struct buf b = { 0 };
	struct view v;
	bool fits;

	/* One kernel: nothing to compare, the table is the result. */
	every.all |= m->nk < 2;
	view_build(&v, m, &every);
	table_build(&t, &v);
	fits = o->width <= 0 || t.width <= o->width;
	/* The table where it fits; else the changes lead, a line each. */
	if (fits && v.nshown)
		table_print(&b, &t, &v, colour);
	if (fits)
		text_notes(&b, &v, &every, &t, fits);
	if (m->nk > 1)
		text_changes(&b, &v);
	if (!fits)
		text_notes(&b, &v, &every, &t, fits);
	if (m->nk > 1 && o->rates)
		text_rates(&b, &v);
	buf_puts(&b, "\nsummary: ");
	summary_line(&b, m);
	buf_puts(&b, "\n");
	table_free(&t, &v);
	view_free(&v);
	return b.data;
}
