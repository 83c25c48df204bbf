/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a report shows of a classified matrix, decided once for every
 * format: the rows that differ across kernels, the kernels that agree
 * folded into one column, the changes grouped a line each and placed at
 * the first kernel (in version order) where they appear.
 */
#ifndef KREPRO_VIEW_H
#define KREPRO_VIEW_H

#include <stdbool.h>

#include "compare.h"

/* How a report is asked for (compare's options). */
struct view_opts {
	bool all;	/* every row, not only those that differ */
	bool rates;	/* every rate comparison, also those that decide nothing */
	int width;	/* text: the terminal's columns; <= 0: no limit */
};

/* A column of a folded table: kernels first..last, which agree on every shown row. */
struct view_col {
	int first, last;
	char *title;		/* "6.1.0-47 (baseline)", "6.1.0-48…57" */
};

/* One line of the change list: one change of one row, on one or more kernels. */
struct view_change {
	int row;
	enum change what;
	int *kernels, nkernels;	/* in version order */
	/* Where it changed: between kernel `from` and kernel `to` (from -1: unknown). */
	int from, to;
	char *where;		/* the kernels: a spec, or "6.12.100…117" ranges */
};

struct view {
	const struct matrix *m;
	char **names;		/* per kernel: short and unique ("6.1.0-47") */
	char **series;		/* per kernel: its name's series ("6.1.0-"), or "" */
	bool *shown;		/* per row */
	int nshown;
	struct view_col *cols;
	int ncols;
	struct view_change *changes;
	int nchanges;
};

void view_build(struct view *v, const struct matrix *m, const struct view_opts *o);
void view_free(struct view *v);

/* The change of a cell is worth a line in a change list. */
bool change_listed(enum change c);
/* Some kernel differs from the baseline in this row, or fails in it. */
bool row_needs_showing(const struct matrix *m, int row);
/* Kernel j's name without its series ("47" of "6.1.0-47"). */
const char *kernel_label(const struct view *v, int j);
const char *kernel_series(const struct view *v, int j);
/* Kernels a and b are of one series (6.1.0-47 and 6.1.0-48, not 6.12.100). */
bool same_series(const struct view *v, int a, int b);
/* The kernels of one column as a name: "6.1.0-48", "6.1.0-48…57"; malloc'd. */
char *view_range_name(const struct view *v, int first, int last);
/*
 * The columns the terminal offers: COLUMNS when it is a number, else the
 * width of the terminal on fd, else 80 (as git and util-linux do).
 */
int terminal_width(int fd);

#endif
