// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the bisection engine and its helpers, against simulated
 * kernel lists: which kernel turns bad, how a race hits there, which
 * kernels cannot run.  The VM side is tested in ci/bisect.bats.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bisect.h"
#include "changelog.h"
#include "kernel.h"
#include "kselftest_harness.h"

#define CHECK(cond) EXPECT_TRUE(!!(cond))

/* A simulated list: kernels from first_bad on are bad. */
struct sim {
	int first_bad;
	enum kind kind;
	double rate;		/* racy: hit rate of a bad kernel; 0: deterministic */
	int skip;		/* this index is infra (-1: none) */
	int calls, batches, rounds_asked;
	unsigned seed;
};

static void sim_one(struct sim *s, int i, int rounds, struct step_result *r)
{
	bool bad = i >= s->first_bad;
	bool hazard = kind_is_hazard(s->kind);

	s->calls++;
	if (rounds > s->rounds_asked)
		s->rounds_asked = rounds;
	memset(r, 0, sizeof(*r));
	if (i == s->skip) {
		r->outcome = OUT_INFRA;
		r->why = strdup("the VM never started");
		return;
	}
	if (s->rate > 0) {
		r->racy = true;
		r->n = rounds ? rounds : 50;
		for (int j = 0; j < r->n && bad; j++)
			r->k += (double)rand_r(&s->seed) / RAND_MAX < s->rate;
		/* a hazard hits by reproducing, any other kind by failing */
		r->outcome = hazard ? (r->k ? OUT_PASS : OUT_FAIL) : (r->k ? OUT_FAIL : OUT_PASS);
		return;
	}
	r->n = 1;
	r->outcome = bad ? OUT_FAIL : OUT_PASS;
	r->k = bad;
}

static int sim_step(void *ctx, const int *idx, int n, int rounds, struct step_result *r)
{
	struct sim *s = ctx;

	s->batches++;
	for (int j = 0; j < n; j++)
		sim_one(s, idx[j], rounds, &r[j]);
	return 0;
}

static char *names[18] = { "k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9",
			   "k10", "k11", "k12", "k13", "k14", "k15", "k16", "k17" };

static void setup(struct bisect *b, struct sim *s, int n)
{
	memset(b, 0, sizeof(*b));
	b->specs = names;
	b->nspecs = n;
	b->kind = s->kind;
	b->alpha = 0.05;
	b->max_rounds = 100000;
	b->step = sim_step;
	b->ctx = s;
}

TEST(a_deterministic_regression_finds_every_first_bad_kernel)
{
	for (int fb = 1; fb < 18; fb++) {
		struct sim s = { .first_bad = fb, .kind = KIND_REGRESSION, .skip = -1 };
		struct bisect b;

		setup(&b, &s, 18);
		CHECK(bisect_run(&b) == BISECT_FOUND);
		CHECK(b.first_bad == fb && b.last_good == fb - 1);
		/* two ends, then at most ceil(log2(17)) = 5 steps */
		CHECK(s.calls <= 2 + 5 && s.batches <= 1 + 5);
		CHECK(!b.racy && b.error == 0);
		bisect_free(&b);
	}
}

TEST(two_kernels_a_round_take_fewer_rounds)
{
	for (int fb = 1; fb < 18; fb++) {
		struct sim s = { .first_bad = fb, .kind = KIND_REGRESSION, .skip = -1 };
		struct bisect b;

		setup(&b, &s, 18);
		b.parallel = 2;
		CHECK(bisect_run(&b) == BISECT_FOUND);
		CHECK(b.first_bad == fb && b.last_good == fb - 1);
		/* the ends at once, then each round cuts 17 in three: 3 rounds */
		CHECK(s.batches <= 1 + 3);
		bisect_free(&b);
	}
}

TEST(swapped_ends_are_bad_input)
{
	struct sim s = { .first_bad = 0, .kind = KIND_MITIGATION, .skip = -1 };
	struct bisect b;

	setup(&b, &s, 5);
	CHECK(bisect_run(&b) == BISECT_BAD_INPUT);
	CHECK(b.why && strstr(b.why, "the good end k0 fails"));
	bisect_free(&b);
	s.first_bad = 99;	/* nothing is bad */
	setup(&b, &s, 5);
	CHECK(bisect_run(&b) == BISECT_BAD_INPUT);
	CHECK(b.why && strstr(b.why, "the bad end k4 passes"));
	bisect_free(&b);
}

TEST(a_behaviour_takes_good_from_the_good_end)
{
	/* a behaviour "reproduced" from k6 on: good is not-reproduced */
	struct sim s = { .first_bad = 6, .kind = KIND_BEHAVIOUR, .skip = -1 };
	struct bisect b;

	setup(&b, &s, 11);
	CHECK(bisect_run(&b) == BISECT_FOUND);
	CHECK(b.first_bad == 6);
	bisect_free(&b);
}

TEST(a_skipped_kernel_is_stepped_around)
{
	/* the first middle step, k8, cannot run */
	struct sim s = { .first_bad = 12, .kind = KIND_REGRESSION, .skip = 8 };
	struct bisect b;
	int skips = 0;

	setup(&b, &s, 18);
	CHECK(bisect_run(&b) == BISECT_FOUND);
	CHECK(b.first_bad == 12 && b.last_good == 11);
	for (int i = 0; i < b.nsteps; i++)
		skips += b.steps[i].verdict == STEP_SKIP;
	CHECK(skips >= 1);
	bisect_free(&b);
}

TEST(a_range_of_only_skipped_kernels_is_undecided)
{
	/* k8 cannot run and k9 is bad: the change is k8 or k9 */
	struct sim s = { .first_bad = 9, .kind = KIND_REGRESSION, .skip = 8 };
	struct bisect b;

	setup(&b, &s, 18);
	CHECK(bisect_run(&b) == BISECT_UNDECIDED);
	CHECK(b.first_bad < 0 && strstr(b.why, "skipped"));
	bisect_free(&b);
}

TEST(a_race_is_sized_and_its_bound_holds_over_many_bisections)
{
	int wrong = 0, trials = 200;
	double worst = 0;

	for (int t = 0; t < trials; t++) {
		struct sim s = { .first_bad = 1 + t % 17, .kind = KIND_HAZARD, .rate = 0.1,
				 .skip = -1, .seed = 7919u * t + 1 };
		struct bisect b;

		setup(&b, &s, 18);
		b.start_rounds = 60;
		if (bisect_run(&b) != BISECT_FOUND || b.first_bad != s.first_bad)
			wrong++;
		if (b.error > worst)
			worst = b.error;
		bisect_free(&b);
	}
	/* every bisection states at most 5 %, and is wrong less often than that */
	CHECK(worst <= 0.05 + 1e-9);
	CHECK(wrong <= trials * 0.05);
}

TEST(rounds_follow_the_rate)
{
	/* (1 - 0.1)^n <= 0.005 needs n >= 51 */
	CHECK(bisect_rounds_for(0.1, 0.005, 100000) == 51);
	CHECK(bisect_rounds_for(1.0, 0.005, 100000) == 1);
	CHECK(bisect_rounds_for(0.0, 0.005, 777) == 777);
	CHECK(bisect_max_steps(18, 1) == 5 + 2);
	CHECK(bisect_max_steps(18, 2) == 3 * 2 + 2);
	CHECK(bisect_max_steps(2, 1) == 2);
}

TEST(debian_versions_sort_as_dpkg_does)
{
	CHECK(debian_version_cmp("6.1.158-1", "6.1.192-3") < 0);
	CHECK(debian_version_cmp("6.12.100-1~deb12u1", "6.12.100-1") < 0);
	CHECK(debian_version_cmp("1:1.0", "2.0") > 0);
	CHECK(debian_version_cmp("6.1.192+3", "6.1.192-3") > 0);
	CHECK(debian_version_cmp("6.1.192-3", "6.1.192-3") == 0);
	CHECK(debian_version_cmp("6.1.0~rc1-1", "6.1.0-1") < 0);
	CHECK(!strcmp(kernel_flavour("6.1.0-47-cloud-amd64"), "cloud-amd64"));
	CHECK(!strcmp(kernel_flavour("6.12.117+deb12-cloud-amd64"), "cloud-amd64"));
	CHECK(!strcmp(kernel_flavour("6.1.0-47-amd64"), "amd64"));
}

TEST(changelog_entries_stop_at_the_good_version)
{
	char path[] = "/tmp/krepro-changelog-XXXXXX";
	int fd = mkstemp(path);
	const char *text =
		"linux (6.1.192-1) bookworm; urgency=high\n\n  * new\n\n -- M <m@x>  Mon\n\n"
		"linux (6.1.190-1) bookworm; urgency=high\n\n  * mid\n\n -- M <m@x>  Sun\n\n"
		"linux (6.1.170-1) bookworm; urgency=high\n\n  * old\n\n -- M <m@x>  Sat\n";
	struct changelog_entry *e;
	int n;

	CHECK(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	n = changelog_since(path, "6.1.170-1", &e);
	CHECK(n == 2);
	CHECK(n == 2 && !strcmp(e[0].version, "6.1.192-1") && strstr(e[1].text, "* mid"));
	CHECK(n == 2 && !strstr(e[1].text, "* old"));
	changelog_free(e, n);
	unlink(path);
}

TEST_HARNESS_MAIN
