/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KREPRO_COMPARE_H
#define KREPRO_COMPARE_H

#include <stdbool.h>

#include "cases.h"
#include "run.h"
#include "store.h"


/* One kernel, identified across run directories by spec + image hash. */
struct cmp_kernel {
	char *key;
	char *spec, *label, *source, *uname_r, *proc_version, *sha256;
};

/*
 * What a kernel sorts and is shown by: uname -r, or its spec without the
 * source ("6.1.0-47-cloud-amd64" of a debian: kernel that never booted).
 */
const char *kernel_version(const struct cmp_kernel *k);

struct cmp_cell {
	bool present;
	enum outcome outcome;
	long k, n;
	int runs, runs_hit;
	bool racy;
	double duration_s;
	double first_hit_s;	/* median over runs that hit, < 0: none */
	char *reason;		/* skip reason, error detail */
	char *detail;		/* the case's detail (crash, infra, ...) */
	char *excerpt;		/* console excerpt of a crash */
	char *ktap;		/* this subtest's KTAP lines, from the files */
	char *dir;		/* the run directory it came from */
};

/*
 * CH_RATE: both kernels give the same verdict (a hazard reproduced on
 * both) at significantly different rates.  A difference that is not
 * significant is CH_SAME, with its p-value and why kept; it is
 * CH_INCONCLUSIVE only where the verdict could differ (README).
 */
enum change { CH_SAME, CH_REGRESSION, CH_FIXED, CH_BEHAVIOUR, CH_INCONCLUSIVE,
	      CH_NEW, CH_MISSING, CH_ERROR, CH_UNCOMPARABLE, CH_BASELINE,
	      CH_BASELINE_CRASH, CH_SKIPPED, CH_RATE, CH_COUNT };

struct cmp_change {
	enum change what;
	double p;		/* Fisher p-value when rates were compared, else -1 */
	long more_runs;		/* runs per kernel that would decide; -1: none within
				   10x the runs made */
	char *why;		/* one line */
};

struct cmp_row {
	char *kase, *sub;
	enum kind kind;
	struct cmp_cell *cells;		/* one per kernel, in column order */
	struct cmp_change *changes;	/* one per kernel, against the baseline */
};

struct shard_seen {
	int count;
	unsigned char *have;	/* have[i - 1] for shard i of count */
	char *first_dir;
};

struct matrix {
	struct cmp_kernel *kernels;
	int nk;
	struct cmp_row *rows;
	int nrows;
	int baseline;
	int counts[CH_COUNT];
	bool any_infra;
	bool allow_skip;	/* a skip where the baseline passed is no failure */
	struct shard_seen *shards;	/* while loading: the shards seen */
	int nshards;
	char **incomplete;	/* run directories whose run was interrupted */
	int nincomplete;
};

const char *change_name(enum change c);

/*
 * Load run directories (run.json each; shards merge, the same kernel and
 * case in several directories add up).  Returns 0, or -1 with one line in
 * *why (malloc'd) naming the file on a missing, corrupt or too new
 * run.json, or the shard that is missing or given twice.
 */
int matrix_load(struct matrix *m, char **dirs, int ndirs, char **why);
/*
 * The matrix of a run still in memory, one column per kernel of o, for
 * deciding what to run next (no run.json involved).
 */
void matrix_from_pairs(struct matrix *m, const struct run_opts *o);
/* The same as matrix_load, taking from dirs[i] only kernel only[i] (NULL: all). */
int matrix_load_only(struct matrix *m, char **dirs, const char **only, int ndirs,
		     char **why);
/* Drop the rows of every case not listed. */
void matrix_keep_cases(struct matrix *m, char **cases, int ncases);
/* Pick the baseline column by spec (NULL: the oldest kernel); -1 if unknown. */
int matrix_set_baseline(struct matrix *m, const char *spec);
void matrix_classify(struct matrix *m);
/* Free everything a loaded (or built) matrix holds. */
void matrix_free(struct matrix *m);
/*
 * 0 when nothing fails; 1 on a regression, an error, a skip where the
 * baseline passed (unless allow_skip) or a behaviour or rate change when
 * strict;
 * 3 on infra or a crash on the baseline (nothing to compare against).
 */
int matrix_exit_code(const struct matrix *m, bool strict);
/* Does any subtest of this case still need runs to decide a change? */
bool matrix_case_undecided(const struct matrix *m, const char *kase);

enum format { FMT_TEXT, FMT_MD, FMT_JSON, FMT_JUNIT, FMT_HTML };
int format_parse(const char *s, enum format *f);
struct view_opts;
/* The report in format f; o: which rows, rates, the text's width (view.h). */
char *matrix_render(const struct matrix *m, enum format f, const struct view_opts *o,
		    bool colour, bool strict);

#endif
