// SPDX-License-Identifier: GPL-2.0-only
/*
 * The result store: run.json, written here and nowhere else
 * (docs/run-json.md).  Readers take the schema constants from store.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <dirent.h>
#include <time.h>

#include "cli.h"
#include "json.h"
#include "store.h"

static void iso_time(char *out, size_t n, time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}


static char *rel(const struct run_opts *o, const char *path)
{
	size_t n = strlen(o->outdir);

	if (path && !strncmp(path, o->outdir, n) && path[n] == '/')
		return xstrdup(path + n + 1);
	return xstrdup(path ? path : "");
}


char *case_build_id(const char *root, const struct case_decl *c)
{
	char *bin = xasprintf("%s/build/repro/%s", root, c->binary);
	uint64_t h = 0xcbf29ce484222325ULL;
	char *decl = read_file(c->path, NULL);

	if (fnv1a_file(&h, bin))
		h = 0;
	if (decl)
		h = fnv1a(h, decl, strlen(decl));
	free(decl);
	free(bin);
	return xasprintf("%016llx", (unsigned long long)h);
}


/* A racy subtest's budget, first hits per run and breakdown counters. */
/* A mitigation's declared danger: "guards": HAZARD or "within". */
static void guard_json(struct buf *b, struct case_decl *c, const struct sub_result *s)
{
	const struct subtest_decl *d = subtest_find(c, s->name);

	if (d && d->kind == KIND_MITIGATION)
		json_kv_str(b, false, "guards", d->guard_within ? "within" : d->guard);
}


static void race_json(struct buf *b, const struct sub_result *s)
{
	int i;

	json_key(b, false, "race");
	buf_puts(b, "{");
	json_kv_int(b, true, "budget_rounds", s->budget_rounds);
	json_kv_num(b, false, "budget_s", s->budget_s);
	json_key(b, false, "first_hit_s");
	buf_puts(b, "[");
	for (i = 0; i < s->nfirst; i++) {
		if (i)
			buf_puts(b, ",");
		if (s->first_hit_s[i] < 0)
			buf_puts(b, "null");
		else
			buf_printf(b, "%.3f", s->first_hit_s[i]);
	}
	buf_puts(b, "]");
	json_key(b, false, "counts");
	buf_puts(b, "{");
	for (i = 0; i < s->ncounts; i++)
		json_kv_int(b, i == 0, s->count_names[i], s->counts[i]);
	buf_puts(b, "}}");
}


/* Top-level fields: schema, times, how the run was asked for. */
static void header_json(struct buf *b, const struct run_opts *o, time_t started,
			time_t finished, bool was_interrupted)
{
	char ts[32];

	json_kv_str(b, true, "schema", RUN_SCHEMA);
	json_kv_str(b, false, "version", RUN_SCHEMA_VERSION);
	iso_time(ts, sizeof(ts), started);
	json_kv_str(b, false, "started", ts);
	iso_time(ts, sizeof(ts), finished);
	json_kv_str(b, false, "finished", ts);
	json_kv_bool(b, false, "interrupted", was_interrupted);
	json_kv_int(b, false, "runs", o->runs);
	json_kv_int(b, false, "repeat", o->repeat);
	json_kv_bool(b, false, "negative", o->negative);
	json_kv_int(b, false, "console_cap_bytes", o->console_cap);
	if (o->shard_n) {
		json_key(b, false, "shard");
		buf_printf(b, "{\"index\":%d,\"count\":%d}", o->shard_i, o->shard_n);
	}
	json_key(b, false, "command");
	buf_puts(b, "[");
	for (int i = 0; i < o->argc; i++) {
		if (i)
			buf_puts(b, ",");
		json_str(b, o->argv[i]);
	}
	buf_puts(b, "]");
}

static void host_json(struct buf *b, const struct run_opts *o, const struct utsname *u)
{
	json_key(b, false, "host");
	buf_puts(b, "{");
	json_kv_str(b, true, "uname_r", u->release);
	json_kv_str(b, false, "arch", u->machine);
	json_kv_str(b, false, "accel", o->kvm ? "kvm" : "tcg");
	json_kv_str(b, false, "accel_reason", o->accel_reason ? o->accel_reason : "");
	buf_puts(b, "}");
}

static const char *kernel_source(const struct kernel *k)
{
	return k->kind == KERNEL_HOST ? "host" : k->kind == KERNEL_DEBIAN ? "debian" :
	       k->kind == KERNEL_FILE ? "file" : "build";
}

/* One kernel's identity; false when no pair ran on it (a shard's). */
static bool kernel_json(struct buf *b, const struct run_opts *o, const struct kernel *k,
			bool first, const struct utsname *u)
{
	const char *uname_r = "", *version = "";
	bool has_pairs = false;

	for (int j = 0; j < o->npairs; j++) {
		if (o->pairs[j].kernel != k)
			continue;
		has_pairs = true;
		if (o->pairs[j].uname) {
			uname_r = o->pairs[j].uname;
			version = o->pairs[j].version;
		}
	}
	if (!has_pairs)
		return false;
	buf_puts(b, first ? "{" : ",{");
	json_kv_str(b, true, "spec", k->spec);
	json_kv_str(b, false, "label", k->label);
	json_kv_str(b, false, "source", kernel_source(k));
	json_kv_str(b, false, "package_version", k->pkg_version);
	json_kv_str(b, false, "release", k->release);
	json_kv_str(b, false, "image_sha256", k->sha256);
	json_kv_str(b, false, "uname_r", uname_r);
	json_kv_str(b, false, "proc_version", version);
	json_kv_str(b, false, "arch", u->machine);
	buf_puts(b, "}");
	return true;
}

static void subtest_json(struct buf *b, const struct pair *p, const struct sub_result *s,
			 bool first)
{
	buf_puts(b, first ? "{" : ",{");
	json_kv_str(b, true, "name", s->name);
	json_kv_str(b, false, "kind", kind_name(s->kind));
	guard_json(b, p->kase, s);
	json_kv_bool(b, false, "declared", s->declared);
	json_kv_str(b, false, "outcome", outcome_name(s->outcome));
	json_kv_int(b, false, "k", s->k);
	json_kv_int(b, false, "n", s->n);
	json_kv_str(b, false, "reason", s->reason);
	json_kv_num(b, false, "duration_s", s->racy ? s->elapsed_s : p->duration);
	json_kv_int(b, false, "runs", s->runs);
	json_kv_int(b, false, "runs_hit", s->runs_hit);
	json_kv_bool(b, false, "racy", s->racy);
	if (s->racy)
		race_json(b, s);
	buf_puts(b, "}");
}

/* A path under the run directory, relative to it. */
static void rel_json(struct buf *b, const struct run_opts *o, const char *key,
		     const char *path)
{
	char *r = rel(o, path);

	json_kv_str(b, false, key, r);
	free(r);
}

static void result_json(struct buf *b, const struct run_opts *o, const struct pair *p,
			bool first)
{
	char *build = case_build_id(o->root, p->kase);

	buf_puts(b, first ? "{" : ",{");
	json_kv_str(b, true, "kernel", p->kernel->spec);
	json_kv_str(b, false, "case", p->kase->name);
	json_kv_str(b, false, "case_build", build);
	free(build);
	json_kv_str(b, false, "outcome", outcome_name(p->outcome));
	json_kv_str(b, false, "detail", p->detail);
	json_kv_num(b, false, "duration_s", p->duration);
	json_kv_int(b, false, "attempts", p->attempts);
	json_kv_str(b, false, "accel", p->kernel->kind == KERNEL_HOST ? "none" :
		    p->kvm ? "kvm" : "tcg");
	json_kv_str(b, false, "accel_reason", p->accel_reason);
	json_kv_int(b, false, "taint_before", p->taint_before);
	json_kv_int(b, false, "taint_after", p->taint_after);
	rel_json(b, o, "ktap", p->ktap);
	rel_json(b, o, "console", p->console);
	json_kv_bool(b, false, "console_capped", p->console_capped);
	json_kv_str(b, false, "excerpt", p->excerpt);
	json_kv_str(b, false, "image", p->initrd);
	json_kv_bool(b, false, "image_built", p->image_built);
	json_key(b, false, "subtests");
	buf_puts(b, "[");
	for (int j = 0; j < p->nsubs; j++)
		subtest_json(b, p, &p->subs[j], j == 0);
	buf_puts(b, "]}");
}

int store_write(const struct run_opts *o, time_t started, time_t finished,
		bool was_interrupted)
{
	struct buf b = { 0 };
	struct utsname u;
	char *path;
	int ret, nlisted = 0;

	uname(&u);
	buf_puts(&b, "{");
	header_json(&b, o, started, finished, was_interrupted);
	host_json(&b, o, &u);
	json_key(&b, false, "kernels");
	buf_puts(&b, "[");
	for (int i = 0; i < o->nkernels; i++)
		nlisted += kernel_json(&b, o, &o->kernels[i], nlisted == 0, &u);
	buf_puts(&b, "]");
	json_key(&b, false, "results");
	buf_puts(&b, "[");
	for (int i = 0; i < o->npairs; i++)
		result_json(&b, o, &o->pairs[i], i == 0);
	buf_puts(&b, "]}\n");
	path = xasprintf("%s/run.json", o->outdir);
	ret = write_file_atomic(path, b.data, b.len);
	if (ret)
		warnx_("cannot write %s: %s", path, strerror(-ret));
	free(path);
	buf_free(&b);
	return ret;
}

/* The schema and a major version this krepro reads; NULL, or why not. */
static char *schema_problem(const struct jval *root)
{
	const char *schema, *version;
	char *end;
	long major;

	if (root->t != J_OBJ)
		return xasprintf("not a JSON object");
	schema = json_get_str(root, "schema", NULL);
	version = json_get_str(root, "version", NULL);
	if (!schema || strcmp(schema, RUN_SCHEMA))
		return xasprintf("not a krepro run (schema is not \"%s\")", RUN_SCHEMA);
	if (!version)
		return xasprintf("no schema version");
	errno = 0;
	major = strtol(version, &end, 10);
	if (errno || end == version || (*end && *end != '.'))
		return xasprintf("bad schema version '%s'", version);
	if (major != RUN_SCHEMA_MAJOR)
		return xasprintf("schema version %s is not supported (this krepro reads %d.x)",
				 version, RUN_SCHEMA_MAJOR);
	return NULL;
}

struct jval *store_load(const char *file, char **why)
{
	char *text = read_file(file, NULL), *err = NULL;
	struct jval *root;

	*why = NULL;
	if (!text) {
		*why = xasprintf("%s", strerror(errno));
		return NULL;
	}
	root = json_parse(text, &err);
	free(text);
	if (!root) {
		*why = err;
		return NULL;
	}
	*why = schema_problem(root);
	if (*why) {
		json_free(root);
		return NULL;
	}
	return root;
}

/* Finished, whole, not --negative, and young enough to stand in. */
static bool run_is_fresh(const struct jval *root, double max_age_s)
{
	const char *finished = json_get_str(root, "finished", "");
	struct tm tm = { 0 };

	return !json_get_bool(root, "interrupted", true) &&
	       !json_get_bool(root, "negative", false) &&
	       strptime(finished, "%Y-%m-%dT%H:%M:%SZ", &tm) &&
	       difftime(time(NULL), timegm(&tm)) <= max_age_s;
}

/* The run booted this very kernel: the same image (or host release). */
static bool run_has_kernel(const struct jval *root, const struct kernel *k)
{
	const struct jval *ks = json_get(root, "kernels");
	struct utsname u;
	bool same = false;

	if (!ks || ks->t != J_ARR)
		return false;
	uname(&u);
	for (int i = 0; i < ks->n; i++) {
		const struct jval *jk = ks->items[i];

		if (strcmp(json_get_str(jk, "spec", ""), k->spec))
			continue;
		same = k->kind == KERNEL_HOST ?
		       !strcmp(json_get_str(jk, "uname_r", ""), u.release) :
		       !strcmp(json_get_str(jk, "image_sha256", ""), k->sha256);
	}
	return same;
}

/* Every wanted case ran on the kernel, from the same build, to a result. */
static bool run_has_cases(const struct jval *root, const struct store_want *w)
{
	const struct jval *rs = json_get(root, "results");

	if (!rs || rs->t != J_ARR)
		return false;
	for (int i = 0; i < w->ncases; i++) {
		bool found = false;

		for (int j = 0; j < rs->n && !found; j++) {
			const struct jval *r = rs->items[j];

			found = !strcmp(json_get_str(r, "kernel", ""), w->k->spec) &&
				!strcmp(json_get_str(r, "case", ""), w->cases[i]) &&
				!strcmp(json_get_str(r, "case_build", ""), w->builds[i]) &&
				strcmp(json_get_str(r, "outcome", "infra"), "infra");
		}
		if (!found)
			return false;
	}
	return true;
}

char *store_find_fresh(const char *store, const struct store_want *w)
{
	DIR *d = opendir(store);
	struct dirent *e;
	char *best = NULL, best_time[32] = "";

	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		char *file, *why = NULL;
		struct jval *root;
		const char *finished;

		if (e->d_name[0] == '.')
			continue;
		file = xasprintf("%s/%s/run.json", store, e->d_name);
		root = store_load(file, &why);
		free(file);
		free(why);
		if (!root)
			continue;
		finished = json_get_str(root, "finished", "");
		if (run_is_fresh(root, w->max_age_s) && run_has_kernel(root, w->k) &&
		    run_has_cases(root, w) && strcmp(finished, best_time) > 0) {
			free(best);
			best = xasprintf("%s/%s", store, e->d_name);
			snprintf(best_time, sizeof(best_time), "%s", finished);
		}
		json_free(root);
	}
	closedir(d);
	return best;
}
