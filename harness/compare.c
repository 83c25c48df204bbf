// SPDX-License-Identifier: GPL-2.0-only
/*
 * krepro compare: run directories -> one matrix (rows case/subtest, columns
 * kernels in version order) and, for every kernel, what changed against
 * the baseline.  Rates are compared with Fisher's exact test.  A
 * difference that is not significant is "inconclusive" only where the
 * verdict could differ (a side that never failed or never reproduced);
 * between two sides with the same verdict it is not a change at all.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "json.h"
#include "ktap.h"
#include "kernel.h"
#include "stats.h"
#include "cli.h"

#define ALPHA 0.05
/* More runs are worth proposing up to this many times the runs made. */
#define REACH 10

static const char *const change_names[CH_COUNT] = {
	[CH_SAME] = "same", [CH_REGRESSION] = "regression", [CH_FIXED] = "fixed",
	[CH_BEHAVIOUR] = "behaviour-change", [CH_INCONCLUSIVE] = "inconclusive",
	[CH_NEW] = "new", [CH_MISSING] = "missing", [CH_ERROR] = "error",
	[CH_UNCOMPARABLE] = "not-comparable", [CH_BASELINE] = "baseline",
	[CH_BASELINE_CRASH] = "baseline-crash", [CH_SKIPPED] = "skipped",
	[CH_RATE] = "rate-change",
};

const char *change_name(enum change c)
{
	return c < CH_COUNT ? change_names[c] : "unknown";
}

/* Nothing to compare: the subtest did not run to a verdict here. */
static bool is_absent(enum outcome o)
{
	return o == OUT_SKIP || o == OUT_INFRA || o == OUT_NOTRUN || o == OUT_UNSHOWN;
}

/*
 * ---- loading ----
 * store_load has checked every field read here: present, of its type,
 * and in the vocabulary.
 */

static int kernel_index(struct matrix *m, const json_t *jk)
{
	const char *spec = jget_str(jk, "spec", "");
	const char *sha = jget_str(jk, "image_sha256", "");
	const char *uname_r = jget_str(jk, "uname_r", "");
	char *key = xasprintf("%s|%s", spec, *sha ? sha : uname_r);
	struct cmp_kernel *k;
	int i;

	for (i = 0; i < m->nk; i++)
		if (!strcmp(m->kernels[i].key, key)) {
			free(key);
			k = &m->kernels[i];
			if (!*k->uname_r && *uname_r) {
				free(k->uname_r);
				k->uname_r = xstrdup(uname_r);
				free(k->proc_version);
				k->proc_version = xstrdup(jget_str(jk, "proc_version", ""));
			}
			return i;
		}
	m->kernels = xrealloc(m->kernels, sizeof(*m->kernels) * (m->nk + 1));
	k = &m->kernels[m->nk];
	k->key = key;
	k->spec = xstrdup(spec);
	k->label = xstrdup(jget_str(jk, "label", spec));
	k->source = xstrdup(jget_str(jk, "source", ""));
	k->uname_r = xstrdup(uname_r);
	k->proc_version = xstrdup(jget_str(jk, "proc_version", ""));
	k->sha256 = xstrdup(sha);
	return m->nk++;
}

static struct cmp_row *row_get(struct matrix *m, const char *kase, const char *sub,
			       enum kind kind)
{
	struct cmp_row *r;
	int i;

	for (i = 0; i < m->nrows; i++)
		if (!strcmp(m->rows[i].kase, kase) && !strcmp(m->rows[i].sub, sub))
			return &m->rows[i];
	m->rows = xrealloc(m->rows, sizeof(*m->rows) * (m->nrows + 1));
	r = &m->rows[m->nrows++];
	memset(r, 0, sizeof(*r));
	r->kase = xstrdup(kase);
	r->sub = xstrdup(sub);
	r->kind = kind;
	return r;
}

/* The subtest's own lines of a KTAP file: its diagnostics and result. */
static char *ktap_lines(const char *dir, const char *rel, const char *sub)
{
	char *path, *text, *out = NULL;
	struct ktap k;
	struct ktap_test *t;

	if (!rel || !*rel)
		return xstrdup("");
	path = xasprintf("%s/%s", dir, rel);
	text = read_file(path, NULL);
	free(path);
	if (!text)
		return xstrdup("");
	ktap_parse(text, &k);
	t = ktap_find(&k, sub);
	if (t)
		out = xasprintf("%s%s %d %s%s%s\n", t->diag,
				t->result == KTAP_NOT_OK ? "not ok" : "ok", t->number,
				t->full, t->reason ? " # " : "",
				t->reason ? (t->result == KTAP_SKIP ? "SKIP" : t->reason) : "");
	ktap_free(&k);
	free(text);
	return out ? out : xstrdup("");
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of the first hits of the runs that hit; -1 when none did. */
static double median_first_hit(const json_t *race)
{
	const json_t *fh = json_object_get(race, "first_hit_s"), *hit;
	double *v, med;
	size_t i;
	int n = 0;

	v = xcalloc(json_array_size(fh) + 1, sizeof(double));
	json_array_foreach(fh, i, hit)
		if (json_is_number(hit))
			v[n++] = json_number_value(hit);
	if (!n) {
		free(v);
		return -1;
	}
	qsort(v, n, sizeof(double), cmp_double);
	med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	free(v);
	return med;
}

/* Replace *field with the member's text when the member is not empty. */
static void take_text(char **field, const json_t *obj, const char *key)
{
	const char *s = jget_str(obj, key, "");

	if (*s) {
		free(*field);
		*field = xstrdup(s);
	}
}

/* Add one run's subtest to a cell; the same kernel seen twice adds up. */
static void cell_add(struct cmp_cell *c, enum kind kind, const json_t *js,
		     const json_t *jr, const char *dir)
{
	enum outcome o = outcome_parse(jget_str(js, "outcome", ""));
	long k = jget_num(js, "k", 0), n = jget_num(js, "n", 0);
	int runs = jget_num(js, "runs", n), runs_hit = jget_num(js, "runs_hit", k);
	bool first = !c->present;

	c->k += k;
	c->n += n;
	c->runs += runs;
	c->runs_hit += runs_hit;
	c->racy |= jget_bool(js, "racy", false);
	c->duration_s += jget_num(js, "duration_s", 0);
	if (first || c->first_hit_s < 0)
		c->first_hit_s = median_first_hit(json_object_get(js, "race"));
	/* The first run's outcome as written; more runs fold in. */
	c->outcome = first ? o : outcome_fold(c->outcome, o, kind, c->runs_hit);
	take_text(&c->reason, js, "reason");
	take_text(&c->detail, jr, "detail");
	take_text(&c->excerpt, jr, "excerpt");
	free(c->ktap);
	c->ktap = ktap_lines(dir, jget_str(jr, "ktap", ""), jget_str(js, "name", ""));
	free(c->dir);
	c->dir = xstrdup(dir);
	c->present = true;
}

/* Every row has one cell per kernel; kernels appear file by file. */
static void grow_cells(struct matrix *m, int old_nk)
{
	for (int i = 0; i < m->nrows; i++) {
		struct cmp_row *r = &m->rows[i];

		r->cells = xrealloc(r->cells, sizeof(*r->cells) * m->nk);
		memset(r->cells + old_nk, 0, sizeof(*r->cells) * (m->nk - old_nk));
	}
}

/* Shards seen so far, to refuse an incomplete set; NULL, or why not. */
static char *note_shard(struct matrix *m, const json_t *root, const char *dir)
{
	const json_t *sh = json_object_get(root, "shard");
	int idx = jget_num(sh, "index", 0), count = jget_num(sh, "count", 0), i;

	if (!sh)
		return NULL;
	for (i = 0; i < m->nshards; i++)
		if (m->shards[i].count == count)
			break;
	if (i == m->nshards) {
		m->shards = xrealloc(m->shards, sizeof(*m->shards) * (m->nshards + 1));
		m->shards[i] = (struct shard_seen){ count, xcalloc(count, 1), xstrdup(dir) };
		m->nshards++;
	}
	if (m->shards[i].have[idx - 1])
		return xasprintf("cannot compare: shard %d/%d given twice (%s)", idx, count, dir);
	m->shards[i].have[idx - 1] = 1;
	return NULL;
}

static char *missing_shard(const struct matrix *m)
{
	for (int i = 0; i < m->nshards; i++)
		for (int j = 0; j < m->shards[i].count; j++)
			if (!m->shards[i].have[j])
				return xasprintf("cannot compare: shard %d/%d is missing (the set "
						 "includes %s)", j + 1, m->shards[i].count,
						 m->shards[i].first_dir);
	return NULL;
}

/* A result's subtests into their rows, in the column of its kernel. */
static void add_result(struct matrix *m, const json_t *jr, int col, const char *dir)
{
	const json_t *subs = json_object_get(jr, "subtests"), *js;
	const char *kase = jget_str(jr, "case", "");
	size_t j;

	json_array_foreach(subs, j, js) {
		int before = m->nrows;
		struct cmp_row *r = row_get(m, kase, jget_str(js, "name", ""),
					    kind_parse(jget_str(js, "kind", "")));

		if (m->nrows > before)
			r->cells = xcalloc(m->nk, sizeof(*r->cells));
		cell_add(&r->cells[col], r->kind, js, jr, dir);
	}
}

/* The column of a result's kernel, -1 when only another kernel is taken. */
static int result_column(const json_t *kernels, const int *kmap, const json_t *jr)
{
	const char *spec = jget_str(jr, "kernel", "");
	const json_t *jk;
	int col = -1;
	size_t i;

	json_array_foreach(kernels, i, jk)
		if (!strcmp(jget_str(jk, "spec", ""), spec))
			col = kmap[i];
	return col;
}

/* The kernels and results of one run.json (only: of that kernel alone). */
static void add_run(struct matrix *m, const json_t *root, const char *dir, const char *only)
{
	const json_t *kernels = json_object_get(root, "kernels"), *jk;
	const json_t *results = json_object_get(root, "results"), *jr;
	int *kmap = xcalloc(json_array_size(kernels) + 1, sizeof(int)), old_nk = m->nk, col;
	size_t i;

	json_array_foreach(kernels, i, jk)
		kmap[i] = only && strcmp(jget_str(jk, "spec", ""), only) ? -1 :
			  kernel_index(m, jk);
	grow_cells(m, old_nk);
	json_array_foreach(results, i, jr)
		if ((col = result_column(kernels, kmap, jr)) >= 0)
			add_result(m, jr, col, dir);
	free(kmap);
}

/* One run directory into m; NULL, or why not in one line. */
static char *load_one(struct matrix *m, const char *dir, const char *only)
{
	char *file, *err = NULL, *why;
	json_t *root;

	if (!is_dir(dir))
		return xasprintf("cannot read %s: not a run directory", dir);
	file = xasprintf("%s/run.json", dir);
	root = store_load(file, &err);
	if (!root) {
		why = xasprintf("cannot read %s: %s", file, err);
		free(err);
		free(file);
		return why;
	}
	why = note_shard(m, root, dir);
	if (!why)
		add_run(m, root, dir, only);
	/* Stopped by a signal: what it finished is read, the rest is infra. */
	if (!why && jget_bool(root, "interrupted", false)) {
		m->incomplete = xrealloc(m->incomplete, sizeof(char *) * (m->nincomplete + 1));
		m->incomplete[m->nincomplete++] = xstrdup(dir);
	}
	json_decref(root);
	free(file);
	return why;
}

const char *kernel_version(const struct cmp_kernel *k)
{
	const char *colon = strchr(k->spec, ':');

	if (*k->uname_r)
		return k->uname_r;
	return colon ? colon + 1 : k->spec;
}

static int version_order(const void *a, const void *b)
{
	const struct cmp_kernel *x = a, *y = b;
	int c = debian_version_cmp(kernel_version(x), kernel_version(y));

	return c ? c : strcmp(x->key, y->key);
}

static int row_order(const void *a, const void *b)
{
	const struct cmp_row *x = a, *y = b;

	return strcmp(x->kase, y->kase);
}

/* A kernel column for a kernel of this run, before any run.json exists. */
static void kernel_from_run(struct cmp_kernel *k, const struct run_opts *o, int i)
{
	const struct kernel *rk = &o->kernels[i];
	const char *uname_r = "";

	for (int j = 0; j < o->npairs; j++)
		if (o->pairs[j].kernel == rk && o->pairs[j].uname)
			uname_r = o->pairs[j].uname;
	*k = (struct cmp_kernel){
		.key = xstrdup(rk->spec), .spec = xstrdup(rk->spec), .label = xstrdup(rk->label),
		.source = xstrdup(""), .uname_r = xstrdup(uname_r),
		.proc_version = xstrdup(""), .sha256 = xstrdup(rk->sha256),
	};
}

void matrix_from_pairs(struct matrix *m, const struct run_opts *o)
{
	memset(m, 0, sizeof(*m));
	m->nk = o->nkernels;
	m->kernels = xcalloc(m->nk, sizeof(*m->kernels));
	for (int i = 0; i < m->nk; i++)
		kernel_from_run(&m->kernels[i], o, i);
	for (int i = 0; i < o->npairs; i++) {
		const struct pair *p = &o->pairs[i];
		int col = p->kernel - o->kernels;

		for (int j = 0; j < p->nsubs; j++) {
			const struct sub_result *s = &p->subs[j];
			int before = m->nrows;
			struct cmp_row *r = row_get(m, p->kase->name, s->name, s->kind);

			if (m->nrows > before)
				r->cells = xcalloc(m->nk, sizeof(*r->cells));
			r->cells[col] = (struct cmp_cell){
				.present = true, .outcome = s->outcome, .k = s->k, .n = s->n,
				.runs = s->runs, .runs_hit = s->runs_hit, .racy = s->racy,
				.first_hit_s = -1,
			};
		}
	}
}

/* Columns in kernel version order, rows by case name. */
static void matrix_order(struct matrix *m)
{
	struct cmp_kernel *sorted;
	int i, j, *perm;

	/* Columns in version order; cells follow their kernel. */
	sorted = xcalloc(m->nk ? m->nk : 1, sizeof(*sorted));
	memcpy(sorted, m->kernels, sizeof(*sorted) * m->nk);
	qsort(sorted, m->nk, sizeof(*sorted), version_order);
	perm = xcalloc(m->nk ? m->nk : 1, sizeof(int));
	for (i = 0; i < m->nk; i++)
		for (j = 0; j < m->nk; j++)
			if (!strcmp(sorted[i].key, m->kernels[j].key))
				perm[i] = j;
	for (i = 0; i < m->nrows; i++) {
		struct cmp_cell *c = xcalloc(m->nk ? m->nk : 1, sizeof(*c));

		for (j = 0; j < m->nk; j++)
			c[j] = m->rows[i].cells[perm[j]];
		free(m->rows[i].cells);
		m->rows[i].cells = c;
	}
	free(m->kernels);
	m->kernels = sorted;
	free(perm);
	/* Rows by case name; subtests keep the order the reproducer runs them. */
	for (i = 1; i < m->nrows; i++)
		for (j = i; j > 0 && row_order(&m->rows[j - 1], &m->rows[j]) > 0; j--) {
			struct cmp_row t = m->rows[j];

			m->rows[j] = m->rows[j - 1];
			m->rows[j - 1] = t;
		}
}

int matrix_load(struct matrix *m, char **dirs, int ndirs, char **why)
{
	return matrix_load_only(m, dirs, NULL, ndirs, why);
}

void matrix_keep_cases(struct matrix *m, char **cases, int ncases)
{
	int i, j, kept = 0;

	for (i = 0; i < m->nrows; i++) {
		bool keep = false;

		for (j = 0; j < ncases; j++)
			if (!strcmp(m->rows[i].kase, cases[j]))
				keep = true;
		if (keep)
			m->rows[kept++] = m->rows[i];
	}
	m->nrows = kept;
}

int matrix_load_only(struct matrix *m, char **dirs, const char **only, int ndirs,
		     char **why)
{
	memset(m, 0, sizeof(*m));
	*why = NULL;
	for (int i = 0; i < ndirs && !*why; i++)
		*why = load_one(m, dirs[i], only ? only[i] : NULL);
	if (!*why)
		*why = missing_shard(m);
	if (*why)
		return -1;
	matrix_order(m);
	return 0;
}

int matrix_set_baseline(struct matrix *m, const char *spec)
{
	m->baseline = 0;
	if (!spec)
		return 0;
	for (int i = 0; i < m->nk; i++)
		if (!strcmp(m->kernels[i].spec, spec) || !strcmp(m->kernels[i].label, spec)) {
			m->baseline = i;
			return i;
		}
	return -1;
}

/* ---- classification ---- */

/* The test itself broke: never a pass, and nothing to compare. */
static bool is_bad(enum outcome o)
{
	return o == OUT_ERROR || o == OUT_TIMEOUT;
}

static void set(struct cmp_change *ch, enum change what, char *why)
{
	ch->what = what;
	free(ch->why);
	ch->why = why;
}

/* Compare two rates; fills p and more_runs.  True when significant. */
static bool rates_differ(const struct cmp_cell *b, const struct cmp_cell *c,
			 struct cmp_change *ch)
{
	long made = b->n > c->n ? b->n : c->n;

	ch->p = fisher_two_sided(b->k, b->n, c->k, c->n);
	if (ch->p < ALPHA)
		return true;
	/* Beyond reach, a number of runs is no advice anyone would take. */
	ch->more_runs = runs_to_decide(b->k, b->n, c->k, c->n, ALPHA, (REACH + 1) * made);
	return false;
}

static char *more_runs_text(const struct cmp_change *ch)
{
	if (ch->more_runs > 0)
		return xasprintf("about %ld more run%s per kernel would decide", ch->more_runs,
				 ch->more_runs == 1 ? "" : "s");
	return xstrdup("no practical number of runs would decide");
}

/* A difference that is not significant: "k/n -> k/n, p=P; RUNS". */
static char *undecided_text(const struct cmp_cell *b, const struct cmp_cell *c,
			    const struct cmp_change *ch)
{
	char *more = more_runs_text(ch);
	char *why = xasprintf("%ld/%ld -> %ld/%ld, p=%.3g; %s", b->k, b->n, c->k, c->n,
			      ch->p, more);

	free(more);
	return why;
}

/*
 * The cases where either side gave no verdict to compare: absent,
 * crashed, broken, skipped.  True when that decided the change.
 */
static bool classify_absent(const struct cmp_cell *b, const struct cmp_cell *c,
			    struct cmp_change *ch)
{
	if (!b->present && !c->present) {
		set(ch, CH_SAME, xstrdup("not run on either kernel"));
		return true;
	}
	if (!b->present) {
		set(ch, CH_NEW, xstrdup("not in the baseline"));
		return true;
	}
	if (!c->present) {
		set(ch, CH_MISSING, xstrdup("in the baseline, not here"));
		return true;
	}
	if (c->outcome == OUT_CRASH) {
		set(ch, CH_REGRESSION, xasprintf("crash%s%s", c->detail ? ": " : "",
						 c->detail ? c->detail : ""));
		return true;
	}
	if (is_bad(c->outcome)) {
		set(ch, CH_ERROR, xasprintf("%s here%s%s", outcome_name(c->outcome),
					    c->reason || c->detail ? ": " : "",
					    c->reason ? c->reason : c->detail ? c->detail : ""));
		return true;
	}
	if (b->outcome == OUT_CRASH) {
		/* Not "fixed": the baseline gave no verdict to compare with. */
		set(ch, CH_BASELINE_CRASH, xstrdup("the baseline crashed; no comparison"));
		return true;
	}
	if (b->outcome == OUT_PASS && c->outcome == OUT_SKIP) {
		set(ch, CH_SKIPPED, xasprintf("passed on the baseline, skipped here%s%s",
					      c->reason ? ": " : "", c->reason ? c->reason : ""));
		return true;
	}
	if (is_bad(b->outcome) || is_absent(b->outcome) || is_absent(c->outcome)) {
		const struct cmp_cell *why = is_absent(c->outcome) ? c : b;

		if (b->outcome == c->outcome)
			set(ch, CH_SAME, xasprintf("%s on both", outcome_name(c->outcome)));
		else
			set(ch, CH_UNCOMPARABLE, xasprintf("%s on %s%s%s",
				outcome_name(why->outcome), why == b ? "the baseline" : "this kernel",
				why->reason ? ": " : "", why->reason ? why->reason : ""));
		return true;
	}
	return false;
}

/* Measured as a rate (a race, or several runs), not one yes or no. */
static bool is_rate(const struct cmp_cell *b, const struct cmp_cell *c)
{
	return b->racy || c->racy || b->n > 1 || c->n > 1;
}

/*
 * Regressions, mitigations, controls: both gave pass or fail.  A
 * protection that failed even once where it never failed on the baseline
 * is broken: a regression, however few the runs.  The other way round,
 * runs without a failure prove nothing until they are significant.
 */
static void classify_verdict(const struct cmp_cell *b, const struct cmp_cell *c,
			     struct cmp_change *ch)
{
	bool rose = c->k * b->n > b->k * c->n;

	if (b->k * c->n == c->k * b->n && b->outcome == c->outcome) {
		set(ch, CH_SAME, xstrdup(""));
	} else if (b->outcome == OUT_PASS && c->outcome == OUT_FAIL) {
		set(ch, CH_REGRESSION, xasprintf("pass -> fail (%ld/%ld failed)", c->k, c->n));
	} else if (!is_rate(b, c)) {
		set(ch, CH_FIXED, xasprintf("fail -> pass (n=%ld)", c->n));
	} else if (rates_differ(b, c, ch)) {
		set(ch, rose ? CH_REGRESSION : CH_FIXED,
		    xasprintf("failure rate %s: %ld/%ld -> %ld/%ld (p=%.3g)",
			      rose ? "rose" : "fell", b->k, b->n, c->k, c->n, ch->p));
	} else if (rose || c->k == 0) {
		/* A rise could still be a regression, a clean run a fix. */
		set(ch, CH_INCONCLUSIVE, undecided_text(b, c, ch));
	} else {
		/* Failing less, still failing: the verdict stands. */
		set(ch, CH_SAME, undecided_text(b, c, ch));
	}
}

/*
 * Hazards and behaviours: reproduced on one side only is a behaviour
 * change when it is real (deterministic, or significant) and
 * inconclusive otherwise; reproduced on both at significantly different
 * rates is a rate change.
 */
static void classify_hazard(const struct cmp_row *r, const struct cmp_cell *b,
			    const struct cmp_cell *c, struct cmp_change *ch)
{
	bool one_side = (b->k == 0) != (c->k == 0);

	if (!b->racy && !c->racy) {
		if (b->outcome != c->outcome)
			set(ch, CH_BEHAVIOUR, xasprintf("%s -> %s",
				outcome_label(b->outcome, r->kind),
				outcome_label(c->outcome, r->kind)));
		else
			set(ch, CH_SAME, xstrdup(""));
	} else if (b->k * c->n == c->k * b->n) {
		set(ch, CH_SAME, xstrdup(""));
	} else if (rates_differ(b, c, ch)) {
		set(ch, one_side ? CH_BEHAVIOUR : CH_RATE,
		    xasprintf("%s%ld/%ld -> %ld/%ld (p=%.3g)", one_side ? "" :
			      c->k * b->n > b->k * c->n ? "rate rose: " : "rate fell: ",
			      b->k, b->n, c->k, c->n, ch->p));
	} else if (c->k == 0) {
		char *more = more_runs_text(ch);

		set(ch, CH_INCONCLUSIVE, xasprintf("not reproduced in %ld runs here "
			"(%ld/%ld on the baseline), p=%.3g; %s", c->n, b->k, b->n, ch->p, more));
		free(more);
	} else {
		set(ch, one_side ? CH_INCONCLUSIVE : CH_SAME, undecided_text(b, c, ch));
	}
}

static void classify_cell(const struct cmp_row *r, const struct cmp_cell *b,
			  const struct cmp_cell *c, struct cmp_change *ch)
{
	ch->p = -1;
	ch->more_runs = -1;
	if (classify_absent(b, c, ch))
		return;
	if (kind_is_hazard(r->kind))
		classify_hazard(r, b, c, ch);
	else
		classify_verdict(b, c, ch);
}
void matrix_classify(struct matrix *m)
{
	int i, j;

	memset(m->counts, 0, sizeof(m->counts));
	m->any_infra = false;
	for (i = 0; i < m->nrows; i++) {
		struct cmp_row *r = &m->rows[i];

		if (!r->changes)
			r->changes = xcalloc(m->nk ? m->nk : 1, sizeof(*r->changes));
		for (j = 0; j < m->nk; j++) {
			struct cmp_change *ch = &r->changes[j];

			if (r->cells[j].present && r->cells[j].outcome == OUT_INFRA)
				m->any_infra = true;
			if (j == m->baseline) {
				ch->p = -1;
				ch->more_runs = -1;
				/* The baseline's own crash or error still counts. */
				if (r->cells[j].present && r->cells[j].outcome == OUT_CRASH)
					set(ch, CH_BASELINE_CRASH, xasprintf(
						"crash on the baseline%s%s", r->cells[j].detail ?
						": " : "", r->cells[j].detail ?
						r->cells[j].detail : ""));
				else if (r->cells[j].present && is_bad(r->cells[j].outcome))
					set(ch, CH_ERROR, xasprintf("%s on the baseline",
						outcome_name(r->cells[j].outcome)));
				else
					set(ch, CH_BASELINE, xstrdup(""));
			} else {
				classify_cell(r, &r->cells[m->baseline], &r->cells[j], ch);
			}
			m->counts[ch->what]++;
		}
	}
}

bool matrix_case_undecided(const struct matrix *m, const char *kase)
{
	for (int i = 0; i < m->nrows; i++)
		if (!strcmp(m->rows[i].kase, kase))
			for (int j = 0; j < m->nk; j++)
				if (m->rows[i].changes[j].what == CH_INCONCLUSIVE)
					return true;
	return false;
}

int matrix_exit_code(const struct matrix *m, bool strict)
{
	if (m->counts[CH_REGRESSION] || m->counts[CH_ERROR])
		return EXIT_FAILED;
	if (m->counts[CH_SKIPPED] && !m->allow_skip)
		return EXIT_FAILED;
	if (strict && (m->counts[CH_BEHAVIOUR] || m->counts[CH_RATE]))
		return EXIT_FAILED;
	if (m->any_infra || m->counts[CH_BASELINE_CRASH])
		return EXIT_INFRA;
	return EXIT_OK;
}

static void cell_free(struct cmp_cell *c)
{
	free(c->reason);
	free(c->detail);
	free(c->excerpt);
	free(c->ktap);
	free(c->dir);
}

void matrix_free(struct matrix *m)
{
	for (int i = 0; i < m->nk; i++) {
		struct cmp_kernel *k = &m->kernels[i];

		free(k->key);
		free(k->spec);
		free(k->label);
		free(k->source);
		free(k->uname_r);
		free(k->proc_version);
		free(k->sha256);
	}
	for (int i = 0; i < m->nrows; i++) {
		struct cmp_row *r = &m->rows[i];

		for (int j = 0; j < m->nk && r->cells; j++)
			cell_free(&r->cells[j]);
		for (int j = 0; j < m->nk && r->changes; j++)
			free(r->changes[j].why);
		free(r->cells);
		free(r->changes);
		free(r->kase);
		free(r->sub);
	}
	for (int i = 0; i < m->nshards; i++) {
		free(m->shards[i].have);
		free(m->shards[i].first_dir);
	}
	free(m->kernels);
	free(m->rows);
	free(m->shards);
	for (int i = 0; i < m->nincomplete; i++)
		free(m->incomplete[i]);
	free(m->incomplete);
	memset(m, 0, sizeof(*m));
}
