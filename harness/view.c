// SPDX-License-Identifier: GPL-2.0-only
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "view.h"
#include "version.h"
#include "cli.h"

#define FALLBACK_WIDTH 80

bool change_listed(enum change c)
{
	return c != CH_SAME && c != CH_BASELINE;
}

bool row_needs_showing(const struct matrix *m, int row)
{
	const struct cmp_row *r = &m->rows[row];

	for (int j = 0; j < m->nk; j++) {
		if (change_listed(r->changes[j].what))
			return true;
		/* A protection failing on every kernel changed nothing, and matters. */
		if (r->cells[j].present && r->cells[j].outcome == OUT_FAIL &&
		    !kind_is_hazard(r->kind))
			return true;
	}
	return false;
}

static bool row_has_rates(const struct matrix *m, int row)
{
	for (int j = 0; j < m->nk; j++)
		if (m->rows[row].changes[j].p >= 0)
			return true;
	return false;
}

/* "6.1.0-47" for 6.1.0-47-cloud-amd64, "host"; the version in full where two would meet. */
static void name_kernels(struct view *v)
{
	const struct matrix *m = v->m;
	bool *meets = xcalloc(m->nk + 1, sizeof(bool));

	v->names = xcalloc(m->nk + 1, sizeof(char *));
	for (int j = 0; j < m->nk; j++) {
		const char *ver = kernel_version(&m->kernels[j]);
		size_t len = version_len(ver);

		if (!strcmp(m->kernels[j].spec, "host"))
			v->names[j] = xstrdup("host");
		else
			v->names[j] = len ? strndup(ver, len) : xstrdup(ver);
	}
	/* Find every name that meets another before renaming any. */
	for (int j = 0; j < m->nk; j++)
		for (int i = 0; i < m->nk; i++)
			if (i != j && !strcmp(v->names[i], v->names[j]))
				meets[j] = true;
	for (int j = 0; j < m->nk; j++)
		if (meets[j]) {
			free(v->names[j]);
			v->names[j] = xstrdup(m->kernels[j].spec);
		}
	free(meets);
}

/* A name's series: the version up to its last separator, if it has one. */
static void find_series(struct view *v)
{
	v->series = xcalloc(v->m->nk + 1, sizeof(char *));
	for (int j = 0; j < v->m->nk; j++)
		v->series[j] = strndup(v->names[j], version_series_len(v->names[j]));
}

const char *kernel_label(const struct view *v, int j)
{
	return v->names[j] + strlen(v->series[j]);
}

const char *kernel_series(const struct view *v, int j)
{
	return v->series[j];
}

bool same_series(const struct view *v, int a, int b)
{
	return *v->series[a] && !strcmp(v->series[a], v->series[b]);
}

char *view_range_name(const struct view *v, int first, int last)
{
	if (first == last)
		return xstrdup(v->names[first]);
	return version_range(v->names[first], v->names[last]);
}

/*
 * Two kernels say the same in a row: same outcome, same change, same
 * count unless racy.  The baseline's change is CH_BASELINE, which no
 * other kernel has: it never shares a column.
 */
static bool cells_agree(const struct cmp_row *r, int a, int b)
{
	const struct cmp_cell *x = &r->cells[a], *y = &r->cells[b];

	if (x->present != y->present || r->changes[a].what != r->changes[b].what)
		return false;
	if (!x->present)
		return true;
	if (x->outcome != y->outcome || x->racy != y->racy)
		return false;
	/* Races differ in their counts anyway; the change already tells. */
	return x->racy || (x->k == y->k && x->n == y->n);
}

static bool kernels_agree(const struct view *v, int a, int b)
{
	for (int i = 0; i < v->m->nrows; i++)
		if (v->shown[i] && !cells_agree(&v->m->rows[i], a, b))
			return false;
	return true;
}

/* Neighbours in version order that agree on the shown rows share a column. */
static void fold_columns(struct view *v)
{
	const struct matrix *m = v->m;

	v->cols = xcalloc(m->nk + 1, sizeof(*v->cols));
	for (int j = 0; j < m->nk; j++) {
		struct view_col *last = v->ncols ? &v->cols[v->ncols - 1] : NULL;

		if (last && kernels_agree(v, last->last, j))
			last->last = j;
		else
			v->cols[v->ncols++] = (struct view_col){ .first = j, .last = j };
	}
	for (int c = 0; c < v->ncols; c++) {
		char *name = view_range_name(v, v->cols[c].first, v->cols[c].last);

		v->cols[c].title = v->cols[c].first == m->baseline ?
				   xasprintf("%s (baseline)", name) : xstrdup(name);
		free(name);
	}
}

/* Which changes a reader needs first: what fails before what merely moved. */
static int change_rank(enum change c)
{
	static const enum change order[] = {
		CH_REGRESSION, CH_ERROR, CH_BASELINE_CRASH, CH_SKIPPED, CH_FIXED,
		CH_BEHAVIOUR, CH_RATE, CH_INCONCLUSIVE, CH_NEW, CH_MISSING,
		CH_UNCOMPARABLE,
	};

	for (unsigned i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (order[i] == c)
			return i;
	return CH_COUNT;
}

static int change_order(const void *a, const void *b)
{
	const struct view_change *x = a, *y = b;

	if (change_rank(x->what) != change_rank(y->what))
		return change_rank(x->what) - change_rank(y->what);
	if (x->row != y->row)
		return x->row - y->row;
	return x->kernels[0] - y->kernels[0];
}

/* The group of row i that kernel j's change joins: same change, same outcome. */
static struct view_change *group_of(struct view *v, int i, int j, int row_start)
{
	const struct cmp_row *r = &v->m->rows[i];

	for (int g = row_start; g < v->nchanges; g++) {
		int first = v->changes[g].kernels[0];

		if (v->changes[g].what == r->changes[j].what &&
		    r->cells[first].present == r->cells[j].present &&
		    r->cells[first].outcome == r->cells[j].outcome)
			return &v->changes[g];
	}
	v->changes = xrealloc(v->changes, sizeof(*v->changes) * (v->nchanges + 1));
	v->changes[v->nchanges] = (struct view_change){ .row = i, .what = r->changes[j].what,
		.kernels = xcalloc(v->m->nk, sizeof(int)), .from = -1, .to = -1 };
	return &v->changes[v->nchanges++];
}

/* "6.1.0-50, 6.12.100…117": the group's kernels as runs of neighbours. */
static char *kernels_where(const struct view *v, const struct view_change *g)
{
	struct buf b = { 0 };

	if (g->nkernels == 1)
		return xstrdup(v->m->kernels[g->kernels[0]].spec);
	for (int i = 0, start = 0; i < g->nkernels; i++) {
		char *name;

		if (i + 1 < g->nkernels && g->kernels[i + 1] == g->kernels[i] + 1)
			continue;
		name = view_range_name(v, g->kernels[start], g->kernels[i]);
		buf_printf(&b, "%s%s", start ? ", " : "", name);
		free(name);
		start = i + 1;
	}
	return b.data;
}

/*
 * Where a change happened, seen from the baseline: between the last
 * kernel without it and the first with it, in version order.
 */
static void place_change(const struct view *v, struct view_change *g)
{
	int first = g->kernels[0], last = g->kernels[g->nkernels - 1];

	if (first > v->m->baseline) {
		g->from = first - 1;
		g->to = first;
	} else if (last < v->m->baseline) {
		g->from = last;
		g->to = last + 1;
	}
	g->where = kernels_where(v, g);
}

static void group_changes(struct view *v)
{
	const struct matrix *m = v->m;

	for (int i = 0; i < m->nrows; i++) {
		int row_start = v->nchanges;

		for (int j = 0; j < m->nk; j++) {
			struct view_change *g;

			if (!change_listed(m->rows[i].changes[j].what))
				continue;
			g = group_of(v, i, j, row_start);
			g->kernels[g->nkernels++] = j;
		}
	}
	for (int g = 0; g < v->nchanges; g++)
		place_change(v, &v->changes[g]);
	if (v->nchanges)
		qsort(v->changes, v->nchanges, sizeof(*v->changes), change_order);
}

void view_build(struct view *v, const struct matrix *m, const struct view_opts *o)
{
	memset(v, 0, sizeof(*v));
	v->m = m;
	name_kernels(v);
	find_series(v);
	v->shown = xcalloc(m->nrows + 1, sizeof(bool));
	for (int i = 0; i < m->nrows; i++) {
		v->shown[i] = o->all || row_needs_showing(m, i) ||
			      (o->rates && row_has_rates(m, i));
		v->nshown += v->shown[i];
	}
	fold_columns(v);
	group_changes(v);
}

void view_free(struct view *v)
{
	for (int j = 0; v->names && j < v->m->nk; j++) {
		free(v->names[j]);
		free(v->series[j]);
	}
	free(v->series);
	for (int c = 0; c < v->ncols; c++)
		free(v->cols[c].title);
	for (int g = 0; g < v->nchanges; g++) {
		free(v->changes[g].kernels);
		free(v->changes[g].where);
	}
	free(v->names);
	free(v->shown);
	free(v->cols);
	free(v->changes);
	memset(v, 0, sizeof(*v));
}

int terminal_width(int fd)
{
	const char *env = getenv("COLUMNS");
	struct winsize ws;
	char *end;
	long cols;

	if (env && *env) {
		cols = strtol(env, &end, 10);
		if (!*end && cols > 0 && cols < 100000)
			return cols;
	}
	if (!ioctl(fd, TIOCGWINSZ, &ws) && ws.ws_col > 0)
		return ws.ws_col;
	return FALLBACK_WIDTH;
}
