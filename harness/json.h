/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KREPRO_JSON_H
#define KREPRO_JSON_H

#include "util.h"

/* A small streaming JSON writer: the caller places the commas. */
void json_str(struct buf *b, const char *s);
/* "key": "value" with a leading comma unless first. */
void json_kv_str(struct buf *b, bool first, const char *key, const char *val);
void json_kv_num(struct buf *b, bool first, const char *key, double val);
void json_kv_int(struct buf *b, bool first, const char *key, long val);
void json_kv_bool(struct buf *b, bool first, const char *key, bool val);
void json_key(struct buf *b, bool first, const char *key);

#endif
