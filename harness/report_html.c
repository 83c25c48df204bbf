// SPDX-License-Identifier: GPL-2.0-only
/*
 * The HTML report: one self-contained page that reads at matrix scale.
 * The verdict and the change list come first, each change linking to its
 * row; then a compact grid - one narrow coloured cell per (subtest,
 * kernel), kernels grouped by series in version order, rows grouped by
 * case - with a plot of the hit rate of every racy subtest beside it.
 *
 * A cell's details (outcome, k/n, interval, change, KTAP lines, crash
 * excerpt) open on a click, from a small inline script.  They are kept
 * out of the cells: each text is stored once at the end of the page and
 * cells refer to it by number, since most KTAP lines repeat from kernel
 * to kernel - that keeps an 18-kernel page small (README).
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "stats.h"
#include "cli.h"

/* How a cell looks: a CSS class, what it shows, the word for it. */
struct look {
	const char *cls, *glyph, *label;
};

static const struct look looks[] = {
	{ "ok", "\u2713", "pass" },
	{ "no", "\u2717", "fail" },
	{ "rp", "\u25cf", "reproduced" },
	{ "nr", "\u25cb", "not reproduced" },
	{ "sk", "skip", "skip" },
	{ "er", "err", "error" },
	{ "cr", "crash", "crash" },
	{ "to", "t/o", "timeout" },
	{ "in", "infra", "infra" },
	{ "ns", "\u2013", "not run (the case stopped first)" },
	{ "nc", "n/c", "not comparable (danger not shown)" },
	{ "ab", "", "not in this run" },
};

static const struct look *cell_look(const struct cmp_row *r, const struct cmp_cell *c)
{
	static const int by_outcome[OUT_COUNT] = {
		[OUT_SKIP] = 4, [OUT_ERROR] = 5, [OUT_CRASH] = 6, [OUT_TIMEOUT] = 7,
		[OUT_INFRA] = 8, [OUT_NOTRUN] = 9, [OUT_UNSHOWN] = 10,
	};
	bool hazard = kind_is_hazard(r->kind);

	if (!c->present)
		return &looks[11];
	if (c->outcome == OUT_PASS)
		return &looks[hazard ? 2 : 0];
	if (c->outcome == OUT_FAIL)
		return &looks[hazard ? 3 : 1];
	return &looks[by_outcome[c->outcome]];
}

/* Texts stored once at the end of the page; cells name them by number. */
struct text_store {
	const char **texts;
	int n;
};

/* Refer to text s as attribute data-NAME (nothing for an empty text). */
static void text_ref(struct buf *b, struct text_store *st, const char *name, const char *s)
{
	int i;

	if (!s || !*s)
		return;
	for (i = 0; i < st->n && strcmp(st->texts[i], s); i++)
		;
	if (i == st->n) {
		st->texts = xrealloc(st->texts, sizeof(char *) * (st->n + 1));
		st->texts[st->n++] = s;
	}
	buf_printf(b, " data-%s=\"%d\"", name, i);
}

void html_row_id(struct buf *b, const struct cmp_row *r)
{
	char *id = xasprintf("%s-%s", r->kase, r->sub);

	for (char *p = id; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-", *p))
			*p = '_';
	buf_puts(b, id);
	free(id);
}

/* One cell: coloured by outcome, outlined by change, a race's rate as a percentage. */
static void html_cell(struct buf *b, struct text_store *st, const struct matrix *m,
		      const struct cmp_row *r, int j)
{
	const struct cmp_cell *c = &r->cells[j];
	const struct cmp_change *ch = &r->changes[j];
	const struct look *look = cell_look(r, c);
	double lo, hi;

	buf_printf(b, "<td class=\"%s", look->cls);
	if (j != m->baseline && change_listed(ch->what))
		buf_printf(b, " x-%s", change_name(ch->what));
	buf_puts(b, "\"");
	if (c->present && (c->racy || c->n > 1))
		buf_printf(b, " data-kn=\"%ld/%ld\"", c->k, c->n);
	if (c->present && c->racy) {
		wilson_interval(c->k, c->n, 1.96, &lo, &hi);
		buf_printf(b, " data-ci=\"%.1f-%.1f\"", lo * 100, hi * 100);
	}
	if (c->present && c->first_hit_s >= 0)
		buf_printf(b, " data-fh=\"%.2f\"", c->first_hit_s);
	if (c->runs > 1)
		buf_printf(b, " data-runs=\"%d\"", c->runs);
	text_ref(b, st, "w", ch->why);
	text_ref(b, st, "r", c->reason);
	text_ref(b, st, "d", c->detail);
	text_ref(b, st, "t", c->ktap);
	if (c->present && c->outcome == OUT_CRASH)
		text_ref(b, st, "x", c->excerpt);
	if (c->present && c->racy && c->n > 0 &&
	    (c->outcome == OUT_PASS || c->outcome == OUT_FAIL))
		buf_printf(b, ">%ld%%</td>", (c->k * 100 + c->n / 2) / c->n);
	else
		buf_printf(b, ">%s</td>", look->glyph);
}

/* Columns: one per kernel; the baseline and the start of each series ruled. */
static void html_head_row(struct buf *b, const struct view *v)
{
	const struct matrix *m = v->m;

	buf_puts(b, "<colgroup><col><col>");
	for (int j = 0; j < m->nk; j++)
		buf_printf(b, "<col%s>", j == m->baseline ? " class=\"base\"" :
			   j && !same_series(v, j - 1, j) ? " class=\"s\"" : "");
	buf_puts(b, "</colgroup>\n<thead><tr><th rowspan=\"2\" class=\"nm\">case / subtest</th>"
		 "<th rowspan=\"2\" class=\"kd\" title=\"kind\">k</th>");
	for (int j = 0, span; j < m->nk; j += span) {
		for (span = 1; j + span < m->nk && same_series(v, j, j + span); span++)
			;
		buf_printf(b, "<th colspan=\"%d\" class=\"sr\">", span);
		xml_escape(b, kernel_series(v, j));
		buf_puts(b, "</th>");
	}
	buf_puts(b, "</tr>\n<tr id=\"kernels\">");
	for (int j = 0; j < m->nk; j++) {
		/* Long names (no series to share) stand on end to keep columns narrow. */
		const char *cls = j == m->baseline ? "b" :
				  strlen(kernel_label(v, j)) > 6 ? "v" : NULL;

		buf_puts(b, "<th title=\"");
		xml_escape(b, m->kernels[j].spec);
		buf_printf(b, "%s\"", j == m->baseline ? " (baseline)" : "");
		if (cls)
			buf_printf(b, " class=\"%s\"", cls);
		buf_puts(b, ">");
		xml_escape(b, kernel_label(v, j));
		buf_puts(b, "</th>");
	}
	buf_puts(b, "</tr></thead>\n");
}

static void html_row(struct buf *b, struct text_store *st, const struct view *v, int i)
{
	const struct cmp_row *r = &v->m->rows[i];
	bool racy = row_is_racy(v->m, r);

	buf_puts(b, "<tr id=\"r-");
	html_row_id(b, r);
	buf_puts(b, "\" data-case=\"");
	xml_escape(b, r->kase);
	buf_puts(b, "\" data-subtest=\"");
	xml_escape(b, r->sub);
	buf_printf(b, "\" data-kind=\"%s\"%s><th class=\"nm\">", kind_name(r->kind),
		   row_needs_showing(v->m, i) ? " class=\"chg\"" : "");
	if (racy) {
		buf_puts(b, "<a href=\"#p-");
		html_row_id(b, r);
		buf_puts(b, "\">");
	}
	xml_escape(b, r->sub);
	buf_printf(b, "%s</th><th class=\"kd\">%c</th>", racy ? "</a>" : "",
		   kind_name(r->kind)[0] - 'a' + 'A');
	for (int j = 0; j < v->m->nk; j++)
		html_cell(b, st, v->m, r, j);
	buf_puts(b, "</tr>\n");
}

static void html_grid(struct buf *b, struct text_store *st, const struct view *v)
{
	const struct matrix *m = v->m;

	buf_puts(b, "<table class=\"grid\" id=\"matrix\">\n");
	html_head_row(b, v);
	buf_puts(b, "<tbody>\n");
	for (int i = 0; i < m->nrows; i++) {
		if (!i || strcmp(m->rows[i - 1].kase, m->rows[i].kase)) {
			buf_printf(b, "<tr class=\"case\"><th colspan=\"%d\">", m->nk + 2);
			xml_escape(b, m->rows[i].kase);
			buf_puts(b, "</th></tr>\n");
		}
		html_row(b, st, v, i);
	}
	buf_puts(b, "</tbody>\n</table>\n");
}

/* The verdict, the counts, and every change linked to its row. */
static void html_summary(struct buf *b, const struct view *v, bool strict)
{
	const struct matrix *m = v->m;
	int code = matrix_exit_code(m, strict);
	struct buf s = { 0 };
	char *agree = agree_line(m);

	buf_printf(b, "<h1>krepro compare: %s</h1>\n<p id=\"summary\">", code == EXIT_OK ?
		   "no regression" : code == EXIT_INFRA ? "infrastructure problem" : "regression");
	summary_line(&s, m);
	buf_printf(&s, "%s%s. Baseline: %s.", *agree ? "; " : "", agree,
		   m->nk ? kernel_title(&m->kernels[m->baseline]) : "none");
	xml_escape(b, s.data);
	buf_free(&s);
	free(agree);
	buf_puts(b, "</p>\n<ol id=\"changes\">\n");
	for (int g = 0; g < v->nchanges; g++) {
		const struct view_change *ch = &v->changes[g];
		const struct cmp_row *r = &m->rows[ch->row];
		char *words = change_words(v, ch);

		buf_printf(b, "<li><a href=\"#r-");
		html_row_id(b, r);
		buf_printf(b, "\"><span class=\"x-%s\">%s</span> ", change_name(ch->what),
			   change_name(ch->what));
		xml_escape(b, r->kase);
		buf_puts(b, "/");
		xml_escape(b, r->sub);
		buf_puts(b, "</a> on ");
		xml_escape(b, ch->where);
		xml_escape(b, words);
		buf_puts(b, "</li>\n");
		free(words);
	}
	buf_printf(b, "</ol>\n%s", v->nchanges ? "" : "<p>No changes.</p>\n");
}

static void html_legend(struct buf *b)
{
	static const enum change marked[] = { CH_REGRESSION, CH_FIXED, CH_BEHAVIOUR, CH_RATE,
					      CH_INCONCLUSIVE, CH_NEW };

	buf_puts(b, "<p class=\"legend\">");
	for (unsigned i = 0; i < sizeof(looks) / sizeof(looks[0]) - 1; i++)
		buf_printf(b, "<span class=\"%s\">%s %s</span>", looks[i].cls, looks[i].glyph,
			   looks[i].label);
	buf_puts(b, " races: hit rate in %. Outlined: ");
	for (unsigned i = 0; i < sizeof(marked) / sizeof(marked[0]); i++)
		buf_printf(b, "<span class=\"x-%s\">%s</span>", change_name(marked[i]),
			   change_name(marked[i]));
	buf_puts(b, " Kind: Regression, Mitigation, Hazard, Behaviour, Control. "
		 "The baseline's column is ruled. Click a cell for its details.</p>\n");
}

static void html_plots(struct buf *b, const struct view *v)
{
	bool any = false;

	for (int i = 0; i < v->m->nrows; i++) {
		if (!row_is_racy(v->m, &v->m->rows[i]))
			continue;
		if (!any)
			buf_puts(b, "<aside id=\"plots\"><h2>Races: hit rate per kernel, "
				 "95 % interval (band: the baseline's)</h2>\n");
		any = true;
		html_plot(b, v, i);
	}
	if (any)
		buf_puts(b, "</aside>\n");
}

static const char html_style[] =
	"<style>\n"
	"body{font:13px/1.35 system-ui,sans-serif;margin:12px 16px;color:#222}\n"
	"h1{font-size:18px;margin:0 0 4px}h2{font-size:13px;margin:0 0 4px}\n"
	"#changes{margin:4px 0;padding-left:1.6em}\n"
	".legend{font-size:11px;color:#444;margin:6px 0}\n"
	".legend span{display:inline-block;padding:0 5px;margin:0 3px 2px 0}\n"
	".page{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}\n"
	"table.grid{border-collapse:collapse;font-size:11px}\n"
	".grid td{min-width:36px;height:15px;padding:0 2px;text-align:center;"
	"border:1px solid #fff;cursor:pointer;white-space:nowrap}\n"
	".grid th{font-weight:normal;padding:0 3px}\n"
	".grid th.nm{text-align:left;white-space:nowrap;max-width:330px;overflow:hidden;"
	"text-overflow:ellipsis;padding-left:10px}\n"
	".grid th.kd{color:#777}.grid th.v{writing-mode:vertical-rl}"
	"#kernels th.b{background:#222;color:#fff;font-weight:bold}\n"
	".grid thead th{border-bottom:1px solid #999}.grid th.sr{font-weight:bold}\n"
	".grid tr.case th{text-align:left;font-weight:bold;padding:5px 2px 1px;"
	"border-bottom:1px solid #999}\n"
	".grid tr.chg th.nm{font-weight:bold}.grid tr:target th{background:#ff6}\n"
	"col.base{border-left:2px solid #222;border-right:2px solid #222}"
	"col.s{border-left:2px solid #999}\n"
	".ok{background:#cdeccd}.no{background:#f2a79f}.rp{background:#fcd98a}"
	".nr{background:#d7e3f0}.sk,.ns,.nc,.ab{background:#eee;color:#777}"
	".er,.cr,.to,.in{background:#d9a6e3}\n"
	".x-regression,.x-error,.x-skipped,.x-baseline-crash{box-shadow:inset 0 0 0 2px #c00}"
	".x-behaviour-change,.x-fixed,.x-rate-change{box-shadow:inset 0 0 0 2px #06c}"
	".x-rate-change{font-weight:bold}.x-inconclusive{box-shadow:inset 0 0 0 2px #b80}"
	".x-new,.x-missing,.x-not-comparable{box-shadow:inset 0 0 0 1px #666}\n"
	"#cell{position:fixed;right:12px;bottom:12px;width:46em;max-height:70vh;"
	"overflow:auto;background:#fff;border:1px solid #888;box-shadow:0 2px 8px #0004;"
	"padding:4px 10px;font-size:12px}\n"
	"#cell p{margin:2px 0}#cell h3{font-size:13px;margin:4px 0}"
	"#cell pre{white-space:pre-wrap;background:#f4f4f4;padding:4px;margin:2px 0}\n"
	"svg.plot{display:block;margin-bottom:4px;font-size:8px}svg .g{stroke:#ddd}"
	"svg .band{fill:#fcd98a;opacity:.45}svg .ci{stroke:#69c;stroke-width:1.5}"
	"svg circle.same{fill:#369}svg .ci.moved{stroke:#c60}svg circle.moved{fill:#c60}"
	"svg .ci.base{stroke:#000}svg circle.base{fill:#000}svg .pt{font-size:11px;"
	"font-weight:bold}\n"
	"</style>\n";

static const char html_script[] =
	"<script>\n(function () {\n"
	"var texts = document.getElementById('texts').children;\n"
	"var heads = document.getElementById('kernels').children;\n"
	"var panel = document.getElementById('cell');\n"
	"function text(i) { return i === undefined ? '' : texts[+i].textContent; }\n"
	"function add(tag, label, value) {\n"
	"  if (!value) return null;\n"
	"  var el = panel.appendChild(document.createElement(tag));\n"
	"  if (label) el.appendChild(document.createElement('b')).textContent = label + ': ';\n"
	"  el.appendChild(document.createTextNode(value));\n  return el;\n}\n"
	"document.getElementById('matrix').addEventListener('click', function (e) {\n"
	"  var td = e.target.closest('td'), tr = td && td.parentNode;\n"
	"  if (!td || !tr.dataset.case) return;\n"
	"  var d = td.dataset, j = td.cellIndex - 2, change = 'same';\n"
	"  td.classList.forEach(function (c) { if (c.indexOf('x-') === 0) change = c.slice(2); });\n"
	"  panel.textContent = '';\n"
	"  add('button', '', 'close').onclick = function () { panel.hidden = true; };\n"
	"  add('h3', '', tr.dataset.case + '/' + tr.dataset.subtest + ' on ' + heads[j].title);\n"
	"  add('p', 'outcome', labels[td.classList[0]] + ' (' + tr.dataset.kind + ')');\n"
	"  add('p', 'k/n', d.kn);\n"
	"  add('p', '95 % interval', d.ci && d.ci + ' %');\n"
	"  add('p', 'first hit', d.fh && d.fh + ' s (median)');\n"
	"  add('p', 'runs', d.runs);\n"
	"  add('p', 'change', j === base ? (d.w ? text(d.w) : 'baseline') :\n"
	"      change + (d.w ? ': ' + text(d.w) : ''));\n"
	"  add('p', 'reason', text(d.r));\n"
	"  add('p', 'detail', text(d.d));\n"
	"  add('pre', 'KTAP', text(d.t));\n"
	"  add('pre', 'console excerpt', text(d.x));\n"
	"  panel.hidden = false;\n});\n"
	"document.addEventListener('keydown', function (e) {\n"
	"  if (e.key === 'Escape') panel.hidden = true;\n});\n"
	"})();\n</script>\n";

/* The stored texts, the panel they open into, and what the script needs to know. */
static void html_tail(struct buf *b, const struct text_store *st, const struct matrix *m)
{
	buf_puts(b, "<div id=\"cell\" hidden></div>\n<div id=\"texts\" hidden>");
	for (int i = 0; i < st->n; i++) {
		buf_puts(b, "<pre>");
		xml_escape(b, st->texts[i]);
		buf_puts(b, "</pre>");
	}
	buf_printf(b, "</div>\n<script>var base = %d, labels = {", m->baseline);
	for (unsigned i = 0; i < sizeof(looks) / sizeof(looks[0]); i++)
		buf_printf(b, "%s%s: '%s'", i ? ", " : "", looks[i].cls, looks[i].label);
	buf_puts(b, "};</script>\n");
	buf_puts(b, html_script);
}

char *render_html(const struct matrix *m, bool strict)
{
	struct view_opts every = { .all = true };
	struct text_store st = { 0 };
	struct buf b = { 0 };
	struct view v;

	view_build(&v, m, &every);
	buf_puts(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		 "<title>krepro compare</title>\n");
	buf_puts(&b, html_style);
	buf_puts(&b, "</head>\n<body>\n");
	html_summary(&b, &v, strict);
	html_legend(&b);
	buf_puts(&b, "<div class=\"page\">\n");
	html_grid(&b, &st, &v);
	html_plots(&b, &v);
	buf_puts(&b, "</div>\n");
	html_tail(&b, &st, m);
	buf_puts(&b, "</body>\n</html>\n");
	free(st.texts);
	view_free(&v);
	return b.data;
}
