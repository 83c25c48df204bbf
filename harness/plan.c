// SPDX-License-Identifier: GPL-2.0-only
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "plan.h"

int plan_check_selection(struct case_set *set, const struct selection *sel, int nsel,
			 char **why)
{
	for (int i = 0; i < nsel; i++) {
		struct case_decl *c = case_find(set, sel[i].kase);

		if (!c) {
			*why = xasprintf("unknown case '%s' (see krepro list)", sel[i].kase);
			return -1;
		}
		if (sel[i].sub && !subtest_find(c, sel[i].sub)) {
			*why = xasprintf("unknown subtest '%s' in case %s (see krepro list)",
					 sel[i].sub, c->name);
			return -1;
		}
	}
	return 0;
}

/* Is case c part of the run: a default one, or named by -c? */
static bool case_wanted(const struct case_decl *c, const struct selection *sel, int nsel)
{
	if (!nsel)
		return c->is_default;
	for (int j = 0; j < nsel; j++)
		if (!strcmp(sel[j].kase, c->name))
			return true;
	return false;
}

int plan_check_built(const char *root, struct case_set *set, const struct selection *sel,
		     int nsel, char **why)
{
	for (int i = 0; i < set->n; i++) {
		char *bin = xasprintf("%s/build/repro/%s", root, set->cases[i].binary);
		bool missing = case_wanted(&set->cases[i], sel, nsel) && !is_file(bin);

		if (missing)
			*why = xasprintf("cannot run case %s: %s is not built (run make)",
					 set->cases[i].name, bin);
		free(bin);
		if (missing)
			return -1;
	}
	return 0;
}

int plan_check_tools(struct case_set *set, const struct selection *sel, int nsel,
		     char **why)
{
	for (int i = 0; i < set->n; i++) {
		const struct case_decl *c = &set->cases[i];

		if (!case_wanted(c, sel, nsel))
			continue;
		for (int t = 0; t < c->ntools; t++) {
			char *path = which(c->tools[t]);

			free(path);
			if (!path) {
				*why = xasprintf("cannot run case %s: it needs %s, which is not "
						 "installed (run make setup)", c->name,
						 c->tools[t]);
				return -1;
			}
		}
	}
	return 0;
}

/* Add one subtest to a pair's selection, once. */
static void select_subtest(struct pair *p, const char *name)
{
	for (int i = 0; i < p->nonly; i++)
		if (!strcmp(p->only[i], name))
			return;
	p->only = xrealloc(p->only, sizeof(char *) * (p->nonly + 1));
	p->only[p->nonly++] = (char *)name;
}

/*
 * A selected mitigation brings its guard hazard along: without the
 * danger shown in the same run its pass would not count.
 */
static void select_guards(struct pair *p, struct case_decl *c)
{
	for (int i = 0; i < p->nonly; i++) {
		const struct subtest_decl *d = subtest_find(c, p->only[i]);

		if (d && d->guard)
			select_subtest(p, d->guard);
	}
}

/* p->only from the selection: NULL when the whole case is wanted. */
static void select_for_case(struct pair *p, struct case_decl *c,
			    const struct selection *sel, int nsel)
{
	bool whole = nsel == 0;

	for (int s = 0; s < nsel; s++) {
		if (strcmp(sel[s].kase, c->name))
			continue;
		if (!sel[s].sub)
			whole = true;
		else
			select_subtest(p, sel[s].sub);
	}
	if (whole) {
		free(p->only);
		p->only = NULL;
		p->nonly = 0;
	}
	select_guards(p, c);
}

static bool sub_selected(const struct pair *p, const char *name)
{
	if (!p->only)
		return true;
	for (int q = 0; q < p->nonly; q++)
		if (!strcmp(p->only[q], name))
			return true;
	return false;
}

/* The pair's result slots, one per selected subtest, in declaration order. */
static void add_subtests(struct pair *p, const struct case_decl *c)
{
	for (int s = 0; s < c->nsubs; s++) {
		if (!sub_selected(p, c->subs[s].name))
			continue;
		p->subs = xrealloc(p->subs, sizeof(*p->subs) * (p->nsubs + 1));
		p->subs[p->nsubs++] = (struct sub_result){
			.name = xstrdup(c->subs[s].name), .kind = c->subs[s].kind,
			.declared = true, .outcome = OUT_COUNT,
		};
	}
}

void plan_pairs(struct run_opts *o, struct case_set *set, const struct selection *sel,
		int nsel)
{
	for (int i = 0; i < o->nkernels; i++)
		for (int j = 0; j < set->n; j++) {
			struct case_decl *c = &set->cases[j];
			struct pair p = { 0 };

			if (!case_wanted(c, sel, nsel))
				continue;
			select_for_case(&p, c, sel, nsel);
			p.kernel = &o->kernels[i];
			p.kase = c;
			p.taint_before = p.taint_after = -1;
			add_subtests(&p, c);
			o->pairs = xrealloc(o->pairs, sizeof(p) * (o->npairs + 1));
			o->pairs[o->npairs++] = p;
		}
}

void plan_shard(struct run_opts *o, int i, int n)
{
	int kept = 0;

	for (int j = 0; j < o->npairs; j++)
		if (j % n == i - 1)
			o->pairs[kept++] = o->pairs[j];
	o->npairs = kept;
	o->shard_i = i;
	o->shard_n = n;
}
