// SPDX-License-Identifier: GPL-2.0-only
/*
 * What `krepro run` prints when it is done: the table of subtests by
 * kernel, each racy subtest's other counters under it, and why each
 * subtest that broke broke.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "cli.h"
#include "runtable.h"

static char *cell(const struct sub_result *s)
{
	return outcome_cell(s->outcome, s->kind, s->k, s->n, s->racy);
}


/* The result of one subtest of a case on one kernel, or NULL. */
static struct sub_result *result_of(struct run_opts *o, int kernel,
				    const struct case_decl *c, const char *sub)
{
	struct sub_result *s = NULL;

	for (int q = 0; q < o->npairs; q++)
		if (o->pairs[q].kernel == &o->kernels[kernel] && o->pairs[q].kase == c)
			s = sub_get(&o->pairs[q], sub);
	return s;
}


/* A racy subtest's count of name from its statistics lines, -1: none. */
static long count_of(const struct sub_result *s, const char *name)
{
	for (int i = 0; s && i < s->ncounts; i++)
		if (!strcmp(s->count_names[i], name))
			return s->counts[i];
	return -1;
}


/* The first pair of each case, in run order: one table row set per case. */
static bool first_of_case(struct run_opts *o, int i)
{
	for (int j = 0; j < i; j++)
		if (o->pairs[j].kase == o->pairs[i].kase)
			return false;
	return true;
}


/* Print one row: its name, then each kernel's cell ("-": none). */
static void print_row(FILE *out, struct run_opts *o, const struct pair *p, const char *sub,
		      const char *name, int width, int colw, const char *count)
{
	fprintf(out, "%-*s", width, name);
	for (int kk = 0; kk < o->nkernels; kk++) {
		const struct sub_result *s = result_of(o, kk, p->kase, sub);
		char *c = NULL;
		long v;

		if (s && !count)
			c = cell(s);
		else if (s && (v = count_of(s, count)) >= 0)
			c = xasprintf("%ld", v);
		fprintf(out, "  %-*s", colw, c ? c : "-");
		free(c);
	}
	fprintf(out, "\n");
}


/*
 * A racy subtest's other anomalies, each a row of its own under the
 * headline k: never hits, but a reader must see them.  Counters that
 * stayed 0 on every kernel are left out.
 */
static void print_counts(FILE *out, struct run_opts *o, const struct pair *p, const char *sub,
			 int width, int colw)
{
	for (int kk = 0; kk < o->nkernels; kk++) {
		const struct sub_result *s = result_of(o, kk, p->kase, sub);

		for (int c = 0; s && c < s->ncounts; c++) {
			const char *count = s->count_names[c];
			bool shown = false, nonzero = false;
			char *name;

			for (int e = 0; e < kk; e++)
				shown |= count_of(result_of(o, e, p->kase, sub), count) >= 0;
			for (int e = 0; e < o->nkernels; e++)
				nonzero |= count_of(result_of(o, e, p->kase, sub), count) > 0;
			if (shown || !nonzero)
				continue;
			name = xasprintf("  %s", count);
			print_row(out, o, p, sub, name, width, colw, count);
			free(name);
		}
	}
}


/* Widest name and widest cell, so every column lines up. */
static void table_widths(struct run_opts *o, int *width, int *colw)
{
	*width = 20;
	*colw = 12;
	for (int i = 0; i < o->nkernels; i++)
		if ((int)strlen(o->kernels[i].spec) > *colw)
			*colw = strlen(o->kernels[i].spec);
	for (int i = 0; i < o->npairs; i++)
		for (int j = 0; j < o->pairs[i].nsubs; j++) {
			const struct sub_result *s = &o->pairs[i].subs[j];
			int w = strlen(o->pairs[i].kase->name) + 1 + strlen(s->name);
			char *c = cell(s);

			if (w > *width)
				*width = w;
			if ((int)strlen(c) > *colw)
				*colw = strlen(c);
			free(c);
		}
}


static void print_table(FILE *out, struct run_opts *o)
{
	int width, colw;

	table_widths(o, &width, &colw);
	fprintf(out, "\n%-*s", width, "case/subtest");
	for (int i = 0; i < o->nkernels; i++)
		fprintf(out, "  %-*s", colw, o->kernels[i].spec);
	fprintf(out, "\n");
	/* Rows in case order, then subtest order, from each case's first pair. */
	for (int i = 0; i < o->npairs; i++) {
		struct pair *p = &o->pairs[i];

		if (!first_of_case(o, i))
			continue;
		for (int j = 0; j < p->nsubs; j++) {
			const char *sub = p->subs[j].name;
			char *name = xasprintf("%s/%s", p->kase->name, sub);

			print_row(out, o, p, sub, name, width, colw, NULL);
			print_counts(out, o, p, sub, width, colw);
			free(name);
		}
	}
}


/* Why each subtest that broke broke: the table shows only the word. */
static void print_reasons(FILE *out, struct run_opts *o)
{
	bool header = false;

	for (int i = 0; i < o->npairs; i++)
		for (int j = 0; j < o->pairs[i].nsubs; j++) {
			const struct sub_result *s = &o->pairs[i].subs[j];

			if (s->outcome != OUT_ERROR && s->outcome != OUT_CRASH &&
			    s->outcome != OUT_TIMEOUT && s->outcome != OUT_UNSHOWN)
				continue;
			if (!header)
				fprintf(out, "\nwhy:\n");
			header = true;
			fprintf(out, "  %s %s/%s: %s: %s\n", o->pairs[i].kernel->spec,
			       o->pairs[i].kase->name, s->name, outcome_name(s->outcome),
			       s->reason ? s->reason : o->pairs[i].detail ?
			       o->pairs[i].detail : "no reason given");
		}
}


void runtable_print(struct run_opts *o, FILE *out)
{
	print_table(out, o);
	print_reasons(out, o);
}
