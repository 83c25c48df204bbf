// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest's result channel.  Frames are "KREPRO-<marker> WORD ...";
 * the marker is random per boot and only the guest init knows it, so
 * nothing on the console can pose as a frame.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "channel.h"
#include "util.h"

static long field_long(const char *s, const char *key, long dflt)
{
	const char *p = strstr(s, key);

	return p ? strtol(p + strlen(key), NULL, 10) : dflt;
}

static char *field_str(const char *s, const char *key)
{
	const char *p = strstr(s, key);

	if (!p)
		return xstrdup("");
	p += strlen(key);
	return strndup(p, strcspn(p, " "));
}

void channel_parse(const char *text, const char *marker, struct guest_report *r)
{
	char *prefix = xasprintf("KREPRO-%s ", marker);
	size_t plen = strlen(prefix);
	char *copy = xstrdup(text), *line, *next;
	struct buf ktap = { 0 }, mods = { 0 };

	memset(r, 0, sizeof(*r));
	r->rc = -1;
	r->taint_begin = r->taint_end = -1;
	for (line = copy; line; line = next) {
		char *f;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		rtrim(line);
		f = strstr(line, prefix);
		if (!f) {
			if (r->begun && !r->ended) {
				buf_puts(&ktap, line);
				buf_puts(&ktap, "\n");
			}
			continue;
		}
		f += plen;
		if (str_starts(f, "BOOT ")) {
			r->booted = true;
			free(r->uname);
			r->uname = field_str(f, "uname=");
		} else if (str_starts(f, "VERSION ")) {
			free(r->version);
			r->version = xstrdup(f + 8);
		} else if (str_starts(f, "MODULE ")) {
			buf_puts(&mods, f + 7);
			buf_puts(&mods, "\n");
		} else if (str_starts(f, "BEGIN ")) {
			r->begun = true;
			r->taint_begin = field_long(f, "taint=", -1);
		} else if (str_starts(f, "END ")) {
			r->ended = true;
			r->rc = field_long(f, "rc=", -1);
			r->taint_end = field_long(f, "taint=", -1);
		}
	}
	r->ktap = ktap.data ? ktap.data : xstrdup("");
	r->module_errors = mods.data ? mods.data : xstrdup("");
	if (!r->uname)
		r->uname = xstrdup("");
	if (!r->version)
		r->version = xstrdup("");
	free(copy);
	free(prefix);
}

void guest_report_free(struct guest_report *r)
{
	free(r->uname);
	free(r->version);
	free(r->ktap);
	free(r->module_errors);
	memset(r, 0, sizeof(*r));
}

char *console_crash_excerpt(const char *console, int max_lines)
{
	static const char *const signs[] = {
		"Kernel panic", "Oops:", "BUG:", "WARNING:", "general protection fault",
		"Unable to handle kernel", "Call Trace:",
	};
	const char *first = NULL, *p;
	unsigned int i;
	struct buf b = { 0 };
	int lines = 0;

	for (i = 0; i < sizeof(signs) / sizeof(signs[0]); i++) {
		p = strstr(console, signs[i]);
		if (p && (!first || p < first))
			first = p;
	}
	if (!first)
		return NULL;
	while (first > console && first[-1] != '\n')
		first--;
	for (p = first; *p && lines < max_lines; lines++) {
		size_t n = strcspn(p, "\n");

		buf_add(&b, p, n);
		buf_puts(&b, "\n");
		p += n;
		if (*p)
			p++;
	}
	/* The serial console ends lines with \r\n. */
	{
		char *s, *d;

		for (s = d = b.data; *s; s++)
			if (*s != '\r')
				*d++ = *s;
		*d = '\0';
	}
	return b.data;
}
