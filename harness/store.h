/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KREPRO_STORE_H
#define KREPRO_STORE_H

#include <stdbool.h>
#include <time.h>

#include "run.h"

/* The run.json schema this krepro writes and the major it reads. */
#define RUN_SCHEMA		"krepro-run"
#define RUN_SCHEMA_VERSION	"1.3"
#define RUN_SCHEMA_MAJOR	1

/* Identity of a case's build: its reproducer binary and declaration. */
char *case_build_id(const char *root, const struct case_decl *c);

/*
 * Write o->outdir/run.json for the pairs as they stand (all or nothing:
 * a temp file renamed into place).  0 or -errno.
 */
int store_write(const struct run_opts *o, time_t started, time_t finished,
		bool was_interrupted);

#endif
