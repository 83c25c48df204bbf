// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include "cli.h"
#include "outcome.h"
#include "stats.h"

static const char *const outcome_names[OUT_COUNT] = {
	[OUT_PASS] = "pass", [OUT_FAIL] = "fail", [OUT_SKIP] = "skip",
	[OUT_ERROR] = "error", [OUT_CRASH] = "crash", [OUT_TIMEOUT] = "timeout",
	[OUT_INFRA] = "infra", [OUT_NOTRUN] = "not-run", [OUT_UNSHOWN] = "not-comparable",
};

const char *outcome_name(enum outcome o)
{
	return o < OUT_COUNT ? outcome_names[o] : "unknown";
}

int outcome_parse(const char *name)
{
	for (int o = 0; o < OUT_COUNT; o++)
		if (!strcmp(name, outcome_names[o]))
			return o;
	return -1;
}

bool kind_is_hazard(enum kind k)
{
	return k == KIND_HAZARD || k == KIND_BEHAVIOUR;
}

const char *outcome_label(enum outcome o, enum kind k)
{
	if (kind_is_hazard(k) && o == OUT_PASS)
		return "reproduced";
	if (kind_is_hazard(k) && o == OUT_FAIL)
		return "not-reproduced";
	if (o == OUT_UNSHOWN)
		return "not-comparable (danger not shown)";
	return outcome_name(o);
}

int outcome_severity(enum outcome o)
{
	static const int rank[OUT_COUNT] = {
		[OUT_SKIP] = 0, [OUT_NOTRUN] = 0, [OUT_UNSHOWN] = 0, [OUT_PASS] = 1,
		[OUT_FAIL] = 1, [OUT_INFRA] = 3, [OUT_ERROR] = 4, [OUT_TIMEOUT] = 5,
		[OUT_CRASH] = 6,
	};
	return o < OUT_COUNT ? rank[o] : 0;
}

bool outcome_no_verdict(enum outcome o)
{
	return o == OUT_SKIP || o == OUT_NOTRUN || o == OUT_UNSHOWN;
}

enum outcome outcome_worse(enum outcome a, enum outcome b)
{
	int sa = outcome_severity(a), sb = outcome_severity(b);

	if (sa != sb)
		return sa > sb ? a : b;
	return b == OUT_FAIL ? b : a;
}

enum outcome outcome_fold(enum outcome cur, enum outcome o, enum kind k, int runs_hit)
{
	bool none = cur == OUT_COUNT;

	if (o == OUT_PASS || o == OUT_FAIL) {
		bool bad = kind_is_hazard(k) ? runs_hit == 0 : runs_hit > 0;

		if (none || outcome_severity(cur) <= outcome_severity(OUT_PASS))
			return bad ? OUT_FAIL : OUT_PASS;
		return cur;
	}
	if (outcome_no_verdict(o))
		return none || cur == OUT_SKIP || cur == OUT_NOTRUN ? o : cur;
	return none || outcome_severity(o) > outcome_severity(cur) ? o : cur;
}

char *outcome_cell(enum outcome o, enum kind kind, long k, long n, bool racy)
{
	const char *label = outcome_label(o, kind);
	double lo, hi;

	if (o != OUT_PASS && o != OUT_FAIL)
		return xstrdup(label);
	/* Nothing hit: what the rounds bound the rate at (one-sided, exact). */
	if (racy && k == 0 && n > 0)
		return xasprintf("%s 0/%ld (<=%.1f%% at 95%%)", label, n,
				 zero_hit_bound(n, 0.95) * 100);
	if (racy) {
		wilson_interval(k, n, 1.96, &lo, &hi);
		return xasprintf("%s %ld/%ld [%.1f-%.1f%%]", label, k, n, lo * 100, hi * 100);
	}
	if (n > 1 && !kind_is_hazard(kind) && k == 0)
		return xasprintf("%s n=%ld", label, n);
	if (n > 1)
		return xasprintf("%s %ld/%ld", label, k, n);
	return xstrdup(label);
}
