// SPDX-License-Identifier: GPL-2.0-only
/*
 * Case declarations: one text file per case in cases/, "key: value" lines,
 * '#' comments, and one "subtest: NAME KIND WHAT" line per subtest.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "cli.h"

static const char *const kind_names[KIND_COUNT] = {
	[KIND_REGRESSION] = "regression", [KIND_MITIGATION] = "mitigation",
	[KIND_HAZARD] = "hazard", [KIND_BEHAVIOUR] = "behaviour",
	[KIND_CONTROL] = "control",
};

const char *kind_name(enum kind k)
{
	return k < KIND_COUNT ? kind_names[k] : "unknown";
}

int kind_parse(const char *name)
{
	for (int k = 0; k < KIND_COUNT; k++)
		if (!strcmp(name, kind_names[k]))
			return k;
	return -1;
}

static bool valid_chars(const char *s, const char *extra)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(extra, *s))
			return false;
	return true;
}

static bool valid_ident(const char *s)
{
	return valid_chars(s, "_-");
}

static char **split_words(const char *s, int *n)
{
	char *copy = xstrdup(s), *w, *save = NULL, **v = NULL;

	*n = 0;
	for (w = strtok_r(copy, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
		v = xrealloc(v, sizeof(*v) * (*n + 1));
		v[(*n)++] = xstrdup(w);
	}
	free(copy);
	return v;
}

static int parse_subtest(char *val, struct subtest_decl *s, char **err)
{
	char *name = val, *kind, *what;
	int k;

	kind = name + strcspn(name, " \t");
	if (*kind)
		*kind++ = '\0';
	kind += strspn(kind, " \t");
	what = kind + strcspn(kind, " \t");
	if (*what)
		*what++ = '\0';
	what += strspn(what, " \t");
	/* VARIANT.TEST for a kselftest fixture with variants. */
	if (!valid_chars(name, "_-.") || name[0] == '.') {
		*err = xasprintf("subtest needs a name of letters, digits, '_' and '.'");
		return -1;
	}
	k = kind_parse(kind);
	if (k < 0) {
		*err = xasprintf("subtest %s: unknown kind '%s' (regression, "
				 "mitigation, hazard, behaviour or control)", name, kind);
		return -1;
	}
	if (!*what) {
		*err = xasprintf("subtest %s: says nothing about what pass means", name);
		return -1;
	}
	s->name = xstrdup(name);
	s->kind = k;
	s->what = xstrdup(what);
	return 0;
}

static int parse_int(const char *val, int lo, int hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(val, &end, 10);
	if (errno || end == val || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/*
 * "guards: HAZARD" or "guards: within" belongs to the mitigation declared
 * on the line before; HAZARD is resolved once every subtest is known.
 */
static int parse_guard(struct case_decl *c, const char *val, char **err)
{
	struct subtest_decl *s = c->nsubs ? &c->subs[c->nsubs - 1] : NULL;

	if (!s || s->kind != KIND_MITIGATION) {
		*err = xasprintf("guards must follow the mitigation it belongs to");
		return -1;
	}
	if (s->guard || s->guard_within) {
		*err = xasprintf("subtest %s: guards given twice", s->name);
		return -1;
	}
	if (!strcmp(val, "within")) {
		s->guard_within = true;
		return 0;
	}
	if (!valid_chars(val, "_-.") || !*val || val[0] == '.') {
		*err = xasprintf("subtest %s: guards needs one subtest name or 'within'",
				 s->name);
		return -1;
	}
	s->guard = xstrdup(val);
	return 0;
}

/*
 * "kernel: BEHAVIOUR..." names what the subtest on the line before rests
 * on: kernel behaviours, each with a known-bad patch, or user-space.
 */
static int parse_kernel_behaviour(struct case_decl *c, const char *val, char **err)
{
	struct subtest_decl *s = c->nsubs ? &c->subs[c->nsubs - 1] : NULL;

	if (!s) {
		*err = xasprintf("kernel must follow the subtest it belongs to");
		return -1;
	}
	if (s->kernel) {
		*err = xasprintf("subtest %s: kernel given twice", s->name);
		return -1;
	}
	if (!*val || !valid_chars(val, "_- ") || val[0] == '-' || strstr(val, "  ")) {
		*err = xasprintf("subtest %s: kernel needs behaviour names (letters, "
				 "digits, _; one space between) or user-space", s->name);
		return -1;
	}
	s->kernel = xstrdup(val);
	return 0;
}

/* The guard G of VARIANT.NAME is VARIANT.G when the case declares it. */
static struct subtest_decl *guard_target(struct case_decl *c, const struct subtest_decl *s)
{
	const char *dot = strrchr(s->name, '.');
	struct subtest_decl *t = NULL;

	if (dot && !strchr(s->guard, '.')) {
		char *full = xasprintf("%.*s.%s", (int)(dot - s->name), s->name, s->guard);

		t = subtest_find(c, full);
		free(full);
	}
	return t ? t : subtest_find(c, s->guard);
}

/*
 * Every mitigation names its danger, and the danger is a hazard of the
 * same case: a protection that was never attacked proves nothing.
 * Returns a reason, or NULL.
 */
static char *resolve_guards(struct case_decl *c)
{
	for (int i = 0; i < c->nsubs; i++) {
		struct subtest_decl *s = &c->subs[i], *t;

		if (s->kind != KIND_MITIGATION || s->guard_within)
			continue;
		if (!s->guard)
			return xasprintf("mitigation %s needs 'guards: HAZARD' or "
					 "'guards: within' on the next line", s->name);
		t = guard_target(c, s);
		if (!t)
			return xasprintf("mitigation %s guards %s, which the case does "
					 "not declare", s->name, s->guard);
		if (t->kind != KIND_HAZARD)
			return xasprintf("mitigation %s guards %s, a %s (a guard is a hazard)",
					 s->name, t->name, kind_name(t->kind));
		free(s->guard);
		s->guard = xstrdup(t->name);
	}
	return NULL;
}

static void free_words(char **w, int n)
{
	for (int i = 0; i < n; i++)
		free(w[i]);
	free(w);
}

void case_free(struct case_decl *c)
{
	free(c->name);
	free(c->path);
	free(c->title);
	free(c->story);
	free(c->fix);
	free(c->binary);
	free_words(c->modules, c->nmodules);
	free_words(c->tools, c->ntools);
	for (int i = 0; i < c->nsubs; i++) {
		free(c->subs[i].name);
		free(c->subs[i].what);
		free(c->subs[i].guard);
		free(c->subs[i].kernel);
	}
	free(c->subs);
	memset(c, 0, sizeof(*c));
}

/* A plain name: letters, digits and '_'. */
static int parse_name(char **out, const char *val, const char *what, char **err)
{
	if (!valid_ident(val)) {
		*err = xasprintf("%s", what);
		return -1;
	}
	free(*out);
	*out = xstrdup(val);
	return 0;
}

static int parse_budget(struct case_decl *c, const char *val, char **err)
{
	int nw, bad;
	char **w = split_words(val, &nw);

	bad = nw != 2 || parse_int(w[0], 1, 10000000, &c->budget_rounds) ||
	      parse_int(w[1], 1, 86400, &c->budget_seconds);
	free_words(w, nw);
	if (bad)
		*err = xasprintf("budget must be 'ROUNDS SECONDS' (whole numbers)");
	return bad ? -1 : 0;
}

static int add_subtest(struct case_decl *c, char *val, char **err)
{
	/* Zeroed: a subtest starts with no guard (found by fuzzing). */
	struct subtest_decl s = { 0 };

	if (parse_subtest(val, &s, err))
		return -1;
	if (subtest_find(c, s.name)) {
		*err = xasprintf("subtest %s declared twice", s.name);
		free(s.name);
		free(s.what);
		return -1;
	}
	c->subs = xrealloc(c->subs, sizeof(*c->subs) * (c->nsubs + 1));
	c->subs[c->nsubs++] = s;
	return 0;
}

/* One "key: value" line into c; -1 with *err on a bad one. */
static int parse_line(struct case_decl *c, const char *key, char *val, char **err)
{
	if (!strcmp(key, "name"))
		return parse_name(&c->name, val, "name must be letters, digits and '_'", err);
	if (!strcmp(key, "binary"))
		return parse_name(&c->binary, val, "binary must be a plain name", err);
	if (!strcmp(key, "title") || !strcmp(key, "story") || !strcmp(key, "fix")) {
		char **f = key[0] == 't' ? &c->title : key[0] == 's' ? &c->story : &c->fix;

		free(*f);
		*f = xstrdup(val);
		return 0;
	}
	if (!strcmp(key, "modules")) {
		free_words(c->modules, c->nmodules);
		c->modules = split_words(val, &c->nmodules);
		return 0;
	}
	if (!strcmp(key, "tools")) {
		free_words(c->tools, c->ntools);
		c->tools = split_words(val, &c->ntools);
		return 0;
	}
	if (!strcmp(key, "timeout") && parse_int(val, 1, 86400, &c->timeout))
		*err = xasprintf("timeout must be seconds, 1 to 86400");
	else if (!strcmp(key, "memory") && parse_int(val, 64, 65536, &c->memory_mb))
		*err = xasprintf("memory must be MiB, 64 to 65536");
	else if (!strcmp(key, "aslr") && strcmp(val, "on") && strcmp(val, "off"))
		*err = xasprintf("aslr must be on or off");
	else if (!strcmp(key, "aslr"))
		c->aslr_off = !strcmp(val, "off");
	else if (!strcmp(key, "default") && strcmp(val, "yes") && strcmp(val, "no"))
		*err = xasprintf("default must be yes or no");
	else if (!strcmp(key, "default"))
		c->is_default = !strcmp(val, "yes");
	else if (!strcmp(key, "budget"))
		return parse_budget(c, val, err);
	else if (!strcmp(key, "guards"))
		return parse_guard(c, val, err);
	else if (!strcmp(key, "kernel"))
		return parse_kernel_behaviour(c, val, err);
	else if (!strcmp(key, "subtest"))
		return add_subtest(c, val, err);
	else if (strcmp(key, "timeout") && strcmp(key, "memory"))
		*err = xasprintf("unknown key '%s'", key);
	return *err ? -1 : 0;
}

/* What a whole declaration must have; a reason, or NULL. */
static char *check_complete(struct case_decl *c)
{
	if (!c->name)
		return xasprintf("no name");
	if (!c->binary)
		return xasprintf("no binary");
	if (!c->nsubs)
		return xasprintf("no subtest");
	return resolve_guards(c);
}

int case_parse(const char *path, const char *text, struct case_decl *c, char **err)
{
	char *copy = xstrdup(text), *line, *save = NULL, *reason = NULL;
	int lineno = 0;

	memset(c, 0, sizeof(*c));
	c->path = xstrdup(path);
	c->timeout = 120;
	c->memory_mb = 512;
	c->is_default = true;
	/* strtok_r would skip empty lines and so miscount: walk by hand. */
	for (line = copy; line && !reason; line = save) {
		char *key, *colon;

		save = strchr(line, '\n');
		if (save)
			*save++ = '\0';
		lineno++;
		rtrim(line);
		key = line + strspn(line, " \t");
		if (!*key || *key == '#')
			continue;
		colon = strchr(key, ':');
		if (!colon) {
			reason = xasprintf("expected 'key: value'");
			break;
		}
		*colon = '\0';
		rtrim(key);
		parse_line(c, key, colon + 1 + strspn(colon + 1, " \t"), &reason);
	}
	free(copy);
	if (!reason) {
		lineno = 0;
		reason = check_complete(c);
	}
	if (!reason)
		return 0;
	*err = lineno ? xasprintf("%s:%d: %s", path, lineno, reason)
		      : xasprintf("%s: %s", path, reason);
	free(reason);
	return -1;
}
static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct case_decl *)a)->name,
		      ((const struct case_decl *)b)->name);
}

void cases_load(const char *dir, struct case_set *set)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	set->cases = NULL;
	set->n = 0;
	if (!d)
		die(EXIT_USAGE, "cannot read cases in %s: %s", dir, strerror(errno));
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char *path, *text, *err = NULL;
		struct case_decl c;
		size_t size;

		if (len < 6 || strcmp(de->d_name + len - 5, ".case"))
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		text = read_file(path, &size);
		if (!text)
			die(EXIT_USAGE, "cannot read case %s: %s", path, strerror(errno));
		/* The parser stops at a NUL; what follows would be ignored unseen. */
		if (strlen(text) != size)
			die(EXIT_USAGE, "cannot read case %s: a NUL byte at offset %zu "
			    "(not a text file)", path, strlen(text));
		if (case_parse(path, text, &c, &err))
			die(EXIT_USAGE, "cannot read case %s", err);
		if (strncmp(de->d_name, c.name, len - 5) || strlen(c.name) != len - 5)
			die(EXIT_USAGE, "cannot read case %s: name '%s' does not match "
			    "the file name", path, c.name);
		free(text);
		free(path);
		set->cases = xrealloc(set->cases, sizeof(c) * (set->n + 1));
		set->cases[set->n++] = c;
	}
	closedir(d);
	qsort(set->cases, set->n, sizeof(*set->cases), by_name);
}

struct case_decl *case_find(struct case_set *set, const char *name)
{
	int i;

	for (i = 0; i < set->n; i++)
		if (!strcmp(set->cases[i].name, name))
			return &set->cases[i];
	return NULL;
}

struct subtest_decl *subtest_find(struct case_decl *c, const char *name)
{
	int i;

	for (i = 0; i < c->nsubs; i++)
		if (!strcmp(c->subs[i].name, name))
			return &c->subs[i];
	return NULL;
}
