// SPDX-License-Identifier: GPL-2.0-only
/*
 * Harness self-test, not a failure mode: a protection that was never
 * attacked proves nothing.
 *
 * Every mitigation declares the danger it guards against (its .case file,
 * "guards:").  The harness counts a mitigation's pass only when that
 * danger showed in the same run: its guard hazard reproduced, or, for
 * "guards: within", the subtest's own unprotected twin said so.  Here
 * the dangers are fixed by construction, so the verdicts are known: the
 * two mitigations whose danger shows pass, the two whose danger does not
 * show must come out "not-comparable (danger not shown)", whatever the
 * kernel.  Declared "default: no"; run by name.
 */
#include <stdio.h>

#include "kselftest_harness.h"
#include "lib/util.h"

/* A hazard that reproduces: its "danger" is there in every run. */
TEST(danger_present)
{
	ASSERT_TRUE(1);
}

/* A hazard that never reproduces, as a fixed kernel would make it. */
TEST(danger_absent)
{
	ASSERT_TRUE(0) TH_LOG("this danger is absent by construction");
}

/* Each mitigation "holds": only its danger decides whether that counts. */
TEST(guarded_by_present_danger)
{
	ASSERT_FALSE(krepro_negative());
}

TEST(guarded_by_absent_danger)
{
	ASSERT_FALSE(krepro_negative());
}

TEST(twin_harmed_within)
{
	KREPRO_DANGER_SHOWN("the unprotected twin was harmed");
	ASSERT_FALSE(krepro_negative());
}

TEST(twin_unharmed_within)
{
	ASSERT_FALSE(krepro_negative());
}

TEST_HARNESS_MAIN
