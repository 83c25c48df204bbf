/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside the reports: the pieces every format shares, and one renderer
 * per format (report_text.c, report_md.c, report_junit.c, report_html.c;
 * JSON stays in report.c).  The command sees only compare.h.
 */
#ifndef KREPRO_REPORT_H
#define KREPRO_REPORT_H

#include "compare.h"
#include "view.h"
#include "util.h"

/* "pass", "fail 3/20", "reproduced 12/200 [3.5-10.3%]"; "-": not run here. */
char *cell_text(const struct cmp_row *r, const struct cmp_cell *c);
/* The word a changed cell carries in a grid, or NULL. */
const char *change_mark(enum change c);
const char *kernel_title(const struct cmp_kernel *k);
/* "0 regressions, 0 fixed, ..." */
void summary_line(struct buf *b, const struct matrix *m);
/* "rows that agree on every kernel: 75 of 76", or "" when none does. */
char *agree_line(const struct matrix *m);
/*
 * The rest of a change-list line after "on WHERE": ": WHY" (the first
 * kernel's, named when the kernels' differ) and, in a matrix of more
 * than two kernels, "; changed between 6.1.0-57 and 6.12.100".
 */
char *change_words(const struct view *v, const struct view_change *g);
/* Escape for XML and HTML text and attributes; drop what XML 1.0 forbids. */
void xml_escape(struct buf *b, const char *s);

/* "loop_image-buffered_read_past_backing_eof": a row's part of an HTML id. */
void html_row_id(struct buf *b, const struct cmp_row *r);
/* Some kernel ran the row's subtest as a race (k of n rounds). */
bool row_is_racy(const struct matrix *m, const struct cmp_row *r);
/* The row's hit rates as an inline SVG plot (report_plot.c). */
void html_plot(struct buf *b, const struct view *v, int row);

char *render_text(const struct matrix *m, const struct view_opts *o, bool colour);
char *render_md(const struct matrix *m, const struct view_opts *o, bool strict);
char *render_junit(const struct matrix *m);
char *render_html(const struct matrix *m, bool strict);

#endif
