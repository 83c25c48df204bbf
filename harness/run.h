/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KREPRO_RUN_H
#define KREPRO_RUN_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "cases.h"
#include "channel.h"
#include "kernel.h"
#include "target.h"
#include "outcome.h"

struct sub_result {
	char *name;
	enum kind kind;
	bool declared;
	enum outcome outcome;
	int k, n;		/* runs where it failed (or reproduced), runs counted */
	char *reason;		/* skip reason or error detail */
	char *diag;		/* KTAP diagnostics of the last run */
	int runs, runs_hit;	/* VM (or host) runs with a pass/fail, and hit */

	/* racy subtests: summed from each run's krepro-stats line */
	bool racy;
	double elapsed_s;
	double *first_hit_s;	/* per run, < 0: no hit in that run */
	char **stops;		/* per run: why its race stopped (stop=) */
	int nfirst;
	long budget_rounds;
	double budget_s;
	int ncounts;
	char **count_names;
	long *counts;
};

struct pair {
	struct kernel *kernel;
	struct case_decl *kase;
	char **only;		/* selected subtests, NULL for all */
	int nonly;

	/* while running */
	int run_index, attempt;
	int vm_runs;		/* how many runs this pair gets */
	bool queued;		/* waiting to be started */
	double expect_s;	/* how long its run is expected to take, for the order */
	int timeout;		/* seconds per run, budget included */
	int rounds, seconds;	/* racy budget passed to the case, 0: none */
	char *stop;		/* its races' stopping rules (KREPRO_STOP), or NULL */
	struct target target;	/* the attempt running now */
	double started, deadline;
	double vm_started;	/* the attempt's QEMU started (after any snapshot) */
	bool timed_out;
	double boot_by;		/* a VM's init must have said BOOT by then ... */
	int boot_limit;		/* ... this many seconds after QEMU started */
	int boot_late;		/* killed at the boot deadline: its seconds */
	char marker[17];
	char *initrd;
	bool image_built;	/* the guest image was built, not reused */
	double image_s;		/* building it took (0: reused) */
	double up_boot, up_begin, up_end;	/* the last VM's guest uptimes; -1: unknown */
	double up_go;		/* ... when its knobs came (after a restore) */
	bool restored;		/* the last VM was restored from a snapshot ... */
	char *snapshot;		/* ... this one */
	double vm_s;		/* the last VM's wall time, from its QEMU's start */
	double snapshot_s;	/* taking the pair's snapshot (0: from the cache) */
	long peak_rss_kb;	/* the largest of its VMs (or sandboxes), from wait4 */
	bool kvm;		/* this pair's VMs run under KVM */
	bool console_capped;	/* a run's console log reached the cap */
	char *accel_reason;	/* why this accelerator, for run.json */
	char *console, *channel, *ktap;	/* paths for this attempt */

	/* results, over all runs */
	bool done;
	enum outcome outcome;
	double duration;
	char *detail;		/* why infra / error / crash, one line */
	char *excerpt;		/* console excerpt of a crash */
	char *uname, *version;
	long taint_before, taint_after;
	struct sub_result *subs;
	int nsubs;
	int attempts;
};

/* A racy subtest's counts in the baseline run, for the stopping rules. */
struct race_count {
	const char *kase, *sub;
	long k, n;
};

struct run_opts {
	struct kernel *kernels;
	int nkernels;
	struct pair *pairs;
	int npairs;
	int runs;		/* -n: runs per subtest */
	bool runs_given;
	int repeat;		/* --repeat: runs of every pair, racy or not */
	int seconds;		/* --seconds: time cap per racy subtest, 0 = declared */
	/*
	 * When a race is decided (docs/ktap-stats.md): a protection's failure
	 * rate bounded at level, a hazard's rate to +- precision, at 95 %;
	 * level 0 runs every race to its budget.  With baseline counts (the
	 * gate), a hazard stops once it differs from them, or - unless
	 * strict - at its first hit, which already decides the verdict.
	 */
	double level, precision;
	bool strict;
	const struct race_count *baseline;
	int nbaseline;
	bool negative;		/* --negative: protections removed */
	int shard_i, shard_n;	/* --shard I/N, 0/0 when not sharded */
	int until_confident;	/* --until-confident: at most this many more runs */
	int confident_rounds;
	int jobs;		/* -j */
	const char *outdir;
	const char *root;	/* project root */
	const char *cache;
	const char *qemu;
	const char *busybox;
	long long console_cap;	/* bytes a VM's console or channel log may reach */
	int boot_deadline;	/* seconds from QEMU's start to init's BOOT frame */
	bool snapshots;		/* restore TCG guests from snapshots (--no-snapshot: not) */
	long snapshot_cap_mb;	/* what CACHE/snapshot may hold */
	bool kvm;		/* the accelerator chosen for the run */
	char *accel_reason;	/* why, one line */
	char **argv;		/* for run.json */
	FILE *table;		/* where the table goes; NULL: stdout */
	int argc;
};

/*
 * Print the QEMU command line of every VM pair (building or reusing its
 * guest image), one per line, shell-quoted; nothing is started.  The
 * paths name files under the run directory, which is not created.
 */
int show_commands(struct run_opts *o);

/*
 * Plan every pair's runs (queued, budget, timeout), catch SIGINT, SIGTERM
 * and SIGHUP, and make the run directory's per-kernel folders.  -1 with
 * a one-line reason in *why when a folder cannot be made.
 */
int run_prepare(struct run_opts *o, char **why);
/*
 * Run the queued pairs, up to -j at once, until none is left.  Nothing
 * is written but each pair's KTAP and console files.  Returns 0, or the
 * signal that interrupted it (everything started is stopped by then).
 */
int run_pairs(struct run_opts *o);
/* One more run of a finished pair, for the next run_pairs(). */
void run_requeue(struct pair *p);
/* 0 all as expected, 1 a failure, 3 infrastructure, 128+signal. */
int run_exit_code(const struct run_opts *o, int signal);


#endif
