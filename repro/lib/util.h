/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the krepro reproducers.  They return 0 or -errno and
 * never assert: only a test body asserts, so a failure points at the line
 * that matters.
 */
#ifndef KREPRO_REPRO_UTIL_H
#define KREPRO_REPRO_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "wire.h"

/* Make the calling process's mount tree private to a fresh namespace. */
int krepro_private_mount_ns(void);

/*
 * Create a fresh directory under $TMPDIR (or /tmp), mount a tmpfs on it and
 * write its path to buf.  The tmpfs lives in the caller's mount namespace.
 */
int krepro_scratch_tmpfs(char *buf, size_t len, const char *tag);

/* Undo krepro_scratch_tmpfs; safe on a half-made or empty path. */
void krepro_scratch_release(const char *path);

/*
 * Release the scratch tmpfs this process made last, if it is still there:
 * for a set-up that failed, as the harness may run no teardown after it.
 */
void krepro_scratch_abandon(void);

/* snprintf into buf, -ENAMETOOLONG on truncation. */
int krepro_path(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Become uid:gid with no supplementary groups and an empty capability set
 * (checked with libcap afterwards).  For use in a forked child.
 */
int krepro_become_user(uid_t uid, gid_t gid);

/*
 * Run fn(arg, out) in a forked child and copy the child's out buffer
 * (outlen bytes) back to the caller.  fn returns 0 or -errno; so does this.
 * A child that dies of a signal gives -EINTR and *sig is set.
 */
typedef int (*krepro_child_fn)(void *arg, void *out);
int krepro_in_child(krepro_child_fn fn, void *arg, void *out, size_t outlen);

/*
 * Attach path to a free loop device that detaches itself once nothing
 * holds it any more (LO_FLAGS_AUTOCLEAR): after the caller has mounted it
 * and closed the returned fd, unmounting - or the mount namespace dying -
 * frees the device.  Writes /dev/loopN to dev.  Returns an fd or -errno.
 */
int krepro_loop_attach(const char *path, bool read_only, char *dev, size_t len);

/* Run argv (PATH searched) with output to /dev/null; exit status or -errno. */
int krepro_run_quiet(char *const argv[]);

/* Write a whole string to a file (for /proc and /sys knobs). */
int krepro_write_file(const char *path, const char *text);

/*
 * Racy subtests.  A race runs round after round until it is decided or its
 * budget - rounds or seconds, whichever ends first - is spent, counting
 * hits, and then prints one statistics line that the harness parses
 * (docs/ktap-stats.md):
 *
 *   # krepro-stats: k=3 n=200 elapsed_ms=8012 first_hit_ms=417 \
 *     budget_rounds=200 budget_ms=8000 stop=time placeholder=2 exit=1
 *
 * The budget comes from KREPRO_ROUNDS and KREPRO_SECONDS (set by the
 * harness from the case declaration or -n) or the reproducer's defaults.
 * When is a race decided comes from KREPRO_STOP, one rule per subtest
 * name, set by the harness from the subtest's kind: without a rule for
 * it, a race spends its whole budget.
 */
#define KREPRO_RACE_MAX_COUNTERS WIRE_MAX_COUNTERS

/* When a race is decided before its budget is spent (all at 95 %). */
struct krepro_stop_rule {
	bool set;
	bool first;		/* at the first hit (a protection failed, a hazard seen) */
	double bound;		/* no hit yet: once the rate is bounded at or below this */
	double half;		/* hits: once the interval is no wider than +- this */
	long base_k, base_n;	/* once the rate differs from this baseline (p < 0.05) */
};

struct krepro_race {
	const char *name;		/* the subtest's, to find its rule */
	unsigned long rounds;		/* budget */
	double seconds;			/* budget */
	struct krepro_stop_rule rule;
	const char *stop;		/* why it stopped; NULL while it runs */
	unsigned long n, k;		/* rounds run, rounds that hit */
	double started, first_hit;	/* CLOCK_MONOTONIC s; first_hit < 0: none */
	double elapsed;			/* s, fixed by krepro_race_end; 0 while it runs */
	const char *names[KREPRO_RACE_MAX_COUNTERS];
	unsigned long counts[KREPRO_RACE_MAX_COUNTERS];
};

/* name: the subtest's (_metadata->name), which KREPRO_STOP's rules are keyed by. */
void krepro_race_start(struct krepro_race *r, const char *name, unsigned long def_rounds,
		       double def_seconds);
/* True while the race is undecided and budget remains; call before each round. */
bool krepro_race_more(struct krepro_race *r);
/* Record one finished round. */
void krepro_race_round(struct krepro_race *r, bool hit);
/* Add n to a named counter (a breakdown by kind; name: [a-z0-9_]+). */
void krepro_race_count(struct krepro_race *r, const char *name, unsigned long n);
/*
 * The race ran its last round: fix its elapsed time and why it stopped, so
 * that a report printed later (a subtest sharing another's rounds) says
 * what the rounds took.
 */
void krepro_race_end(struct krepro_race *r);
/* Print the statistics line on stdout (flushed). */
void krepro_race_report(const struct krepro_race *r);
/*
 * Parse the rule for name out of a KREPRO_STOP value ("NAME:WORD,...;...",
 * words first, bound=L, half=H, base=K/N).  0 with *rule filled (set is
 * false when name has none), -EINVAL when the value is malformed.
 */
int krepro_stop_rule_parse(const char *spec, const char *name, struct krepro_stop_rule *rule);
/* Why the race should stop now, or NULL: the rule first, then the budget. */
const char *krepro_race_decided(const struct krepro_race *r, double elapsed);
double krepro_now(void);

/*
 * Negative-control mode (krepro run --negative, KREPRO_NEGATIVE=1): every
 * mitigation and regression subtest removes the protection or kernel
 * property it depends on, so it must FAIL.  Proves the test can fail.
 */
bool krepro_negative(void);

/*
 * Set-up failed (docs/setup-failed.md): a step before the mechanism was
 * tried did not work, so the subtest says nothing about the kernel's
 * behaviour.  The harness reports it as `error` with this reason, never
 * as fail or not-reproduced.  For test bodies and FIXTURE_SETUP (it needs
 * _metadata); it ends the test the way a failed ASSERT does.  Written to
 * stderr, unbuffered, like TH_LOG, so it precedes the result line.  It
 * releases the scratch tmpfs too: kselftest runs no teardown after a
 * failed FIXTURE_SETUP, nor (in the version built here) after a bail.
 */
#define KREPRO_SETUP_ASSERT(cond, fmt, ...) do {				\
	if (!(cond)) {								\
		fprintf(stderr, "# " WIRE_SETUP_FAILED_TAG " " fmt "\n",	\
			##__VA_ARGS__);						\
		krepro_scratch_abandon();					\
		_metadata->exit_code = KSFT_FAIL;				\
		__bail(1, _metadata);						\
	}									\
} while (0)

/* The common form: a helper that returned 0 or -errno (evaluated once). */
#define KREPRO_SETUP_OK(ret, what) do {						\
	int _krepro_ret = (ret);						\
										\
	KREPRO_SETUP_ASSERT(_krepro_ret == 0, "cannot %s: %s", what,		\
			    strerror(-_krepro_ret));				\
} while (0)

/*
 * A mitigation with an unprotected twin of its own (declared "guards:
 * within"): say that the twin showed the danger in this run, e.g.
 * KREPRO_DANGER_SHOWN("the unlocked sibling tree was deleted").  Without
 * this line the harness does not count the mitigation's pass.
 */
#define KREPRO_DANGER_SHOWN(fmt, ...)						\
	fprintf(stderr, "# " WIRE_DANGER_SHOWN_TAG " " fmt "\n", ##__VA_ARGS__)

#endif
