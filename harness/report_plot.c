// SPDX-License-Identifier: GPL-2.0-only
/*
 * One small inline SVG per racy subtest: its hit rate on every kernel
 * (version order, a gap between series) with the 95 % Wilson interval,
 * over a band that is the baseline's interval.  A point outside the band
 * moved; points whose intervals cross it only wobbled.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "stats.h"
#include "version.h"

#define PLOT_W 400
#define PLOT_H 122
#define PAD_LEFT 34
#define PAD_RIGHT 6
#define PAD_TOP 16
#define PAD_BOTTOM 28

bool row_is_racy(const struct matrix *m, const struct cmp_row *r)
{
	for (int j = 0; j < m->nk; j++)
		if (r->cells[j].present && r->cells[j].racy)
			return true;
	return false;
}

/* Where things go: x of each kernel (series apart), y of a rate. */
struct plot_frame {
	double *x;
	double step;
};

static double rate_y(double rate)
{
	return PAD_TOP + (1 - rate) * (PLOT_H - PAD_TOP - PAD_BOTTOM);
}

static void frame_build(struct plot_frame *f, const struct view *v)
{
	int nk = v->m->nk, gaps = 0;

	f->x = xcalloc(nk + 1, sizeof(double));
	for (int j = 1; j < nk; j++)
		gaps += !same_series(v, j - 1, j);
	f->step = (double)(PLOT_W - PAD_LEFT - PAD_RIGHT) / (nk + gaps);
	for (int j = 0, slot = 0; j < nk; j++, slot++) {
		if (j && !same_series(v, j - 1, j))
			slot++;
		f->x[j] = PAD_LEFT + (slot + 0.5) * f->step;
	}
}

/* Gridlines at 0, 50 and 100 %, the baseline's band, the kernels' labels. */
static void plot_axes(struct buf *b, const struct view *v, const struct cmp_row *r,
		      const struct plot_frame *f)
{
	const struct cmp_cell *base = &r->cells[v->m->baseline];
	double lo, hi;

	for (int pct = 0; pct <= 100; pct += 50)
		buf_printf(b, "<line class=\"g\" x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\"/>"
			   "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%d%%</text>",
			   PAD_LEFT, PLOT_W - PAD_RIGHT, rate_y(pct / 100.0), rate_y(pct / 100.0),
			   PAD_LEFT - 3, rate_y(pct / 100.0) + 3, pct);
	if (base->present && base->n > 0) {
		wilson_interval(base->k, base->n, 1.96, &lo, &hi);
		buf_printf(b, "<rect class=\"band\" x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\"/>",
			   PAD_LEFT, rate_y(hi), PLOT_W - PAD_LEFT - PAD_RIGHT,
			   rate_y(lo) - rate_y(hi));
	}
	for (int j = 0; j < v->m->nk; j++) {
		buf_printf(b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">", f->x[j],
			   PLOT_H - PAD_BOTTOM + 10);
		xml_escape(b, kernel_label(v, j));
		buf_puts(b, "</text>");
		if (j && same_series(v, j - 1, j))
			continue;
		buf_printf(b, "<text x=\"%.1f\" y=\"%d\">", f->x[j] - f->step / 2, PLOT_H - 4);
		xml_escape(b, kernel_series(v, j));
		buf_puts(b, "</text>");
	}
}

/* One kernel: its interval as a bar, its rate as a point that names itself on hover. */
static void plot_point(struct buf *b, const struct view *v, const struct cmp_row *r,
		       const struct plot_frame *f, int j)
{
	const struct cmp_cell *c = &r->cells[j];
	const char *cls = j == v->m->baseline ? "base" :
			  change_listed(r->changes[j].what) ? "moved" : "same";
	double lo, hi, rate;

	if (!c->present || c->n <= 0)
		return;
	wilson_interval(c->k, c->n, 1.96, &lo, &hi);
	rate = (double)c->k / c->n;
	buf_printf(b, "<line class=\"ci %s\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>",
		   cls, f->x[j], f->x[j], rate_y(hi), rate_y(lo));
	buf_printf(b, "<circle class=\"%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"2.6\"><title>", cls,
		   f->x[j], rate_y(rate));
	xml_escape(b, v->names[j]);
	buf_printf(b, ": %ld/%ld [%.1f-%.1f%%]</title></circle>", c->k, c->n, lo * 100, hi * 100);
}

void html_plot(struct buf *b, const struct view *v, int row)
{
	const struct cmp_row *r = &v->m->rows[row];
	struct plot_frame f;

	frame_build(&f, v);
	buf_printf(b, "<svg class=\"plot\" id=\"p-");
	html_row_id(b, r);
	buf_printf(b, "\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\"><title>",
		   PLOT_W, PLOT_H, PLOT_W, PLOT_H);
	xml_escape(b, r->kase);
	buf_puts(b, "/");
	xml_escape(b, r->sub);
	buf_puts(b, ": hit rate per kernel with its 95 % interval</title>");
	buf_printf(b, "<text class=\"pt\" x=\"%d\" y=\"11\"><a href=\"#r-", PAD_LEFT);
	html_row_id(b, r);
	buf_puts(b, "\">");
	xml_escape(b, r->kase);
	buf_puts(b, "/");
	xml_escape(b, r->sub);
	buf_puts(b, "</a></text>");
	plot_axes(b, v, r, &f);
	for (int j = 0; j < v->m->nk; j++)
		plot_point(b, v, r, &f, j);
	buf_puts(b, "</svg>\n");
	free(f.x);
}
