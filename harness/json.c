// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
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
