// SPDX-License-Identifier: GPL-2.0-only
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

void json_str(struct buf *b, const char *s)
{
	buf_puts(b, "\"");
	for (; s && *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\') {
			char e[3] = { '\\', c, 0 };

			buf_puts(b, e);
		} else if (c == '\n') {
			buf_puts(b, "\\n");
		} else if (c == '\t') {
			buf_puts(b, "\\t");
		} else if (c < 0x20 || c == 0x7f) {
			buf_printf(b, "\\u%04x", c);
		} else {
			buf_add(b, &c, 1);
		}
	}
	buf_puts(b, "\"");
}

void json_key(struct buf *b, bool first, const char *key)
{
	if (!first)
		buf_puts(b, ",");
	json_str(b, key);
	buf_puts(b, ":");
}

void json_kv_str(struct buf *b, bool first, const char *key, const char *val)
{
	json_key(b, first, key);
	if (val)
		json_str(b, val);
	else
		buf_puts(b, "null");
}

void json_kv_num(struct buf *b, bool first, const char *key, double val)
{
	json_key(b, first, key);
	buf_printf(b, "%.3f", val);
}

void json_kv_int(struct buf *b, bool first, const char *key, long val)
{
	json_key(b, first, key);
	buf_printf(b, "%ld", val);
}

void json_kv_bool(struct buf *b, bool first, const char *key, bool val)
{
	json_key(b, first, key);
	buf_puts(b, val ? "true" : "false");
}

/* ---- Reader ---- */

struct jparser {
	const char *text;	/* the document, for line and column */
	const char *p;
	int depth;
	char *err;
};

/* Record the first error, placed at 'at'; later ones are consequences. */
static void __attribute__((format(printf, 3, 4)))
jfail(struct jparser *jp, const char *at, const char *fmt, ...)
{
	char reason[128];
	const char *q;
	int line = 1, col = 1;
	va_list ap;

	if (jp->err)
		return;
	for (q = jp->text; q < at; q++) {
		if (*q == '\n') {
			line++;
			col = 1;
		} else if (((unsigned char)*q & 0xc0) != 0x80) {
			col++;	/* UTF-8 continuation bytes are not columns */
		}
	}
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	jp->err = xasprintf("line %d, column %d: %s", line, col, reason);
}

/* "'x'" for printable ASCII, else the byte value: messages stay one line. */
static const char *jshow(char c, char out[16])
{
	unsigned char u = c;

	if (u > 0x20 && u < 0x7f)
		snprintf(out, 16, "'%c'", u);
	else
		snprintf(out, 16, "byte 0x%02x", u);
	return out;
}

static void jskip_ws(struct jparser *jp)
{
	while (*jp->p == ' ' || *jp->p == '\t' || *jp->p == '\n' || *jp->p == '\r')
		jp->p++;
}

static struct jval *jnew(enum jtype t)
{
	struct jval *v = xcalloc(1, sizeof(*v));

	v->t = t;
	return v;
}

/* Append to an array or object; key is NULL for arrays and owned after. */
static void jpush(struct jval *c, char *key, struct jval *item, int *cap)
{
	if (c->n == *cap) {
		*cap = *cap ? *cap * 2 : 4;
		c->items = xrealloc(c->items, *cap * sizeof(*c->items));
		if (c->t == J_OBJ)
			c->keys = xrealloc(c->keys, *cap * sizeof(*c->keys));
	}
	c->items[c->n] = item;
	if (c->t == J_OBJ)
		c->keys[c->n] = key;
	c->n++;
}

/*
 * Length of the valid UTF-8 sequence at s, 0 if invalid: no overlong
 * forms, no surrogates, nothing above U+10FFFF (RFC 3629).
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

static void utf8_put(struct buf *b, unsigned long cp)
{
	unsigned char o[4];
	int n;

	if (cp < 0x80) {
		o[0] = cp;
		n = 1;
	} else if (cp < 0x800) {
		o[0] = 0xc0 | cp >> 6;
		o[1] = 0x80 | (cp & 0x3f);
		n = 2;
	} else if (cp < 0x10000) {
		o[0] = 0xe0 | cp >> 12;
		o[1] = 0x80 | (cp >> 6 & 0x3f);
		o[2] = 0x80 | (cp & 0x3f);
		n = 3;
	} else {
		o[0] = 0xf0 | cp >> 18;
		o[1] = 0x80 | (cp >> 12 & 0x3f);
		o[2] = 0x80 | (cp >> 6 & 0x3f);
		o[3] = 0x80 | (cp & 0x3f);
		n = 4;
	}
	buf_add(b, o, n);
}

/* Four hex digits at s, or -1. */
static long hex4(const char *s)
{
	long v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		char c = s[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;	/* also stops at the NUL: no overread */
	}
	return v;
}

/* A \u escape at jp->p (the backslash), a surrogate pair taken whole. */
static int junicode(struct jparser *jp, struct buf *b)
{
	const char *at = jp->p;
	long cp = hex4(at + 2), lo;

	if (cp < 0) {
		jfail(jp, at, "invalid \\u escape (want 4 hex digits)");
		return -1;
	}
	jp->p += 6;
	if (cp >= 0xdc00 && cp <= 0xdfff) {
		jfail(jp, at, "unpaired surrogate \\u%04lx", cp);
		return -1;
	}
	if (cp >= 0xd800 && cp <= 0xdbff) {
		lo = jp->p[0] == '\\' && jp->p[1] == 'u' ? hex4(jp->p + 2) : -1;
		if (lo < 0xdc00 || lo > 0xdfff) {
			jfail(jp, at, "unpaired surrogate \\u%04lx", cp);
			return -1;
		}
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		jp->p += 6;
	}
	if (cp == 0) {
		/* A C string would silently end there. */
		jfail(jp, at, "\\u0000 is not supported");
		return -1;
	}
	utf8_put(b, cp);
	return 0;
}

/* One escape at jp->p (the backslash). */
static int jescape(struct jparser *jp, struct buf *b)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *e;
	char show[16];

	if (jp->p[1] == 'u')
		return junicode(jp, b);
	/* jstring has seen that a character follows the backslash. */
	e = strchr(from, jp->p[1]);
	if (!e) {
		if ((unsigned char)jp->p[1] > 0x20 && (unsigned char)jp->p[1] < 0x7f)
			jfail(jp, jp->p, "invalid escape '\\%c'", jp->p[1]);
		else
			jfail(jp, jp->p, "invalid escape: backslash, %s", jshow(jp->p[1], show));
		return -1;
	}
	buf_add(b, &to[e - from], 1);
	jp->p += 2;
	return 0;
}

/* A string at jp->p (the quote) into a malloc'd C string, NULL on error. */
static char *jstring(struct jparser *jp)
{
	const char *start = jp->p;
	struct buf b = { 0 };
	int len;

	buf_add(&b, "", 0);	/* "" must not come back as NULL */
	jp->p++;
	for (;;) {
		unsigned char c = *jp->p;

		if (c == '"') {
			jp->p++;
			return b.data;
		}
		if (!c || (c == '\\' && !jp->p[1])) {
			jfail(jp, start, "unterminated string");
			break;
		}
		if (c == '\\') {
			if (jescape(jp, &b))
				break;
			continue;
		}
		if (c < 0x20) {
			jfail(jp, jp->p, "control character 0x%02x in string", c);
			break;
		}
		len = utf8_len((const unsigned char *)jp->p);
		if (!len) {
			jfail(jp, jp->p, "invalid utf-8 in string");
			break;
		}
		buf_add(&b, jp->p, len);
		jp->p += len;
	}
	buf_free(&b);
	return NULL;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? checked before strtod, which is laxer. */
static struct jval *jnumber(struct jparser *jp)
{
	const char *start = jp->p, *q = jp->p;
	struct jval *v;

	if (*q == '-')
		q++;
	if (*q == '0' && is_digit(q[1])) {
		jfail(jp, start, "leading zero in number");
		return NULL;
	}
	if (!is_digit(*q))
		goto bad;
	while (is_digit(*q))
		q++;
	if (*q == '.') {
		if (!is_digit(*++q))
			goto bad;
		while (is_digit(*q))
			q++;
	}
	if (*q == 'e' || *q == 'E') {
		if (*++q == '+' || *q == '-')
			q++;
		if (!is_digit(*q))
			goto bad;
		while (is_digit(*q))
			q++;
	}
	v = jnew(J_NUM);
	v->num = strtod(start, NULL);
	if (isinf(v->num)) {
		free(v);
		jfail(jp, start, "number out of range");
		return NULL;
	}
	jp->p = q;
	return v;
bad:
	jfail(jp, start, "invalid number");
	return NULL;
}

static struct jval *jliteral(struct jparser *jp)
{
	static const struct { const char *word; enum jtype t; bool b; } lits[] = {
		{ "true", J_BOOL, true }, { "false", J_BOOL, false }, { "null", J_NULL, false },
	};
	size_t i, len;
	struct jval *v;

	for (i = 0; i < sizeof(lits) / sizeof(lits[0]); i++) {
		len = strlen(lits[i].word);
		if (strncmp(jp->p, lits[i].word, len))
			continue;
		v = jnew(lits[i].t);
		v->b = lits[i].b;
		jp->p += len;
		return v;
	}
	jfail(jp, jp->p, "invalid literal (want true, false or null)");
	return NULL;
}

static struct jval *jvalue(struct jparser *jp);

/*
 * Before each item of a container: end of input means the container
 * was never closed, reported where it opened.
 */
static bool jopen_at_end(struct jparser *jp, const char *open, const char *what)
{
	jskip_ws(jp);
	if (*jp->p)
		return false;
	jfail(jp, open, "unterminated %s", what);
	return true;
}

static struct jval *jarray(struct jparser *jp)
{
	const char *open = jp->p;
	struct jval *v = jnew(J_ARR), *item;
	char show[16];
	int cap = 0;

	jp->p++;
	if (jopen_at_end(jp, open, "array"))
		goto fail;
	if (*jp->p == ']')
		goto done;
	for (;;) {
		item = jvalue(jp);
		if (!item)
			goto fail;
		jpush(v, NULL, item, &cap);
		if (jopen_at_end(jp, open, "array"))
			goto fail;
		if (*jp->p == ']')
			goto done;
		if (*jp->p != ',') {
			jfail(jp, jp->p, "expected ',' or ']' in array, got %s", jshow(*jp->p, show));
			goto fail;
		}
		jp->p++;
		if (jopen_at_end(jp, open, "array"))
			goto fail;
		if (*jp->p == ']') {
			jfail(jp, jp->p, "trailing comma in array");
			goto fail;
		}
	}
done:
	jp->p++;
	return v;
fail:
	json_free(v);
	return NULL;
}

/* One "key": value member at jp->p (after whitespace). */
static int jmember(struct jparser *jp, struct jval *obj, const char *open, int *cap)
{
	struct jval *item;
	char show[16], *key;

	if (*jp->p != '"') {
		jfail(jp, jp->p, "expected string key in object, got %s", jshow(*jp->p, show));
		return -1;
	}
	key = jstring(jp);
	if (!key)
		return -1;
	/* At the end, jopen_at_end's message is the one kept (the first). */
	if (jopen_at_end(jp, open, "object") || *jp->p != ':') {
		jfail(jp, jp->p, "expected ':' after key, got %s", jshow(*jp->p, show));
		free(key);
		return -1;
	}
	jp->p++;
	if (jopen_at_end(jp, open, "object") || !(item = jvalue(jp))) {
		free(key);
		return -1;
	}
	jpush(obj, key, item, cap);
	return 0;
}

static struct jval *jobject(struct jparser *jp)
{
	const char *open = jp->p;
	struct jval *v = jnew(J_OBJ);
	char show[16];
	int cap = 0;

	jp->p++;
	if (jopen_at_end(jp, open, "object"))
		goto fail;
	if (*jp->p == '}')
		goto done;
	for (;;) {
		if (jmember(jp, v, open, &cap))
			goto fail;
		if (jopen_at_end(jp, open, "object"))
			goto fail;
		if (*jp->p == '}')
			goto done;
		if (*jp->p != ',') {
			jfail(jp, jp->p, "expected ',' or '}' in object, got %s", jshow(*jp->p, show));
			goto fail;
		}
		jp->p++;
		if (jopen_at_end(jp, open, "object"))
			goto fail;
		if (*jp->p == '}') {
			jfail(jp, jp->p, "trailing comma in object");
			goto fail;
		}
	}
done:
	jp->p++;
	return v;
fail:
	json_free(v);
	return NULL;
}

/* A container, within the nesting limit: the recursion stays bounded. */
static struct jval *jcontainer(struct jparser *jp)
{
	struct jval *v;

	if (jp->depth >= JSON_MAX_DEPTH) {
		jfail(jp, jp->p, "nesting deeper than %d", JSON_MAX_DEPTH);
		return NULL;
	}
	jp->depth++;
	v = *jp->p == '[' ? jarray(jp) : jobject(jp);
	jp->depth--;
	return v;
}

static struct jval *jvalue(struct jparser *jp)
{
	struct jval *v;
	char show[16], *s;

	jskip_ws(jp);
	switch (*jp->p) {
	case '\0':
		jfail(jp, jp->p, "unexpected end of input");
		return NULL;
	case '[':
	case '{':
		return jcontainer(jp);
	case '"':
		s = jstring(jp);
		if (!s)
			return NULL;
		v = jnew(J_STR);
		v->str = s;
		return v;
	case 't':
	case 'f':
	case 'n':
		return jliteral(jp);
	default:
		if (*jp->p == '-' || is_digit(*jp->p))
			return jnumber(jp);
		jfail(jp, jp->p, "unexpected %s", jshow(*jp->p, show));
		return NULL;
	}
}

struct jval *json_parse(const char *text, char **err)
{
	struct jparser jp = { .text = text, .p = text };
	struct jval *v = jvalue(&jp);

	if (v) {
		jskip_ws(&jp);
		if (*jp.p) {
			jfail(&jp, jp.p, "trailing characters after the document");
			json_free(v);
			v = NULL;
		}
	}
	if (!v && err)
		*err = jp.err;
	else
		free(jp.err);
	return v;
}

void json_free(struct jval *v)
{
	int i;

	if (!v)
		return;
	for (i = 0; i < v->n; i++) {
		json_free(v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->str);
	free(v);
}

const struct jval *json_get(const struct jval *v, const char *key)
{
	int i;

	if (!v || v->t != J_OBJ)
		return NULL;
	/* From the end: the last of duplicated keys wins, as in most readers. */
	for (i = v->n - 1; i >= 0; i--)
		if (!strcmp(v->keys[i], key))
			return v->items[i];
	return NULL;
}

const char *json_get_str(const struct jval *v, const char *key, const char *def)
{
	const struct jval *m = json_get(v, key);

	return m && m->t == J_STR ? m->str : def;
}

double json_get_num(const struct jval *v, const char *key, double def)
{
	const struct jval *m = json_get(v, key);

	return m && m->t == J_NUM ? m->num : def;
}

bool json_get_bool(const struct jval *v, const char *key, bool def)
{
	const struct jval *m = json_get(v, key);

	return m && m->t == J_BOOL ? m->b : def;
}
