// SPDX-License-Identifier: GPL-2.0-only
/*
 * The comparison matrix in five shapes: text for a terminal, Markdown for
 * a CI comment, JSON for programs, JUnit XML for CI test reports, and one
 * self-contained HTML page.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "json.h"
#include "stats.h"
#include "cli.h"

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

/* "pass", "fail 3/20", "reproduced 12/200 [3.5-10.3%]"; "-": not run here. */
static char *cell_text(const struct cmp_row *r, const struct cmp_cell *c)
{
	if (!c->present)
		return xstrdup("-");
	return outcome_cell(c->outcome, r->kind, c->k, c->n, c->racy);
}

/* The mark a changed cell carries in the grid. */
static const char *change_mark(enum change c)
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
	default:		return NULL;
	}
}

static const char *kernel_title(const struct cmp_kernel *k)
{
	return k->spec;
}

static void summary_line(struct buf *b, const struct matrix *m)
{
	buf_printf(b, "%d regression%s, %d fixed, %d behaviour change%s, %d inconclusive, "
		   "%d new, %d missing, %d error%s",
		   m->counts[CH_REGRESSION], m->counts[CH_REGRESSION] == 1 ? "" : "s",
		   m->counts[CH_FIXED],
		   m->counts[CH_BEHAVIOUR], m->counts[CH_BEHAVIOUR] == 1 ? "" : "s",
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

static bool listed(enum change c)
{
	return c != CH_SAME && c != CH_BASELINE;
}

/* ---- text ---- */

static const char *colour_of(const struct cmp_row *r, const struct cmp_cell *c,
			     const struct cmp_change *ch)
{
	if (ch->what == CH_REGRESSION || ch->what == CH_ERROR ||
	    ch->what == CH_BASELINE_CRASH || ch->what == CH_SKIPPED)
		return "\033[1;31m";
	if (ch->what == CH_INCONCLUSIVE)
		return "\033[33m";
	if (ch->what == CH_BEHAVIOUR || ch->what == CH_FIXED)
		return "\033[36m";
	if (!c->present || c->outcome == OUT_SKIP || c->outcome == OUT_UNSHOWN)
		return "\033[2m";
	if (c->outcome == OUT_PASS && !kind_is_hazard(r->kind))
		return "\033[32m";
	if (c->outcome == OUT_FAIL && !kind_is_hazard(r->kind))
		return "\033[31m";
	return "";
}

/* Every change against the baseline, a line each ("none" if none). */
static void text_changes(struct buf *b, const struct matrix *m)
{
	bool any = false;

	buf_printf(b, "\nchanges against %s:\n", kernel_title(&m->kernels[m->baseline]));
	for (int i = 0; i < m->nrows; i++)
		for (int j = 0; j < m->nk; j++) {
			const struct cmp_change *ch = &m->rows[i].changes[j];

			if (j == m->baseline && ch->what == CH_BASELINE)
				continue;
			if (!listed(ch->what))
				continue;
			any = true;
			buf_printf(b, "  %-16s %s/%s on %s%s%s\n", change_name(ch->what),
				   m->rows[i].kase, m->rows[i].sub,
				   kernel_title(&m->kernels[j]),
				   ch->why && *ch->why ? ": " : "", ch->why ? ch->why : "");
		}
	if (!any)
		buf_puts(b, "  none\n");
}

static char *render_text(const struct matrix *m, bool colour)
{
	struct buf b = { 0 };
	int width = 12, *colw = xcalloc(m->nk + 1, sizeof(int)), i, j;
	char ***cells = xcalloc(m->nrows + 1, sizeof(char **));

	for (i = 0; i < m->nrows; i++) {
		int w = strlen(m->rows[i].kase) + 1 + strlen(m->rows[i].sub);

		if (w > width)
			width = w;
		cells[i] = xcalloc(m->nk + 1, sizeof(char *));
		for (j = 0; j < m->nk; j++) {
			char *t = cell_text(&m->rows[i], &m->rows[i].cells[j]);
			const char *mark = j == m->baseline ? NULL :
					   change_mark(m->rows[i].changes[j].what);

			cells[i][j] = mark ? xasprintf("%s  %s", t, mark) : xstrdup(t);
			free(t);
		}
	}
	for (j = 0; j < m->nk; j++) {
		colw[j] = strlen(kernel_title(&m->kernels[j])) + (j == m->baseline ? 11 : 0);
		if ((int)strlen(m->kernels[j].uname_r) > colw[j])
			colw[j] = strlen(m->kernels[j].uname_r);
		for (i = 0; i < m->nrows; i++)
			if ((int)strlen(cells[i][j]) > colw[j])
				colw[j] = strlen(cells[i][j]);
	}
	buf_printf(&b, "%-*s", width, "case/subtest");
	for (j = 0; j < m->nk; j++) {
		char *t = xasprintf("%s%s", kernel_title(&m->kernels[j]),
				    j == m->baseline ? " (baseline)" : "");

		buf_printf(&b, "  %-*s", colw[j], t);
		free(t);
	}
	buf_printf(&b, "\n%-*s", width, "");
	for (j = 0; j < m->nk; j++)
		buf_printf(&b, "  %-*s", colw[j], m->kernels[j].uname_r);
	buf_puts(&b, "\n");
	for (i = 0; i < m->nrows; i++) {
		char *name = xasprintf("%s/%s", m->rows[i].kase, m->rows[i].sub);

		buf_printf(&b, "%-*s", width, name);
		free(name);
		for (j = 0; j < m->nk; j++) {
			const char *c = colour ? colour_of(&m->rows[i], &m->rows[i].cells[j],
							   &m->rows[i].changes[j]) : "";

			buf_printf(&b, "  %s%-*s%s", c, colw[j], cells[i][j],
				   *c ? "\033[0m" : "");
			free(cells[i][j]);
		}
		free(cells[i]);
		buf_puts(&b, "\n");
	}
	free(cells);
	free(colw);
	if (m->nk > 1)
		text_changes(&b, m);
	buf_puts(&b, "\nsummary: ");
	summary_line(&b, m);
	buf_puts(&b, "\n");
	return b.data;
}

/* ---- Markdown ---- */

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

static char *render_md(const struct matrix *m, bool strict)
{
	struct buf b = { 0 };
	int i, j, code = matrix_exit_code(m, strict);

	buf_printf(&b, "## krepro: %s\n\n", code == EXIT_OK ? "no regression" :
		   code == EXIT_INFRA ? "infrastructure problem" : "regression");
	if (m->nk)
		buf_printf(&b, "Baseline: `%s` (%s)\n\n", kernel_title(&m->kernels[m->baseline]),
			   *m->kernels[m->baseline].uname_r ? m->kernels[m->baseline].uname_r :
			   "not booted");
	buf_puts(&b, "| case/subtest | kind |");
	for (j = 0; j < m->nk; j++)
		buf_printf(&b, " `%s`%s |", kernel_title(&m->kernels[j]),
			   j == m->baseline ? " (baseline)" : "");
	buf_puts(&b, "\n|---|---|");
	for (j = 0; j < m->nk; j++)
		buf_puts(&b, "---|");
	buf_puts(&b, "\n");
	for (i = 0; i < m->nrows; i++) {
		const struct cmp_row *r = &m->rows[i];

		buf_printf(&b, "| `%s/%s` | %s |", r->kase, r->sub, kind_name(r->kind));
		for (j = 0; j < m->nk; j++) {
			char *t = cell_text(r, &r->cells[j]);
			const char *mark = j == m->baseline ? NULL : change_mark(r->changes[j].what);
			bool loud = r->changes[j].what == CH_REGRESSION ||
				    r->changes[j].what == CH_ERROR;

			buf_puts(&b, " ");
			if (loud)
				buf_puts(&b, "**");
			md_escape(&b, t);
			if (mark) {
				buf_puts(&b, " ");
				md_escape(&b, mark);
			}
			if (loud)
				buf_puts(&b, "**");
			buf_puts(&b, " |");
			free(t);
		}
		buf_puts(&b, "\n");
	}
	buf_puts(&b, "\n### Changes\n\n");
	{
		bool any = false;

		for (i = 0; i < m->nrows; i++)
			for (j = 0; j < m->nk; j++) {
				const struct cmp_change *ch = &m->rows[i].changes[j];

				if (!listed(ch->what))
					continue;
				any = true;
				buf_printf(&b, "- **%s** `%s/%s` on `%s`", change_name(ch->what),
					   m->rows[i].kase, m->rows[i].sub,
					   kernel_title(&m->kernels[j]));
				if (ch->why && *ch->why) {
					buf_puts(&b, ": ");
					md_escape(&b, ch->why);
				}
				buf_puts(&b, "\n");
			}
		if (!any)
			buf_puts(&b, "None.\n");
	}
	buf_puts(&b, "\n**Summary:** ");
	summary_line(&b, m);
	buf_puts(&b, "\n");
	return b.data;
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

/* ---- JUnit XML ---- */

/* Escape for XML text and attributes; drop what XML 1.0 forbids. */
static void xml_escape(struct buf *b, const char *s)
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

/* What a JUnit consumer should see for a cell. */
enum junit_state { J_PASS, J_FAILURE, J_ERROR, J_SKIPPED, J_ABSENT };

static enum junit_state junit_state(const struct cmp_row *r, const struct cmp_cell *c,
				    const struct cmp_change *ch)
{
	if (!c->present)
		return J_ABSENT;
	if (c->outcome == OUT_CRASH || c->outcome == OUT_ERROR ||
	    c->outcome == OUT_TIMEOUT || c->outcome == OUT_INFRA)
		return J_ERROR;
	/* A protection nobody attacked: no verdict, like a skip. */
	if (c->outcome == OUT_SKIP || c->outcome == OUT_UNSHOWN)
		return J_SKIPPED;
	if (ch->what == CH_REGRESSION)
		return J_FAILURE;
	if (c->outcome == OUT_FAIL && !kind_is_hazard(r->kind))
		return J_FAILURE;
	return J_PASS;
}

/* One subtest on one kernel as a JUnit testcase (none when absent). */
static void junit_testcase(struct buf *b, const struct matrix *m, const struct cmp_row *r,
			   int j)
{
	const struct cmp_cell *c = &r->cells[j];
	const struct cmp_change *ch = &r->changes[j];
	enum junit_state s = junit_state(r, c, ch);
	char *text;

	if (s == J_ABSENT)
		return;
	buf_puts(b, "    <testcase classname=\"krepro.");
	xml_escape(b, r->kase);
	buf_puts(b, "\" name=\"");
	xml_escape(b, r->sub);
	buf_printf(b, "\" time=\"%.3f\">\n", c->duration_s);
	text = cell_text(r, c);
	if (s == J_FAILURE || s == J_ERROR) {
		const char *tag = s == J_FAILURE ? "failure" : "error";

		buf_printf(b, "      <%s type=\"%s\" message=\"", tag,
			   s == J_FAILURE ? (ch->what == CH_REGRESSION ?
			   "regression" : kind_name(r->kind)) :
			   outcome_name(c->outcome));
		xml_escape(b, text);
		if (ch->why && *ch->why) {
			buf_puts(b, ": ");
			xml_escape(b, ch->why);
		}
		buf_puts(b, "\">");
		xml_escape(b, c->excerpt && *c->excerpt ? c->excerpt : c->ktap);
		buf_printf(b, "</%s>\n", tag);
	} else if (s == J_SKIPPED) {
		buf_puts(b, "      <skipped message=\"");
		xml_escape(b, c->reason ? c->reason : "skipped");
		buf_puts(b, "\"/>\n");
	}
	buf_puts(b, "      <system-out>");
	xml_escape(b, kind_name(r->kind));
	buf_puts(b, ": ");
	xml_escape(b, text);
	if (j != m->baseline && listed(ch->what)) {
		buf_printf(b, "; %s", change_name(ch->what));
		if (ch->why && *ch->why) {
			buf_puts(b, ": ");
			xml_escape(b, ch->why);
		}
	}
	buf_puts(b, "\n");
	xml_escape(b, c->ktap);
	buf_puts(b, "</system-out>\n    </testcase>\n");
	free(text);
}

static char *render_junit(const struct matrix *m)
{
	struct buf b = { 0 };
	int i, j, tot[5] = { 0 };

	for (j = 0; j < m->nk; j++)
		for (i = 0; i < m->nrows; i++)
			tot[junit_state(&m->rows[i], &m->rows[i].cells[j],
					&m->rows[i].changes[j])]++;
	buf_printf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<testsuites name=\"krepro\" tests=\"%d\" failures=\"%d\" errors=\"%d\" "
		   "skipped=\"%d\">\n", tot[J_PASS] + tot[J_FAILURE] + tot[J_ERROR] + tot[J_SKIPPED],
		   tot[J_FAILURE], tot[J_ERROR], tot[J_SKIPPED]);
	for (j = 0; j < m->nk; j++) {
		const struct cmp_kernel *k = &m->kernels[j];
		int t[5] = { 0 };
		double time = 0;

		for (i = 0; i < m->nrows; i++) {
			t[junit_state(&m->rows[i], &m->rows[i].cells[j], &m->rows[i].changes[j])]++;
			time += m->rows[i].cells[j].duration_s;
		}
		buf_puts(&b, "  <testsuite name=\"");
		xml_escape(&b, k->spec);
		buf_printf(&b, "\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\" "
			   "time=\"%.3f\">\n", t[J_PASS] + t[J_FAILURE] + t[J_ERROR] + t[J_SKIPPED],
			   t[J_FAILURE], t[J_ERROR], t[J_SKIPPED], time);
		buf_puts(&b, "    <properties>\n");
		buf_puts(&b, "      <property name=\"uname_r\" value=\"");
		xml_escape(&b, k->uname_r);
		buf_puts(&b, "\"/>\n      <property name=\"proc_version\" value=\"");
		xml_escape(&b, k->proc_version);
		buf_puts(&b, "\"/>\n      <property name=\"image_sha256\" value=\"");
		xml_escape(&b, k->sha256);
		buf_printf(&b, "\"/>\n      <property name=\"baseline\" value=\"%s\"/>\n",
			   j == m->baseline ? "true" : "false");
		buf_puts(&b, "    </properties>\n");
		for (i = 0; i < m->nrows; i++)
			junit_testcase(&b, m, &m->rows[i], j);
		buf_puts(&b, "  </testsuite>\n");
	}
	buf_puts(&b, "</testsuites>\n");
	return b.data;
}

/* ---- HTML ---- */

static const char html_head[] =
	"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	"<title>krepro compare</title>\n<style>\n"
	"body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}\n"
	"table.grid{border-collapse:collapse}\n"
	".grid th,.grid td{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left}\n"
	".grid th.kernel{font-family:monospace;font-size:12px}\n"
	".grid td.row{font-family:monospace;white-space:nowrap}\n"
	".grid td.cell summary{cursor:pointer;white-space:nowrap}\n"
	"td.pass{background:#d8f5d0}td.fail{background:#f8c8c4}"
	"td.reproduced{background:#fde9b8}td.not-reproduced{background:#e4eef8}"
	"td.skip,td.absent{background:#eee;color:#777}"
	"td.crash,td.error,td.timeout,td.infra{background:#e0b0e8}\n"
	"td.regression,td.error-change{outline:3px solid #c00;outline-offset:-3px}\n"
	"td.inconclusive{outline:2px dashed #b80;outline-offset:-2px}\n"
	"td.behaviour-change,td.fixed{outline:2px solid #07a;outline-offset:-2px}\n"
	".mark{font-weight:bold;margin-left:.4em}\n"
	"pre{background:#f6f6f6;padding:6px;max-width:60em;overflow:auto;font-size:12px}\n"
	"dl{margin:.3em 0}dt{font-weight:bold;float:left;clear:left;width:7em}dd{margin-left:7.5em}\n"
	"</style>\n</head>\n<body>\n";

static void html_cell(struct buf *b, const struct matrix *m, const struct cmp_row *r, int j)
{
	const struct cmp_cell *c = &r->cells[j];
	const struct cmp_change *ch = &r->changes[j];
	const char *mark = j == m->baseline ? NULL : change_mark(ch->what);
	char *text = cell_text(r, c);
	const char *cls = c->present ? outcome_label(c->outcome, r->kind) : "absent";
	double lo, hi;

	buf_printf(b, "<td class=\"cell %s %s\" data-kernel=\"", cls,
		   ch->what == CH_ERROR ? "error-change" : change_name(ch->what));
	xml_escape(b, m->kernels[j].spec);
	buf_printf(b, "\" data-outcome=\"%s\" data-change=\"%s\" data-k=\"%ld\" data-n=\"%ld\">",
		   c->present ? outcome_name(c->outcome) : "absent", change_name(ch->what),
		   c->k, c->n);
	if (!c->present) {
		buf_printf(b, "-%s%s%s</td>", mark ? "<span class=\"mark\">" : "",
			   mark ? mark : "", mark ? "</span>" : "");
		free(text);
		return;
	}
	buf_puts(b, "<details><summary>");
	xml_escape(b, text);
	if (mark)
		buf_printf(b, "<span class=\"mark\">%s</span>", mark);
	buf_puts(b, "</summary><dl>");
	buf_printf(b, "<dt>outcome</dt><dd>%s</dd>", outcome_name(c->outcome));
	wilson_interval(c->k, c->n, 1.96, &lo, &hi);
	buf_printf(b, "<dt>k/n</dt><dd>%ld/%ld (95%% interval %.1f-%.1f%%)</dd>",
		   c->k, c->n, lo * 100, hi * 100);
	if (c->first_hit_s >= 0)
		buf_printf(b, "<dt>first hit</dt><dd>%.3f s (median)</dd>", c->first_hit_s);
	buf_printf(b, "<dt>runs</dt><dd>%d</dd>", c->runs);
	if (j != m->baseline) {
		buf_printf(b, "<dt>change</dt><dd>%s", change_name(ch->what));
		if (ch->why && *ch->why) {
			buf_puts(b, ": ");
			xml_escape(b, ch->why);
		}
		buf_puts(b, "</dd>");
	}
	if (c->reason) {
		buf_puts(b, "<dt>reason</dt><dd>");
		xml_escape(b, c->reason);
		buf_puts(b, "</dd>");
	}
	if (c->detail) {
		buf_puts(b, "<dt>detail</dt><dd>");
		xml_escape(b, c->detail);
		buf_puts(b, "</dd>");
	}
	buf_puts(b, "</dl>");
	if (c->ktap && *c->ktap) {
		buf_puts(b, "<div>KTAP</div><pre class=\"ktap\">");
		xml_escape(b, c->ktap);
		buf_puts(b, "</pre>");
	}
	if (c->outcome == OUT_CRASH && c->excerpt && *c->excerpt) {
		buf_puts(b, "<div>console excerpt</div><pre class=\"console\">");
		xml_escape(b, c->excerpt);
		buf_puts(b, "</pre>");
	}
	buf_puts(b, "</details></td>");
	free(text);
}

static char *render_html(const struct matrix *m, bool strict)
{
	struct buf b = { 0 };
	int i, j, code = matrix_exit_code(m, strict);

	buf_puts(&b, html_head);
	buf_printf(&b, "<h1>krepro compare: %s</h1>\n", code == EXIT_OK ? "no regression" :
		   code == EXIT_INFRA ? "infrastructure problem" : "regression");
	buf_puts(&b, "<p id=\"summary\">");
	{
		struct buf s = { 0 };

		summary_line(&s, m);
		xml_escape(&b, s.data);
		buf_free(&s);
	}
	buf_puts(&b, "</p>\n<table class=\"grid\" id=\"matrix\">\n<thead><tr><th>case/subtest</th><th>kind</th>");
	for (j = 0; j < m->nk; j++) {
		buf_puts(&b, "<th class=\"kernel\">");
		xml_escape(&b, m->kernels[j].spec);
		if (j == m->baseline)
			buf_puts(&b, " (baseline)");
		buf_puts(&b, "<br>");
		xml_escape(&b, m->kernels[j].uname_r);
		buf_puts(&b, "</th>");
	}
	buf_puts(&b, "</tr></thead>\n<tbody>\n");
	for (i = 0; i < m->nrows; i++) {
		const struct cmp_row *r = &m->rows[i];

		buf_puts(&b, "<tr data-case=\"");
		xml_escape(&b, r->kase);
		buf_puts(&b, "\" data-subtest=\"");
		xml_escape(&b, r->sub);
		buf_puts(&b, "\"><td class=\"row\">");
		xml_escape(&b, r->kase);
		buf_puts(&b, "/");
		xml_escape(&b, r->sub);
		buf_printf(&b, "</td><td>%s</td>", kind_name(r->kind));
		for (j = 0; j < m->nk; j++)
			html_cell(&b, m, r, j);
		buf_puts(&b, "</tr>\n");
	}
	buf_puts(&b, "</tbody>\n</table>\n</body>\n</html>\n");
	return b.data;
}

char *matrix_render(const struct matrix *m, enum format f, bool colour, bool strict)
{
	switch (f) {
	case FMT_MD:	return render_md(m, strict);
	case FMT_JSON:	return render_json(m, strict);
	case FMT_JUNIT:	return render_junit(m);
	case FMT_HTML:	return render_html(m, strict);
	default:	return render_text(m, colour);
	}
}
