/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KREPRO_KTAP_H
#define KREPRO_KTAP_H

#include <stdbool.h>

#include "wire.h"

enum ktap_result { KTAP_OK, KTAP_NOT_OK, KTAP_SKIP, KTAP_XFAIL };

struct ktap_test {
	int number;
	char *full;		/* "fixture.test" as printed */
	char *name;		/* the part after the last '.' */
	enum ktap_result result;
	char *reason;		/* SKIP reason or other directive text */
	char *diag;		/* "# " lines printed while it ran */
};

struct ktap {
	int plan;		/* -1 when there is no "1..N" line */
	bool has_version;
	struct ktap_test *tests;
	int n;
	/*
	 * The test that was running when the output stopped: its
	 * "#  RUN fixture.test ..." line has no result line after it
	 * (a panic or a kill in the middle).  The part after the fixture, or
	 * NULL when every started test reported.
	 */
	char *running;
};

/*
 * The statistics line of a racy subtest (docs/ktap-stats.md):
 *   # krepro-stats: k=K n=N elapsed_ms=E first_hit_ms=F|none
 *     budget_rounds=R budget_ms=B stop=REASON [NAME=COUNT]...
 * REASON: the budget ran out (rounds, time), or the race was decided
 * (first-hit, bound, estimate, baseline).
 */
#define KTAP_STOP_REASONS "rounds, time, first-hit, bound, estimate, baseline"
#define KTAP_STATS_MAX_COUNTS WIRE_MAX_COUNTERS
struct ktap_stats {
	long k, n;
	double elapsed_s;
	double first_hit_s;	/* < 0: no hit */
	long budget_rounds;
	double budget_s;
	char stop[16];
	int ncounts;
	char *count_names[KTAP_STATS_MAX_COUNTS];
	long counts[KTAP_STATS_MAX_COUNTS];
};

/*
 * Find the statistics line in a test's diagnostics.  0 when found and
 * well formed, -ENOENT when there is none, -EINVAL (with a reason in
 * *why) when the line is malformed.
 */
/* True for a stop= value the harness knows. */
bool ktap_stop_known(const char *reason);
int ktap_stats_parse(const char *diag, struct ktap_stats *st, char **why);
void ktap_stats_free(struct ktap_stats *st);

/*
 * The reason a subtest's set-up failed (docs/setup-failed.md), from its
 * first "# krepro-setup-failed: REASON" line; malloc'd, or NULL.
 */
char *ktap_setup_failed(const char *diag);

/*
 * Why a subtest ended before its verdict, from the kselftest harness's
 * own lines: "Test terminated unexpectedly by signal N" (the test process
 * died: the OOM killer's SIGKILL, a fault in the test) or "Test
 * terminated by timeout" (*timed_out set).  malloc'd, or NULL when it
 * reached its verdict.
 */
char *ktap_unfinished(const char *diag, bool *timed_out);

/*
 * Parse kselftest KTAP output.  Never fails; unknown lines are ignored,
 * and so is a last line without its newline (output cut off mid-line).
 */
void ktap_parse(const char *text, struct ktap *k);
struct ktap_test *ktap_find(struct ktap *k, const char *name);
/* How many result lines name the test (one, in sound output). */
int ktap_count(const struct ktap *k, const char *name);
void ktap_free(struct ktap *k);

#endif
