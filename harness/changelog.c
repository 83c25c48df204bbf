// SPDX-License-Identifier: GPL-2.0-only
/*
 * Debian changelogs (deb-changelog(5)): an entry starts with a line
 * "SOURCE (VERSION) DISTRIBUTIONS; urgency=..." at column 0 and ends with
 * its " -- maintainer  date" trailer.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "changelog.h"
#include "kernel.h"
#include "spawn.h"
#include "util.h"

/* The version in an entry's header line, or NULL when it is not one. */
static char *header_version(const char *line, size_t len)
{
	const char *open = memchr(line, '(', len), *close;

	if (!len || line[0] == ' ' || line[0] == '\t' || !open)
		return NULL;
	close = memchr(open, ')', len - (open - line));
	return close && close > open + 1 ? strndup(open + 1, close - open - 1) : NULL;
}

static void add_entry(struct changelog_entry **out, int *n, const char *start, const char *end,
		      char *version)
{
	struct changelog_entry *e;
	const char *p;

	*out = xrealloc(*out, (*n + 1) * sizeof(**out));
	e = &(*out)[(*n)++];
	e->version = version;
	e->header = strndup(start, strcspn(start, "\n"));
	e->text = strndup(start, end - start);
	e->lines = 0;
	for (p = start; p < end; p++)
		e->lines += *p == '\n';
}

int changelog_since(const char *path, const char *after, struct changelog_entry **out)
{
	char *argv[] = { "zcat", "-f", "--", (char *)path, NULL };
	struct buf text = { 0 };
	const char *p, *start = NULL;
	char *version = NULL;
	int n = 0;

	*out = NULL;
	if (run_cmd(argv, &text, NULL, true) != 0 || !text.data) {
		buf_free(&text);
		return -1;
	}
	for (p = text.data; ; p += strcspn(p, "\n") + 1) {
		char *v = *p ? header_version(p, strcspn(p, "\n")) : NULL;

		if (!*p || v) {
			if (start)
				add_entry(out, &n, start, p, version);
			start = NULL;
			if (!v || debian_version_cmp(v, after) <= 0) {
				free(v);
				break;
			}
			start = p;
			version = v;
		}
		if (!*p || !p[strcspn(p, "\n")])
			break;
	}
	if (start)
		add_entry(out, &n, start, p + strlen(p), version);
	buf_free(&text);
	return n;
}

void changelog_free(struct changelog_entry *e, int n)
{
	for (int i = 0; i < n; i++) {
		free(e[i].version);
		free(e[i].header);
		free(e[i].text);
	}
	free(e);
}
