// SPDX-License-Identifier: GPL-2.0-only
/*
 * The result store: run.json, written here and nowhere else
 * (docs/run-json.md).  Readers take the schema constants from store.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <dirent.h>
#include <time.h>

#include "cli.h"
#include "json.h"
#include "plan.h"
#include "store.h"

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


/* A mitigation's declared danger: "guards": HAZARD or "within". */
static void guard_json(json_t *js, struct case_decl *c, const struct sub_result *s)
{
	const struct subtest_decl *d = subtest_find(c, s->name);

	if (d && d->kind == KIND_MITIGATION)
		json_object_set_new(js, "guards", jstr(d->guard_within ? "within" : d->guard));
}

/* The stopping rule a race ran with: its words in the pair's KREPRO_STOP. */
static json_t *rule_json(const char *spec, const char *name)
{
	size_t len = strlen(name);

	for (const char *e = spec; e && *e; e = strchr(e, ';') ? strchr(e, ';') + 1 : NULL)
		if (!strncmp(e, name, len) && e[len] == ':')
			return json_stringn(e + len + 1, strcspn(e + len + 1, ";"));
	return json_null();
}

/*
 * A racy subtest's budget, stopping rule, first hits and why each run's
 * race stopped, and breakdown counters.
 */
static json_t *race_json(const struct pair *p, const struct sub_result *s)
{
	json_t *race = json_object(), *first = json_array(), *counts = json_object();
	json_t *stops = json_array();

	for (int i = 0; i < s->nfirst; i++) {
		json_array_append_new(first, s->first_hit_s[i] < 0 ? json_null() :
				      jreal("%.3f", s->first_hit_s[i]));
		json_array_append_new(stops, json_string(s->stops[i]));
	}
	for (int i = 0; i < s->ncounts; i++) {
		/* The name comes from the reproducer: a key must be UTF-8 too. */
		json_t *name = jstr(s->count_names[i]);

		json_object_set_new(counts, json_string_value(name), json_integer(s->counts[i]));
		json_decref(name);
	}
	json_object_set_new(race, "budget_rounds", json_integer(s->budget_rounds));
	json_object_set_new(race, "budget_s", jreal("%.3f", s->budget_s));
	json_object_set_new(race, "rule", rule_json(p->stop, s->name));
	json_object_set_new(race, "first_hit_s", first);
	json_object_set_new(race, "stop", stops);
	json_object_set_new(race, "counts", counts);
	return race;
}

static json_t *iso_time(time_t t)
{
	char out[32];
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, sizeof(out), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(out);
}

/* krepro's own peak memory so far (not its VMs'). */
static long self_peak_rss_kb(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) ? 0 : ru.ru_maxrss;
}

/* Top-level fields: schema, times, how the run was asked for. */
static json_t *header_json(const struct run_opts *o, time_t started, time_t finished,
			   bool was_interrupted)
{
	json_t *doc = json_object(), *command = json_array();

	json_object_set_new(doc, "schema", json_string(RUN_SCHEMA));
	json_object_set_new(doc, "version", json_string(RUN_SCHEMA_VERSION));
	json_object_set_new(doc, "started", iso_time(started));
	json_object_set_new(doc, "finished", iso_time(finished));
	json_object_set_new(doc, "interrupted", json_boolean(was_interrupted));
	json_object_set_new(doc, "runs", json_integer(o->runs));
	json_object_set_new(doc, "repeat", json_integer(o->repeat));
	json_object_set_new(doc, "negative", json_boolean(o->negative));
	json_object_set_new(doc, "console_cap_bytes", json_integer(o->console_cap));
	json_object_set_new(doc, "krepro_peak_rss_kb", json_integer(self_peak_rss_kb()));
	if (o->shard_n)
		json_object_set_new(doc, "shard", json_pack("{s:i, s:i}", "index", o->shard_i,
							     "count", o->shard_n));
	for (int i = 0; i < o->argc; i++)
		json_array_append_new(command, jstr(o->argv[i]));
	json_object_set_new(doc, "command", command);
	return doc;
}

static json_t *host_json(const struct run_opts *o, const struct utsname *u)
{
	json_t *host = json_object();

	json_object_set_new(host, "uname_r", jstr(u->release));
	json_object_set_new(host, "arch", jstr(u->machine));
	json_object_set_new(host, "accel", json_string(o->kvm ? "kvm" : "tcg"));
	json_object_set_new(host, "accel_reason", jstr(o->accel_reason ? o->accel_reason : ""));
	return host;
}

static const char *kernel_source(const struct kernel *k)
{
	return k->kind == KERNEL_HOST ? "host" : k->kind == KERNEL_DEBIAN ? "debian" :
	       k->kind == KERNEL_FILE ? "file" : "build";
}

/* One kernel's identity; NULL when no pair ran on it (a shard's). */
static json_t *kernel_json(const struct run_opts *o, const struct kernel *k,
			   const struct utsname *u)
{
	const char *uname_r = "", *version = "";
	bool has_pairs = false;
	json_t *jk;

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
		return NULL;
	jk = json_object();
	json_object_set_new(jk, "spec", jstr(k->spec));
	json_object_set_new(jk, "label", jstr(k->label));
	json_object_set_new(jk, "source", json_string(kernel_source(k)));
	json_object_set_new(jk, "package_version", jstr(k->pkg_version));
	json_object_set_new(jk, "release", jstr(k->release));
	json_object_set_new(jk, "image_sha256", jstr(k->sha256));
	json_object_set_new(jk, "uname_r", jstr(uname_r));
	json_object_set_new(jk, "proc_version", jstr(version));
	json_object_set_new(jk, "arch", jstr(u->machine));
	/* A cold start's phases; all 0 when the kernel came from the cache. */
	json_object_set_new(jk, "prepare_s", json_pack("{s:o, s:o, s:o, s:o}",
		"fetch", jreal("%.3f", k->fetch_s), "unpack", jreal("%.3f", k->unpack_s),
		"depmod", jreal("%.3f", k->depmod_s), "pvh", jreal("%.3f", k->pvh_s)));
	return jk;
}

static json_t *subtest_json(const struct pair *p, const struct sub_result *s)
{
	json_t *js = json_object();

	json_object_set_new(js, "name", jstr(s->name));
	json_object_set_new(js, "kind", json_string(kind_name(s->kind)));
	guard_json(js, p->kase, s);
	json_object_set_new(js, "declared", json_boolean(s->declared));
	json_object_set_new(js, "outcome", json_string(outcome_name(s->outcome)));
	json_object_set_new(js, "k", json_integer(s->k));
	json_object_set_new(js, "n", json_integer(s->n));
	json_object_set_new(js, "reason", jstr(s->reason));
	json_object_set_new(js, "duration_s", jreal("%.3f", s->racy ? s->elapsed_s : p->duration));
	json_object_set_new(js, "runs", json_integer(s->runs));
	json_object_set_new(js, "runs_hit", json_integer(s->runs_hit));
	json_object_set_new(js, "racy", json_boolean(s->racy));
	if (s->racy)
		json_object_set_new(js, "race", race_json(p, s));
	return js;
}

/* A path under the run directory, relative to it. */
static json_t *rel_json(const struct run_opts *o, const char *path)
{
	size_t n = strlen(o->outdir);

	if (path && !strncmp(path, o->outdir, n) && path[n] == '/')
		return jstr(path + n + 1);
	return jstr(path ? path : "");
}

/* A guest uptime difference, or null when either end is unknown. */
static json_t *uptime_span(double from, double to)
{
	return from < 0 || to < from ? json_null() : jreal("%.3f", to - from);
}

/*
 * Where a VM's time went (the last VM of the pair): building its image;
 * then either the kernel's boot up to init and loading modules, or -
 * restored - taking the snapshot (0 when it was cached) and restoring it,
 * which the host measures: QEMU's wall time less the guest's own after
 * its knobs came; then the case itself.
 */
static json_t *phases_json(const struct pair *p)
{
	json_t *ph = json_object();
	double after_go = p->up_go < 0 || p->up_end < p->up_go ? -1 : p->up_end - p->up_go;

	json_object_set_new(ph, "image", jreal("%.3f", p->image_s));
	json_object_set_new(ph, "snapshot", p->restored ? jreal("%.3f", p->snapshot_s) :
							  json_null());
	json_object_set_new(ph, "restore", p->restored && after_go >= 0 ?
				jreal("%.3f", p->vm_s - after_go) : json_null());
	json_object_set_new(ph, "boot", p->restored ? json_null() : uptime_span(0, p->up_boot));
	json_object_set_new(ph, "modules", p->restored ? json_null() :
				uptime_span(p->up_boot, p->up_begin));
	json_object_set_new(ph, "case", uptime_span(p->up_begin, p->up_end));
	return ph;
}

/* How the pair ran: its outcome, time, accelerator, taint and files. */
static void result_run_json(json_t *r, const struct run_opts *o, const struct pair *p)
{
	json_object_set_new(r, "outcome", json_string(outcome_name(p->outcome)));
	json_object_set_new(r, "detail", jstr(p->detail));
	json_object_set_new(r, "duration_s", jreal("%.3f", p->duration));
	json_object_set_new(r, "phases_s", phases_json(p));
	json_object_set_new(r, "memory_mb", json_integer(p->kase->memory_mb));
	json_object_set_new(r, "aslr", p->kernel->kind == KERNEL_HOST ? json_null() :
				       json_boolean(!p->kase->aslr_off));
	json_object_set_new(r, "boot", p->kernel->kind == KERNEL_HOST ? json_null() :
				       json_string(p->restored ? "restored" : "booted"));
	json_object_set_new(r, "peak_rss_kb", json_integer(p->peak_rss_kb));
	json_object_set_new(r, "attempts", json_integer(p->attempts));
	json_object_set_new(r, "accel", json_string(p->kernel->kind == KERNEL_HOST ? "none" :
						     p->kvm ? "kvm" : "tcg"));
	json_object_set_new(r, "accel_reason", jstr(p->accel_reason));
	json_object_set_new(r, "taint_before", json_integer(p->taint_before));
	json_object_set_new(r, "taint_after", json_integer(p->taint_after));
	json_object_set_new(r, "ktap", rel_json(o, p->ktap));
	json_object_set_new(r, "console", rel_json(o, p->console));
	json_object_set_new(r, "console_capped", json_boolean(p->console_capped));
	json_object_set_new(r, "excerpt", jstr(p->excerpt));
	json_object_set_new(r, "image", jstr(p->initrd));
	json_object_set_new(r, "image_built", json_boolean(p->image_built));
}

static json_t *result_json(const struct run_opts *o, const struct pair *p)
{
	char *build = case_build_id(o->root, p->kase);
	json_t *r = json_object(), *subs = json_array();

	json_object_set_new(r, "kernel", jstr(p->kernel->spec));
	json_object_set_new(r, "case", jstr(p->kase->name));
	json_object_set_new(r, "case_build", jstr(build));
	free(build);
	result_run_json(r, o, p);
	for (int j = 0; j < p->nsubs; j++)
		json_array_append_new(subs, subtest_json(p, &p->subs[j]));
	json_object_set_new(r, "subtests", subs);
	return r;
}

int store_write(const struct run_opts *o, time_t started, time_t finished,
		bool was_interrupted)
{
	json_t *doc = header_json(o, started, finished, was_interrupted);
	json_t *kernels = json_array(), *results = json_array(), *jk;
	struct utsname u;
	char *path, *text;
	int ret;

	uname(&u);
	json_object_set_new(doc, "host", host_json(o, &u));
	for (int i = 0; i < o->nkernels; i++)
		if ((jk = kernel_json(o, &o->kernels[i], &u)))
			json_array_append_new(kernels, jk);
	json_object_set_new(doc, "kernels", kernels);
	for (int i = 0; i < o->npairs; i++)
		json_array_append_new(results, result_json(o, &o->pairs[i]));
	json_object_set_new(doc, "results", results);
	text = jdump(doc, 2);
	path = xasprintf("%s/run.json", o->outdir);
	ret = write_file_atomic(path, text, strlen(text));
	if (ret)
		warnx_("cannot write %s: %s", path, strerror(-ret));
	free(path);
	free(text);
	return ret;
}

/* The schema and a major version this krepro reads; NULL, or why not. */
static char *schema_problem(const json_t *root)
{
	const char *schema, *version;
	char *end;
	long major;

	if (!json_is_object(root))
		return xasprintf("not a JSON object");
	schema = jget_str(root, "schema", NULL);
	version = jget_str(root, "version", NULL);
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

static char *need_string(const json_t *obj, const char *what, const char *key)
{
	if (json_is_string(json_object_get(obj, key)))
		return NULL;
	return xasprintf("%s has no string \"%s\"", what, key);
}

/*
 * A count readers keep in an int: absent, or a whole number from 0 to
 * INT_MAX (1.5 runs would be read as 1).
 */
static bool bad_count(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return v && !(json_is_number(v) && json_number_value(v) >= 0 &&
		      json_number_value(v) <= INT_MAX &&
		      json_number_value(v) == (double)(long)json_number_value(v));
}

/* A log a result names stays inside its run directory. */
static bool inside_run(const char *rel)
{
	if (rel[0] == '/')
		return false;
	for (const char *p = rel; (p = strstr(p, "..")); p += 2)
		if ((p == rel || p[-1] == '/') && (p[2] == '/' || !p[2]))
			return false;
	return true;
}

/* A subtest: named, of a known kind and outcome, with k hits of n. */
static char *subtest_problem(const json_t *js)
{
	static const char *const counts[] = { "k", "n", "runs", "runs_hit" };
	const char *name;
	char *why;

	if ((why = need_string(js, "a subtest", "name")) ||
	    (why = need_string(js, "a subtest", "kind")) ||
	    (why = need_string(js, "a subtest", "outcome")))
		return why;
	name = jget_str(js, "name", "");
	if (kind_parse(jget_str(js, "kind", "")) < 0)
		return xasprintf("subtest %s has an unknown kind", name);
	if (outcome_parse(jget_str(js, "outcome", "")) < 0)
		return xasprintf("subtest %s has an unknown outcome", name);
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
		if (bad_count(js, counts[i]))
			return xasprintf("subtest %s has a bad \"%s\"", name, counts[i]);
	if (jget_num(js, "k", 0) > jget_num(js, "n", 0))
		return xasprintf("subtest %s has k=%g n=%g", name, jget_num(js, "k", 0),
				 jget_num(js, "n", 0));
	return NULL;
}

static bool kernel_listed(const json_t *kernels, const char *spec)
{
	const json_t *jk;
	size_t i;

	json_array_foreach(kernels, i, jk)
		if (!strcmp(jget_str(jk, "spec", ""), spec))
			return true;
	return false;
}

/* A (kernel, case) result: of a listed kernel, with its subtests. */
static char *result_problem(const json_t *jr, const json_t *kernels)
{
	const json_t *subs = json_object_get(jr, "subtests"), *js;
	const char *spec, *kase;
	char *why;
	size_t i;

	if ((why = need_string(jr, "a result", "kernel")) ||
	    (why = need_string(jr, "a result", "case")))
		return why;
	spec = jget_str(jr, "kernel", "");
	kase = jget_str(jr, "case", "");
	if (!kernel_listed(kernels, spec))
		return xasprintf("result for kernel %s, which is not in kernels", spec);
	if (!json_is_array(subs))
		return xasprintf("result %s on %s has no subtests array", kase, spec);
	/* compare quotes the subtest's lines from it */
	if (!inside_run(jget_str(jr, "ktap", "")))
		return xasprintf("result %s on %s names a KTAP file outside the run directory",
				 kase, spec);
	json_array_foreach(subs, i, js)
		if ((why = subtest_problem(js)))
			return why;
	return NULL;
}

static char *shard_problem(const json_t *root)
{
	const json_t *sh = json_object_get(root, "shard");
	double index = jget_num(sh, "index", 0), count = jget_num(sh, "count", 0);

	if (sh && (count < 1 || count > PLAN_SHARDS_MAX || index < 1 || index > count))
		return xasprintf("bad shard %g/%g", index, count);
	return NULL;
}

/*
 * What readers rely on past the version (docs/run-json.md): the fields
 * they need, of the types they read, and values from the vocabulary.
 */
static char *content_problem(const json_t *root)
{
	const json_t *kernels = json_object_get(root, "kernels");
	const json_t *results = json_object_get(root, "results"), *v;
	char *why;
	size_t i;

	if (!json_is_array(kernels) || !json_is_array(results))
		return xasprintf("no kernels or results array");
	json_array_foreach(kernels, i, v)
		if ((why = need_string(v, "a kernel", "spec")))
			return why;
	json_array_foreach(results, i, v)
		if ((why = result_problem(v, kernels)))
			return why;
	return shard_problem(root);
}

json_t *store_load(const char *file, char **why)
{
	size_t len;
	char *text = read_file(file, &len);
	json_t *root;

	*why = NULL;
	if (!text) {
		*why = xasprintf("%s", strerror(errno));
		return NULL;
	}
	root = jparse(text, len, why);
	free(text);
	if (root && !(*why = schema_problem(root)))
		*why = content_problem(root);
	if (*why) {
		/* A name from the file may hold a newline: the message stays one line. */
		one_line(*why);
		json_decref(root);
		return NULL;
	}
	return root;
}

/* Finished, whole, not --negative, and young enough to stand in. */
static bool run_is_fresh(const json_t *root, double max_age_s)
{
	const char *finished = jget_str(root, "finished", "");
	struct tm tm = { 0 };

	return !jget_bool(root, "interrupted", true) &&
	       !jget_bool(root, "negative", false) &&
	       strptime(finished, "%Y-%m-%dT%H:%M:%SZ", &tm) &&
	       difftime(time(NULL), timegm(&tm)) <= max_age_s;
}

/* The run booted this very kernel: the same image (or host release). */
static bool run_has_kernel(const json_t *root, const struct kernel *k)
{
	const json_t *kernels = json_object_get(root, "kernels"), *jk;
	struct utsname u;
	bool same = false;
	size_t i;

	uname(&u);
	json_array_foreach(kernels, i, jk) {
		if (strcmp(jget_str(jk, "spec", ""), k->spec))
			continue;
		same = k->kind == KERNEL_HOST ?
		       !strcmp(jget_str(jk, "uname_r", ""), u.release) :
		       !strcmp(jget_str(jk, "image_sha256", ""), k->sha256);
	}
	return same;
}

/* Every wanted case ran on the kernel, from the same build, to a result. */
static bool run_has_cases(const json_t *root, const struct store_want *w)
{
	const json_t *rs = json_object_get(root, "results");

	for (int i = 0; i < w->ncases; i++) {
		bool found = false;

		for (size_t j = 0; j < json_array_size(rs) && !found; j++) {
			const json_t *r = json_array_get(rs, j);

			found = !strcmp(jget_str(r, "kernel", ""), w->k->spec) &&
				!strcmp(jget_str(r, "case", ""), w->cases[i]) &&
				!strcmp(jget_str(r, "case_build", ""), w->builds[i]) &&
				strcmp(jget_str(r, "outcome", "infra"), "infra");
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
		const char *finished;
		json_t *root;

		if (e->d_name[0] == '.')
			continue;
		file = xasprintf("%s/%s/run.json", store, e->d_name);
		root = store_load(file, &why);
		free(file);
		free(why);
		if (!root)
			continue;
		finished = jget_str(root, "finished", "");
		if (run_is_fresh(root, w->max_age_s) && run_has_kernel(root, w->k) &&
		    run_has_cases(root, w) && strcmp(finished, best_time) > 0) {
			free(best);
			best = xasprintf("%s/%s", store, e->d_name);
			snprintf(best_time, sizeof(best_time), "%s", finished);
		}
		json_decref(root);
	}
	closedir(d);
	return best;
}
