// SPDX-License-Identifier: GPL-2.0-only
/*
 * JUnit XML for CI test reports: one testsuite per kernel, one testcase
 * per subtest; a skipped subtest, and a comparison the runs could not
 * decide, are <skipped> with the reason.
 */
#define _GNU_SOURCE
#include <stdlib.h>

#include "report.h"

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
	/*
	 * A protection nobody attacked, or a comparison the runs could not
	 * decide: no verdict, like a skip, with the reason.
	 */
	if (c->outcome == OUT_SKIP || c->outcome == OUT_UNSHOWN ||
	    ch->what == CH_INCONCLUSIVE)
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
		if (ch->what == CH_INCONCLUSIVE)
			buf_puts(b, "inconclusive: ");
		xml_escape(b, ch->what == CH_INCONCLUSIVE ? ch->why :
			      c->reason ? c->reason : "skipped");
		buf_puts(b, "\"/>\n");
	}
	buf_puts(b, "      <system-out>");
	xml_escape(b, kind_name(r->kind));
	buf_puts(b, ": ");
	xml_escape(b, text);
	if (j != m->baseline && change_listed(ch->what)) {
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

char *render_junit(const struct matrix *m)
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
