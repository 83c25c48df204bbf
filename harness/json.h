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

/*
 * A small JSON reader: the whole document into a tree.  Strings are
 * UTF-8 with escapes decoded; every number is a double.
 */
enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jval {
	enum jtype t;
	bool b;
	double num;
	char *str;		/* J_STR, UTF-8, escapes decoded */
	int n;			/* J_ARR / J_OBJ: number of items */
	struct jval **items;	/* J_ARR / J_OBJ values */
	char **keys;		/* J_OBJ keys, parallel to items */
};

/* Containers nested deeper than this are refused. */
#define JSON_MAX_DEPTH 256

/*
 * Parse a whole document (RFC 8259, strictly).  NULL on error with
 * *err = "line L, column C: reason" (malloc'd; columns count characters).
 * \u0000 and unpaired surrogates are refused: strings are C strings in
 * UTF-8 and could not hold them.
 */
struct jval *json_parse(const char *text, char **err);
void json_free(struct jval *v);
/* Member of an object by key (the last if duplicated), NULL if v is not an object or no such key. */
const struct jval *json_get(const struct jval *v, const char *key);
/* Typed getters: def when the member is absent or of another type. */
const char *json_get_str(const struct jval *v, const char *key, const char *def);
double json_get_num(const struct jval *v, const char *key, double def);
bool json_get_bool(const struct jval *v, const char *key, bool def);

#endif
