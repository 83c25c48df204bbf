// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of what a report shows of a matrix (view.c): short kernel
 * names, folded columns, grouped changes placed where they appear, and
 * the terminal's width.  Matrices are built in memory.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "view.h"
#include "cli.h"
#include "kselftest_harness.h"

/* A check inside a test: the test fails, the others still run. */
#define CHECK(cond) EXPECT_TRUE(!!(cond))

/* Kernels named by uname -r, as debian: specs; "host" stays host. */
static void add_kernels(struct matrix *m, const char *const *unames, int nk)
{
	memset(m, 0, sizeof(*m));
	m->nk = nk;
	m->kernels = xcalloc(nk, sizeof(*m->kernels));
	for (int j = 0; j < nk; j++) {
		bool host = !strcmp(unames[j], "host");

		m->kernels[j] = (struct cmp_kernel){
			.key = xasprintf("k%d", j),
			.spec = host ? xstrdup("host") : xasprintf("debian:%s", unames[j]),
			.label = xstrdup(unames[j]), .source = xstrdup(""),
			.uname_r = xstrdup(host ? "6.18.0-1-amd64" : unames[j]),
			.proc_version = xstrdup(""), .sha256 = xstrdup(""),
		};
	}
}

/*
 * A row with one letter per kernel: p pass, f fail, - not run.  A racy
 * row's passes hit 5 or 6 of 10 rounds (a wobble), its fails none.
 */
static void add_row(struct matrix *m, const char *sub, enum kind kind, const char *cells,
		    bool racy)
{
	struct cmp_row *r;

	m->rows = xrealloc(m->rows, sizeof(*m->rows) * (m->nrows + 1));
	r = &m->rows[m->nrows++];
	*r = (struct cmp_row){ .kase = xstrdup("c"), .sub = xstrdup(sub), .kind = kind,
			       .cells = xcalloc(m->nk, sizeof(*r->cells)) };
	for (int j = 0; j < m->nk; j++) {
		bool pass = cells[j] == 'p', hit = kind_is_hazard(kind) ? pass : !pass;
		long n = racy ? 10 : 1;

		if (cells[j] == '-')
			continue;
		r->cells[j] = (struct cmp_cell){ .present = true, .racy = racy, .n = n,
			.outcome = pass ? OUT_PASS : OUT_FAIL, .runs = 1, .first_hit_s = -1,
			.k = !hit ? 0 : racy ? 5 + j % 2 : 1 };
	}
}

static const char *const series[] = {
	"6.1.0-47-cloud-amd64", "6.1.0-48-cloud-amd64", "6.1.0-49-cloud-amd64",
	"6.12.100+deb12-cloud-amd64", "6.12.101+deb12-cloud-amd64",
};

static bool col_is(const struct view *v, int c, int first, int last, const char *title)
{
	bool ok = c < v->ncols && v->cols[c].first == first && v->cols[c].last == last &&
		  !strcmp(v->cols[c].title, title);

	if (!ok)
		printf("# column %d: want %d..%d \"%s\", got %d..%d \"%s\"\n", c, first, last,
		       title, c < v->ncols ? v->cols[c].first : -1,
		       c < v->ncols ? v->cols[c].last : -1, c < v->ncols ? v->cols[c].title : "");
	return ok;
}

TEST(kernels_that_agree_fold_into_one_column_but_the_baseline_stays_alone)
{
	struct view_opts o = { 0 };
	struct matrix m;
	struct view v;

	add_kernels(&m, series, 5);
	add_row(&m, "buffered_read", KIND_BEHAVIOUR, "fffpp", false);
	/* Races agree whatever their counts, when their verdict and change agree. */
	add_row(&m, "race", KIND_HAZARD, "ppppp", true);
	add_row(&m, "holds", KIND_REGRESSION, "ppppp", false);
	matrix_classify(&m);
	view_build(&v, &m, &o);
	CHECK(v.nshown == 1 && v.shown[0] && !v.shown[1] && !v.shown[2]);
	CHECK(v.ncols == 3);
	CHECK(col_is(&v, 0, 0, 0, "6.1.0-47 (baseline)"));
	CHECK(col_is(&v, 1, 1, 2, "6.1.0-48\u202649"));
	CHECK(col_is(&v, 2, 3, 4, "6.12.100\u2026101"));
	view_free(&v);
	/* Every row shown: the same columns, since every row agrees across them. */
	o.all = true;
	view_build(&v, &m, &o);
	CHECK(v.nshown == 3 && v.ncols == 3);
	view_free(&v);
	/* A baseline in the middle splits the run of kernels that agree. */
	m.baseline = 1;
	matrix_classify(&m);
	view_build(&v, &m, &o);
	CHECK(v.ncols == 4);
	CHECK(col_is(&v, 0, 0, 0, "6.1.0-47"));
	CHECK(col_is(&v, 1, 1, 1, "6.1.0-48 (baseline)"));
	CHECK(col_is(&v, 2, 2, 2, "6.1.0-49"));
	view_free(&v);
}

TEST(a_change_is_one_line_placed_where_it_first_appears)
{
	struct view_opts o = { 0 };
	struct matrix m;
	struct view v;

	add_kernels(&m, series, 5);
	add_row(&m, "buffered_read", KIND_BEHAVIOUR, "fffpp", false);
	add_row(&m, "holds", KIND_REGRESSION, "pfppf", false);
	matrix_classify(&m);
	view_build(&v, &m, &o);
	ASSERT_EQ(v.nchanges, 2);
	/* Regressions come before behaviour changes. */
	CHECK(v.changes[0].what == CH_REGRESSION && v.changes[0].row == 1);
	CHECK(v.changes[0].nkernels == 2);
	CHECK(!strcmp(v.changes[0].where, "6.1.0-48, 6.12.101"));
	CHECK(v.changes[0].from == 0 && v.changes[0].to == 1);
	CHECK(v.changes[1].what == CH_BEHAVIOUR && v.changes[1].nkernels == 2);
	CHECK(!strcmp(v.changes[1].where, "6.12.100\u2026101"));
	CHECK(v.changes[1].from == 2 && v.changes[1].to == 3);
	view_free(&v);
	/* Seen from a newer baseline, the change lies between the old kernels' last and the next. */
	m.baseline = 4;
	matrix_classify(&m);
	view_build(&v, &m, &o);
	ASSERT_EQ(v.nchanges, 2);
	CHECK(v.changes[0].what == CH_FIXED);
	CHECK(!strcmp(v.changes[0].where, "6.1.0-47, 6.1.0-49\u20266.12.100"));
	CHECK(v.changes[0].from == 3 && v.changes[0].to == 4);
	CHECK(v.changes[1].what == CH_BEHAVIOUR && !strcmp(v.changes[1].where, "6.1.0-47\u202649"));
	CHECK(v.changes[1].from == 2 && v.changes[1].to == 3);
	view_free(&v);
}

TEST(one_kernel_alone_is_named_by_its_spec_in_the_change_list)
{
	static const char *const two[] = { "6.1.0-47-cloud-amd64", "6.12.100+deb12-cloud-amd64" };
	struct view_opts o = { 0 };
	struct matrix m;
	struct view v;

	add_kernels(&m, two, 2);
	add_row(&m, "holds", KIND_REGRESSION, "pf", false);
	matrix_classify(&m);
	view_build(&v, &m, &o);
	ASSERT_EQ(v.nchanges, 1);
	CHECK(!strcmp(v.changes[0].where, "debian:6.12.100+deb12-cloud-amd64"));
	view_free(&v);
}

TEST(kernel_names_are_short_unless_two_would_meet)
{
	static const char *const mixed[] = {
		"6.1.0-47-amd64", "6.1.0-47-cloud-amd64", "6.12.117+deb12-cloud-amd64", "host",
	};
	struct view_opts o = { 0 };
	struct matrix m;
	struct view v;

	add_kernels(&m, mixed, 4);
	add_row(&m, "holds", KIND_REGRESSION, "pppp", false);
	matrix_classify(&m);
	view_build(&v, &m, &o);
	CHECK(!strcmp(v.names[0], "debian:6.1.0-47-amd64"));
	CHECK(!strcmp(v.names[1], "debian:6.1.0-47-cloud-amd64"));
	CHECK(!strcmp(v.names[2], "6.12.117"));
	CHECK(!strcmp(v.names[3], "host"));
	CHECK(!strcmp(kernel_series(&v, 2), "6.12.") && !strcmp(kernel_label(&v, 2), "117"));
	CHECK(!same_series(&v, 0, 1) && !same_series(&v, 3, 3));
	view_free(&v);
}

TEST(the_width_is_columns_then_the_terminal_then_80)
{
	int fds[2];

	ASSERT_EQ(pipe(fds), 0);
	setenv("COLUMNS", "132", 1);
	CHECK(terminal_width(fds[1]) == 132);
	setenv("COLUMNS", "wide", 1);
	CHECK(terminal_width(fds[1]) == 80);
	setenv("COLUMNS", "0", 1);
	CHECK(terminal_width(fds[1]) == 80);
	unsetenv("COLUMNS");
	CHECK(terminal_width(fds[1]) == 80);
	close(fds[0]);
	close(fds[1]);
}

TEST_HARNESS_MAIN
