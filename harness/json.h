/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KREPRO_JSON_H
#define KREPRO_JSON_H

/*
 * JSON is libjansson's; this is what krepro adds around it: values from
 * our C strings and doubles, a one-line parse error, text out, and
 * getters with a default.  jansson's allocations abort when memory runs
 * out, as util's x* allocators do, so building a document cannot fail.
 */
#include <stdbool.h>
#include <jansson.h>

/*
 * A string value; null for NULL.  Bytes that are not UTF-8 (a console
 * can hold anything) become U+FFFD: jansson takes UTF-8 only.
 */
json_t *jstr(const char *s);
/*
 * A number as printf's fmt shows it ("%.3f": to the millisecond), so a
 * file carries no binary noise; null when v is not finite.
 */
json_t *jreal(const char *fmt, double v);
/*
 * A whole document (an object or an array) from len bytes of text.  NULL
 * with "line L, column C: reason" in *why (malloc'd, one line) when the
 * text is not JSON.
 */
json_t *jparse(const char *text, size_t len, char **why);
/*
 * doc as text ending in a newline, indented by indent spaces or on one
 * line (0); malloc'd, and doc is released.  jansson refuses to write
 * only what jstr and jreal never make (bytes that are not UTF-8, NaN), so
 * a refusal is a bug and aborts.
 */
char *jdump(json_t *doc, int indent);

/* Members by key: def when absent, of another type, or obj is no object. */
const char *jget_str(const json_t *obj, const char *key, const char *def);
double jget_num(const json_t *obj, const char *key, double def);
bool jget_bool(const json_t *obj, const char *key, bool def);

#endif
