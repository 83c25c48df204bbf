// SPDX-License-Identifier: GPL-2.0-only
/*
 * KTAP as the kselftest harness prints it:
 *   TAP version 13 / 1..N / "# ..." diagnostics /
 *   ok N fixture[.variant].test [# SKIP reason] / not ok N fixture.test [# reason]
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "ktap.h"
#include "util.h"

static bool parse_result(char *line, struct ktap_test *t)
{
	bool ok;
	char *p = line, *end, *hash;
	long num;

	if (str_starts(p, "ok ")) {
		ok = true;
		p += 3;
	} else if (str_starts(p, "not ok ")) {
		ok = false;
		p += 7;
	} else {
		return false;
	}
	num = strtol(p, &end, 10);
	if (end == p)
		return false;
	p = end + strspn(end, " -");
	hash = strstr(p, " # ");
	t->reason = NULL;
	if (hash) {
		char *dir = hash + 3;

		*hash = '\0';
		if (!strncasecmp(dir, "SKIP", 4)) {
			t->result = KTAP_SKIP;
			dir += 4;
		} else if (!strncasecmp(dir, "XFAIL", 5)) {
			t->result = KTAP_XFAIL;
			dir += 5;
		} else {
			t->result = ok ? KTAP_OK : KTAP_NOT_OK;
		}
		dir += strspn(dir, " ");
		t->reason = xstrdup(dir);
		if (t->result == KTAP_SKIP || t->result == KTAP_XFAIL)
			goto named;
	}
	t->result = ok ? KTAP_OK : KTAP_NOT_OK;
named:
	rtrim(p);
	t->number = num;
	t->full = xstrdup(p);
	/* "fixture.test" or "fixture.variant.test": drop the fixture. */
	end = strchr(t->full, '.');
	t->name = xstrdup(end ? end + 1 : t->full);
	return true;
}

void ktap_parse(const char *text, struct ktap *k)
{
	char *copy = xstrdup(text), *line, *next;
	struct buf diag = { 0 };

	memset(k, 0, sizeof(*k));
	k->plan = -1;
	for (line = copy; line; line = next) {
		struct ktap_test t = { 0 };

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		rtrim(line);
		if (str_starts(line, "TAP version ") || str_starts(line, "KTAP version ")) {
			k->has_version = true;
		} else if (str_starts(line, "1..")) {
			k->plan = atoi(line + 3);
		} else if (line[0] == '#') {
			buf_puts(&diag, line);
			buf_puts(&diag, "\n");
		} else if (parse_result(line, &t)) {
			t.diag = diag.data ? diag.data : xstrdup("");
			diag = (struct buf){ 0 };
			k->tests = xrealloc(k->tests, sizeof(t) * (k->n + 1));
			k->tests[k->n++] = t;
		}
	}
	buf_free(&diag);
	free(copy);
}

struct ktap_test *ktap_find(struct ktap *k, const char *name)
{
	int i;

	for (i = 0; i < k->n; i++)
		if (!strcmp(k->tests[i].name, name) || !strcmp(k->tests[i].full, name))
			return &k->tests[i];
	return NULL;
}

void ktap_free(struct ktap *k)
{
	int i;

	for (i = 0; i < k->n; i++) {
		free(k->tests[i].full);
		free(k->tests[i].name);
		free(k->tests[i].reason);
		free(k->tests[i].diag);
	}
	free(k->tests);
	memset(k, 0, sizeof(*k));
}
