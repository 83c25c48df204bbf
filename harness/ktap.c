// SPDX-License-Identifier: GPL-2.0-only
/*
 * KTAP as the kselftest harness prints it:
 *   TAP version 13 / 1..N / "# ..." diagnostics /
 *   ok N fixture[.variant].test [# SKIP reason] / not ok N fixture.test [# reason]
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktap.h"
#include "wire.h"
#include "cli.h"

static bool parse_result(char *line, struct ktap_test *t)
{
	bool ok;
	char *p = line, *end, *hash;
	long num;

	if (str_starts(p, "ok ")) {
		ok = true;
		p += 3;
	} else if (str_starts(p, "not ok ")) {
		ok = false;
		p += 7;
	} else {
		return false;
	}
	num = strtol(p, &end, 10);
	if (end == p)
		return false;
	p = end + strspn(end, " -");
	hash = strstr(p, " # ");
	t->reason = NULL;
	if (hash) {
		char *dir = hash + 3;

		*hash = '\0';
		if (!strncasecmp(dir, "SKIP", 4)) {
			t->result = KTAP_SKIP;
			dir += 4;
		} else if (!strncasecmp(dir, "XFAIL", 5)) {
			t->result = KTAP_XFAIL;
			dir += 5;
		} else {
			t->result = ok ? KTAP_OK : KTAP_NOT_OK;
		}
		dir += strspn(dir, " ");
		t->reason = xstrdup(dir);
		if (t->result == KTAP_SKIP || t->result == KTAP_XFAIL)
			goto named;
	}
	t->result = ok ? KTAP_OK : KTAP_NOT_OK;
named:
	rtrim(p);
	t->number = num;
	t->full = xstrdup(p);
	/* "fixture.test" or "fixture.variant.test": drop the fixture. */
	end = strchr(t->full, '.');
	t->name = xstrdup(end ? end + 1 : t->full);
	return true;
}

/* "#  RUN           fixture.test ..." -> "test" (malloc'd), or NULL. */
static char *run_line_test(const char *line)
{
	const char *p = line + 1, *dot;
	size_t n;

	p += strspn(p, " ");
	if (!str_starts(p, "RUN "))
		return NULL;
	p += 4;
	p += strspn(p, " ");
	n = strcspn(p, " ");
	dot = memchr(p, '.', n);
	if (dot)
		return strndup(dot + 1, n - (dot + 1 - p));
	return strndup(p, n);
}

void ktap_parse(const char *text, struct ktap *k)
{
	char *copy = xstrdup(text), *line, *next;
	struct buf diag = { 0 };

	memset(k, 0, sizeof(*k));
	k->plan = -1;
	for (line = copy; line; line = next) {
		struct ktap_test t = { 0 };

		next = strchr(line, '\n');
		/* Cut off mid-line (a killed reproducer): "ok 1 f.foo_bar"
		 * could end as "ok 1 f.foo", another subtest's pass. */
		if (!next)
			break;
		*next++ = '\0';
		rtrim(line);
		if (str_starts(line, "TAP version ") || str_starts(line, "KTAP version ")) {
			/* A new document (one per test in a guest): what came
			 * after the last result belongs to none. */
			k->has_version = true;
			buf_free(&diag);
		} else if (str_starts(line, "1..")) {
			k->plan = atoi(line + 3);
		} else if (line[0] == '#') {
			char *started = run_line_test(line);

			if (started) {
				free(k->running);
				k->running = started;
			}
			buf_puts(&diag, line);
			buf_puts(&diag, "\n");
		} else if (parse_result(line, &t)) {
			free(k->running);
			k->running = NULL;
			t.diag = diag.data ? diag.data : xstrdup("");
			diag = (struct buf){ 0 };
			k->tests = xrealloc(k->tests, sizeof(t) * (k->n + 1));
			k->tests[k->n++] = t;
		}
	}
	buf_free(&diag);
	free(copy);
}

struct ktap_test *ktap_find(struct ktap *k, const char *name)
{
	int i;

	for (i = 0; i < k->n; i++)
		if (!strcmp(k->tests[i].name, name) || !strcmp(k->tests[i].full, name))
			return &k->tests[i];
	return NULL;
}

int ktap_count(const struct ktap *k, const char *name)
{
	int n = 0;

	for (int i = 0; i < k->n; i++)
		n += !strcmp(k->tests[i].name, name) || !strcmp(k->tests[i].full, name);
	return n;
}

void ktap_free(struct ktap *k)
{
	int i;

	for (i = 0; i < k->n; i++) {
		free(k->tests[i].full);
		free(k->tests[i].name);
		free(k->tests[i].reason);
		free(k->tests[i].diag);
	}
	free(k->tests);
	free(k->running);
	memset(k, 0, sizeof(*k));
}

#define STATS_TAG "# " WIRE_STATS_TAG
#define SETUP_FAILED_TAG "# " WIRE_SETUP_FAILED_TAG

/* The largest value a statistics field may hold (found by fuzzing). */
#define STATS_MAX 1e9

bool ktap_stop_known(const char *reason)
{
	static const char *const known[] = {
		"rounds", "time", "first-hit", "bound", "estimate", "baseline",
	};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(reason, known[i]))
			return true;
	return false;
}

static int stats_number(const char *val, bool allow_none, double *out)
{
	char *end;

	if (allow_none && !strcmp(val, "none")) {
		*out = -1;
		return 0;
	}
	if (!isdigit((unsigned char)*val))
		return -1;
	errno = 0;
	*out = strtod(val, &end);
	/* Rounds, counts and milliseconds: whole enough to fit an int. */
	return errno || *end || *out > STATS_MAX ? -1 : 0;
}

int ktap_stats_parse(const char *diag, struct ktap_stats *st, char **why)
{
	const char *line = diag, *found = NULL;
	char *copy, *word, *save = NULL;
	unsigned seen = 0;
	enum { K = 1, N = 2, EL = 4, FH = 8, BR = 16, BM = 32, ST = 64 };

	memset(st, 0, sizeof(*st));
	*why = NULL;
	/* The last statistics line wins: a test reports once, at its end. */
	while (line && *line) {
		if (str_starts(line, STATS_TAG))
			found = line;
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	if (!found)
		return -ENOENT;
	copy = strndup(found + strlen(STATS_TAG), strcspn(found + strlen(STATS_TAG), "\n"));
	for (word = strtok_r(copy, " \t", &save); word; word = strtok_r(NULL, " \t", &save)) {
		char *eq = strchr(word, '=');
		double v;

		if (!eq || eq == word) {
			*why = xasprintf("krepro-stats: '%s' is not NAME=VALUE", word);
			break;
		}
		*eq = '\0';
		if (!strcmp(word, "stop")) {
			if (!ktap_stop_known(eq + 1)) {
				*why = xasprintf("krepro-stats: stop must be one of %s",
						 KTAP_STOP_REASONS);
				break;
			}
			snprintf(st->stop, sizeof(st->stop), "%s", eq + 1);
			seen |= ST;
			continue;
		}
		if (stats_number(eq + 1, !strcmp(word, "first_hit_ms"), &v)) {
			*why = xasprintf("krepro-stats: %s=%s is not a number up to 1e9", word, eq + 1);
			break;
		}
		if (!strcmp(word, "k")) {
			st->k = v;
			seen |= K;
		} else if (!strcmp(word, "n")) {
			st->n = v;
			seen |= N;
		} else if (!strcmp(word, "elapsed_ms")) {
			st->elapsed_s = v / 1000;
			seen |= EL;
		} else if (!strcmp(word, "first_hit_ms")) {
			st->first_hit_s = v < 0 ? -1 : v / 1000;
			seen |= FH;
		} else if (!strcmp(word, "budget_rounds")) {
			st->budget_rounds = v;
			seen |= BR;
		} else if (!strcmp(word, "budget_ms")) {
			st->budget_s = v / 1000;
			seen |= BM;
		} else if (st->ncounts < KTAP_STATS_MAX_COUNTS) {
			st->count_names[st->ncounts] = xstrdup(word);
			st->counts[st->ncounts++] = v;
		}
	}
	free(copy);
	if (!*why && seen != (K | N | EL | FH | BR | BM | ST))
		*why = xasprintf("krepro-stats: a field is missing (k, n, elapsed_ms, "
				 "first_hit_ms, budget_rounds, budget_ms, stop)");
	if (!*why && st->k > st->n)
		*why = xasprintf("krepro-stats: k=%ld is more than n=%ld", st->k, st->n);
	if (!*why && st->k > 0 && st->first_hit_s < 0)
		*why = xasprintf("krepro-stats: k=%ld but first_hit_ms=none", st->k);
	if (*why) {
		ktap_stats_free(st);
		return -EINVAL;
	}
	return 0;
}

char *ktap_setup_failed(const char *diag)
{
	const char *line;

	for (line = diag; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (str_starts(line, SETUP_FAILED_TAG)) {
			line += strlen(SETUP_FAILED_TAG);
			line += strspn(line, " ");
			return strndup(line, strcspn(line, "\n"));
		}
	return NULL;
}

char *ktap_unfinished(const char *diag, bool *timed_out)
{
	static const char by_signal[] = ": Test terminated unexpectedly by signal ";
	const char *line, *at;
	int sig;

	*timed_out = false;
	for (line = diag; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		size_t len = strcspn(line, "\n");

		if ((at = memmem(line, len, by_signal, sizeof(by_signal) - 1)) &&
		    sscanf(at + sizeof(by_signal) - 1, "%d", &sig) == 1)
			return xasprintf("the test process was killed by signal %d (SIG%s) before its "
					 "verdict%s", sig, sigabbrev_np(sig) ?: "?",
					 sig == SIGKILL ? "; in a guest most likely the OOM "
					 "killer (the console says)" : "");
		if (memmem(line, len, ": Test terminated by timeout", 28)) {
			*timed_out = true;
			return xstrdup("the test ran past its kselftest timeout");
		}
	}
	return NULL;
}

void ktap_stats_free(struct ktap_stats *st)
{
	for (int i = 0; i < st->ncounts; i++)
		free(st->count_names[i]);
	st->ncounts = 0;
}
