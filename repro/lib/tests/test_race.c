// SPDX-License-Identifier: GPL-2.0-only
/* Tests of repro/lib/util.c's races: when is a race decided (KREPRO_STOP). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "lib/util.h"

/* A race of name under rule spec, with a budget no test reaches. */
static void race_with(struct krepro_race *r, const char *spec, const char *name)
{
	setenv("KREPRO_STOP", spec, 1);
	unsetenv("KREPRO_ROUNDS");
	unsetenv("KREPRO_SECONDS");
	krepro_race_start(r, name, 100000, 100000);
}

/* Rounds until the race stops, hitting on the rounds hit() says; *why set. */
static unsigned long rounds_until_stop(struct krepro_race *r, bool (*hit)(unsigned long),
				       const char **why)
{
	while (!(*why = krepro_race_decided(r, 0)))
		krepro_race_round(r, hit(r->n));
	return r->n;
}

static bool never(unsigned long n) { return false; }
static bool always(unsigned long n) { return true; }
static bool third(unsigned long n) { return n % 3 == 0; }
static bool late(unsigned long n) { return n == 6; }

/* Validate that a clean protection stops once 0/n bounds its rate at 10 % (29 rounds). */
TEST(protection_bounded)
{
	struct krepro_race r;
	const char *why;

	race_with(&r, "other:bound=0.5;flock:bound=0.1,first", "flock");
	EXPECT_EQ(29UL, rounds_until_stop(&r, never, &why));
	EXPECT_STREQ("bound", why);
}

/* Validate that a failing protection stops at its first failure. */
TEST(protection_first_failure)
{
	struct krepro_race r;
	const char *why;

	race_with(&r, "flock:bound=0.1,first", "flock");
	EXPECT_EQ(7UL, rounds_until_stop(&r, late, &why));
	EXPECT_STREQ("first-hit", why);
	EXPECT_EQ(1UL, r.k);
}

/* Validate that a hazard runs on after its first hit until its rate is known to +-25 %. */
TEST(hazard_estimate)
{
	struct krepro_race r;
	const char *why;
	unsigned long n;

	race_with(&r, "collide:bound=0.1,half=0.25", "collide");
	n = rounds_until_stop(&r, third, &why);
	EXPECT_STREQ("estimate", why);
	/* A third of the rounds hit: +-25 % takes about 13 rounds. */
	EXPECT_LE(10UL, n);
	EXPECT_GE(16UL, n);
	race_with(&r, "collide:bound=0.1,half=0.25", "collide");
	EXPECT_GE(5UL, rounds_until_stop(&r, always, &why));
}

/* Validate that against a baseline a hazard stops once it differs, or at its first hit. */
TEST(hazard_baseline)
{
	struct krepro_race r;
	const char *why;

	race_with(&r, "crash:bound=0.1,base=9/10,first", "crash");
	EXPECT_GE(6UL, rounds_until_stop(&r, never, &why));
	EXPECT_STREQ("baseline", why);
	race_with(&r, "crash:bound=0.1,base=9/10,first", "crash");
	EXPECT_EQ(1UL, rounds_until_stop(&r, always, &why));
	EXPECT_STREQ("first-hit", why);
}

/* Validate that without a rule the race spends its budget. */
TEST(no_rule_spends_budget)
{
	struct krepro_race r;

	race_with(&r, "other:first", "flock");
	r.rounds = 50;
	while (krepro_race_more(&r))
		krepro_race_round(&r, true);
	EXPECT_EQ(50UL, r.n);
	EXPECT_STREQ("rounds", r.stop);
}

/* Validate that malformed rules are refused, whichever subtest they name. */
TEST(malformed_rules)
{
	static const char *const bad[] = {
		"flock", "flock:bound=1", "flock:bound=x", "flock:half=0", "flock:base=3/2",
		"flock:base=3", "flock:sometimes", "a:first;flock", "flock:first,,bound=0.1x",
	};
	struct krepro_stop_rule rule;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *spec = bad[i];

		EXPECT_EQ(-EINVAL, krepro_stop_rule_parse(spec, "flock", &rule)) {
			TH_LOG("%s", spec);
		}
	}
	EXPECT_EQ(0, krepro_stop_rule_parse("a:first;flock:base=3/20,half=0.2", "flock", &rule));
	EXPECT_TRUE(rule.set);
	EXPECT_EQ(3, rule.base_k);
	EXPECT_EQ(20, rule.base_n);
	EXPECT_FALSE(rule.first);
	EXPECT_EQ(0, krepro_stop_rule_parse("a:first", "flock", &rule));
	EXPECT_FALSE(rule.set);
}

TEST_HARNESS_MAIN
