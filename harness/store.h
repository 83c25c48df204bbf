/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KREPRO_STORE_H
#define KREPRO_STORE_H

#include <stdbool.h>
#include <time.h>

#include "json.h"
#include "run.h"

/* The run.json schema this krepro writes and the major it reads. */
#define RUN_SCHEMA		"krepro-run"
#define RUN_SCHEMA_VERSION	"1.8"
#define RUN_SCHEMA_MAJOR	1

/* Identity of a case's build: its reproducer binary and declaration. */
char *case_build_id(const char *root, const struct case_decl *c);

/*
 * Write o->outdir/run.json for the pairs as they stand (all or nothing:
 * a temp file renamed into place).  0 or -errno.
 */
int store_write(const struct run_opts *o, time_t started, time_t finished,
		bool was_interrupted);

/*
 * Read a run.json: parsed, with its schema and major version checked,
 * and what readers rely on present, of its type and in the vocabulary
 * (every kernel's spec; every result's kernel among them, case and
 * subtests; every subtest's name, kind, outcome and counts, k <= n; a
 * shard within its count).  NULL with a one-line reason in *why
 * (malloc'd) when it cannot be read, is not JSON ("line L, column C:
 * ...") or is not a run this krepro reads.  Release with json_decref.
 */
json_t *store_load(const char *file, char **why);

/* What an earlier run must hold to stand in for running again (gate). */
struct store_want {
	const struct kernel *k;		/* the same kernel image (host: release) */
	char **cases, **builds;		/* every case, from the same build */
	int ncases;
	double max_age_s;		/* finished no longer ago than this */
};

/*
 * The newest run directory under store that holds w - whole, finished,
 * not a --negative run - or NULL.
 */
char *store_find_fresh(const char *store, const struct store_want *w);

#endif
