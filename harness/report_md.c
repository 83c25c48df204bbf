// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Markdown report, written for a GitHub job summary: the verdict and
 * the changes first, the whole matrix folded away in a <details> block
 * (GitHub renders Markdown inside it after a blank line).
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "cli.h"

static void md_escape(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '|' || *s == '*' || *s == '_' || *s == '`')
			buf_printf(b, "\\%c", *s);
		else if (*s == '<')
			buf_puts(b, "&lt;");
		else if (*s == '\n')
			buf_puts(b, " ");
		else
			buf_add(b, s, 1);
	}
}

static void md_cell(struct buf *b, const struct matrix *m, const struct cmp_row *r, int j)
{
	char *t = cell_text(r, &r->cells[j]);
	const char *mark = j == m->baseline ? NULL : change_mark(r->changes[j].what);
	bool loud = r->changes[j].what == CH_REGRESSION || r->changes[j].what == CH_ERROR;

	buf_puts(b, " ");
	if (loud)
		buf_puts(b, "**");
	md_escape(b, t);
	if (mark) {
		buf_puts(b, " ");
		md_escape(b, mark);
	}
	if (loud)
		buf_puts(b, "**");
	buf_puts(b, " |");
	free(t);
}

/* Every row on every kernel. */
static void md_matrix(struct buf *b, const struct view *v)
{
	const struct matrix *m = v->m;

	buf_printf(b, "<details><summary>The matrix: %d row%s, %d kernel%s</summary>\n\n",
		   m->nrows, m->nrows == 1 ? "" : "s", m->nk, m->nk == 1 ? "" : "s");
	buf_puts(b, "| case/subtest | kind |");
	for (int j = 0; j < m->nk; j++)
		buf_printf(b, " `%s`%s |", v->names[j], j == m->baseline ? " (baseline)" : "");
	buf_puts(b, "\n|---|---|");
	for (int j = 0; j < m->nk; j++)
		buf_puts(b, "---|");
	buf_puts(b, "\n");
	for (int i = 0; i < m->nrows; i++) {
		const struct cmp_row *r = &m->rows[i];

		buf_printf(b, "| `%s/%s` | %s |", r->kase, r->sub, kind_name(r->kind));
		for (int j = 0; j < m->nk; j++)
			md_cell(b, m, r, j);
		buf_puts(b, "\n");
	}
	buf_puts(b, "\n</details>\n");
}

static void md_changes(struct buf *b, const struct view *v)
{
	buf_puts(b, "### Changes\n\n");
	for (int g = 0; g < v->nchanges; g++) {
		const struct view_change *ch = &v->changes[g];
		const struct cmp_row *r = &v->m->rows[ch->row];
		char *words = change_words(v, ch);

		buf_printf(b, "- **%s** `%s/%s` on `%s`", change_name(ch->what), r->kase, r->sub,
			   ch->where);
		md_escape(b, words);
		buf_puts(b, "\n");
		free(words);
	}
	if (!v->nchanges)
		buf_puts(b, "None.\n");
}

char *render_md(const struct matrix *m, const struct view_opts *o, bool strict)
{
	int code = matrix_exit_code(m, strict);
	struct buf b = { 0 };
	struct view v;
	char *agree;

	view_build(&v, m, o);
	buf_printf(&b, "## krepro: %s\n\n", code == EXIT_OK ? "no regression" :
		   code == EXIT_INFRA ? "infrastructure problem" : "regression");
	if (m->nk)
		buf_printf(&b, "Baseline: `%s` (%s)\n\n", kernel_title(&m->kernels[m->baseline]),
			   *m->kernels[m->baseline].uname_r ? m->kernels[m->baseline].uname_r :
			   "not booted");
	md_changes(&b, &v);
	buf_puts(&b, "\n**Summary:** ");
	summary_line(&b, m);
	agree = agree_line(m);
	buf_printf(&b, "%s%s.\n\n", *agree ? "; " : "", agree);
	free(agree);
	md_matrix(&b, &v);
	view_free(&v);
	return b.data;
}
