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

/* A guest uptime field; -1 when absent or not a number. */
static double field_seconds(const char *s, const char *key)
{
	const char *p = strstr(s, key);
	char *end;
	double v;

	if (!p)
		return -1;
	v = strtod(p + strlen(key), &end);
	return end == p + strlen(key) || v < 0 ? -1 : v;
}

static char *field_str(const char *s, const char *key)
{
	const char *p = strstr(s, key);

	if (!p)
		return xstrdup("");
	p += strlen(key);
	return strndup(p, strcspn(p, " "));
}

/*
 * Why frame f (after the marker) cannot come now, or NULL.  Init sends
 * BOOT, VERSION, MODULE..., BEGIN, TAINT..., END, each once where once
 * is meant: anything else was forged or garbled on the way.
 */
static const char *out_of_order(const struct guest_report *r, const char *f, bool version)
{
	if (r->ended)
		return "a frame after END";
	if (str_starts(f, "BOOT "))
		return r->booted ? "a second BOOT" : NULL;
	if (!r->booted)
		return "a frame before BOOT";
	if (str_starts(f, "VERSION "))
		return version ? "a second VERSION" : NULL;
	if (str_starts(f, "MODULE ") || str_starts(f, "BEGIN "))
		return r->begun ? "MODULE or BEGIN after BEGIN" : NULL;
	if (str_starts(f, "TAINT ") || str_starts(f, "END "))
		return r->begun ? NULL : "TAINT or END before BEGIN";
	return "an unknown frame word";
}

/* One frame (the text after the marker) into r and the KTAP so far. */
static void take_frame(struct guest_report *r, const char *f, const struct buf *ktap,
		       struct buf *mods)
{
	if (str_starts(f, "BOOT ")) {
		r->booted = true;
		r->uname = field_str(f, "uname=");
		r->up_boot = field_seconds(f, " up=");
		r->up_go = field_seconds(f, " go=");
	} else if (str_starts(f, "VERSION ")) {
		r->version = xstrdup(f + 8);
	} else if (str_starts(f, "MODULE ")) {
		buf_puts(mods, f + 7);
		buf_puts(mods, "\n");
	} else if (str_starts(f, "BEGIN ")) {
		r->begun = true;
		r->taint_begin = field_long(f, "taint=", -1);
		r->up_begin = field_seconds(f, " up=");
	} else if (str_starts(f, "TAINT ")) {
		r->taints = xrealloc(r->taints, sizeof(*r->taints) * (r->ntaints + 1));
		r->taints[r->ntaints].ktap_offset = ktap->len;
		r->taints[r->ntaints++].taint = strtol(f + 6, NULL, 10);
	} else if (str_starts(f, "END ")) {
		r->ended = true;
		r->rc = field_long(f, "rc=", -1);
		r->taint_end = field_long(f, "taint=", -1);
		r->up_end = field_seconds(f, " up=");
	}
}

void channel_parse(const char *text, const char *marker, struct guest_report *r)
{
	char *prefix = xasprintf("KREPRO-%s ", marker);
	char *copy = xstrdup(text), *line, *next;
	struct buf ktap = { 0 }, mods = { 0 };

	memset(r, 0, sizeof(*r));
	r->up_boot = r->up_go = r->up_begin = r->up_end = -1;
	r->rc = -1;
	r->taint_begin = r->taint_end = -1;
	/* A last line without its newline was cut off (QEMU killed): dropped. */
	for (line = copy; (next = strchr(line, '\n')) && !r->garbled; line = next) {
		const char *f, *why;

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
		f += strlen(prefix);
		why = out_of_order(r, f, r->version != NULL);
		if (why)
			r->garbled = xasprintf("%s: '%.60s'", why, f);
		else
			take_frame(r, f, &ktap, &mods);
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
	free(r->taints);
	free(r->console);
	free(r->garbled);
	memset(r, 0, sizeof(*r));
}

bool channel_booted(const char *path, const char *marker)
{
	char *text = read_text(path);
	struct guest_report r;
	bool booted;

	channel_parse(text ? text : "", marker, &r);
	booted = r.booted;
	guest_report_free(&r);
	free(text);
	return booted;
}
