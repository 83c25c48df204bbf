// SPDX-License-Identifier: GPL-2.0-only
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "util.h"

/*
 * Before main: a document built with jansson then never lacks a member
 * for want of memory (json_object_set_new would drop it silently).
 */
static void __attribute__((constructor)) jansson_allocates_or_aborts(void)
{
	json_set_alloc_funcs(xmalloc, free);
}

/*
 * Length of the valid UTF-8 sequence at s, 0 if invalid: no overlong
 * forms, no surrogates, nothing above U+10FFFF (RFC 3629).  A NUL fails
 * every continuation test, so nothing is read past the string.
 */
static int utf8_len(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	int len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	len = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

json_t *jstr(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	struct buf b = { 0 };
	json_t *v;
	int n;

	if (!s)
		return json_null();
	v = json_string(s);
	if (v)
		return v;
	while (*p) {
		n = utf8_len(p);
		if (n)
			buf_add(&b, p, n);
		else
			buf_puts(&b, "\xef\xbf\xbd");
		p += n ? n : 1;
	}
	v = json_string(b.data);
	buf_free(&b);
	return v;
}

json_t *jreal(const char *fmt, double v)
{
	char text[64];

	if (!isfinite(v))
		return json_null();
	snprintf(text, sizeof(text), fmt, v);
	return json_real(strtod(text, NULL));
}

json_t *jparse(const char *text, size_t len, char **why)
{
	json_error_t e;
	json_t *doc = json_loadb(text, len, 0, &e);

	if (doc)
		return doc;
	/* jansson quotes the token it stopped at, which may be a control byte. */
	*why = xasprintf("line %d, column %d: %s", e.line, e.column, one_line(e.text));
	return NULL;
}

static int add_text(const char *text, size_t n, void *b)
{
	buf_add(b, text, n);
	return 0;
}

char *jdump(json_t *doc, int indent)
{
	/* 15 digits show what jreal kept exactly, without a binary tail. */
	size_t flags = JSON_REAL_PRECISION(15) | (indent ? JSON_INDENT(indent) : JSON_COMPACT);
	struct buf b = { 0 };

	if (json_dump_callback(doc, add_text, &b, flags))
		abort();
	json_decref(doc);
	buf_puts(&b, "\n");
	return b.data;
}

const char *jget_str(const json_t *obj, const char *key, const char *def)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : def;
}

double jget_num(const json_t *obj, const char *key, double def)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_number(v) ? json_number_value(v) : def;
}

bool jget_bool(const json_t *obj, const char *key, bool def)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_boolean(v) ? json_is_true(v) : def;
}
