// SPDX-License-Identifier: GPL-2.0-only
/*
 * krepro run: (kernel, case) pairs, each in a throwaway VM or, for the
 * host kernel, in private namespaces on this machine; up to -j at once.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "initramfs.h"
#include "classify.h"
#include "outcome.h"
#include "ktap.h"
#include "qemu.h"
#include "target.h"
#include "run.h"
#include "cli.h"
#include "evidence.h"
#include "preflight.h"
#include "snapshot.h"
#include "wire.h"

static volatile sig_atomic_t interrupted;

/* Seconds a restored guest has to say BOOT (a booted one: the boot deadline). */
#define RESTORE_DEADLINE_S 10

static void on_signal(int sig)
{
	interrupted = sig;
}

/* ---- folding one run's outcomes into the pair ---- */

/*
 * The kselftest harness's -t matches a test's own name; a variant
 * fixture's subtest VARIANT.TEST is selected by TEST (every variant runs
 * it; only the selected one is reported).
 */
static const char *harness_test_name(const char *sub)
{
	const char *dot = strrchr(sub, '.');

	return dot ? dot + 1 : sub;
}


/* ---- starting and finishing attempts ---- */

static char *pair_path(struct run_opts *o, struct pair *p, const char *ext)
{
	if (p->vm_runs > 1)
		return xasprintf("%s/%s/%s.%d.%s", o->outdir, p->kernel->label,
				 p->kase->name, p->run_index + 1, ext);
	return xasprintf("%s/%s/%s.%s", o->outdir, p->kernel->label, p->kase->name, ext);
}

static char *case_args(struct pair *p)
{
	struct buf b = { 0 };
	int i;

	for (i = 0; i < p->nonly; i++)
		buf_printf(&b, "%s-t %s", i ? " " : "", harness_test_name(p->only[i]));
	return b.data ? b.data : xstrdup("");
}

/*
 * init's knobs besides the marker: racy budget, stopping rules,
 * negative-control mode (on the kernel command line of a guest that
 * boots, in fw_cfg for a restored one: vm/guest/knobs.c).
 */
static char *run_knobs(struct run_opts *o, struct pair *p)
{
	struct buf b = { 0 };

	if (p->rounds)
		buf_printf(&b, "%s" WIRE_CMDLINE_ROUNDS "%d " WIRE_CMDLINE_SECONDS "%d",
			   b.len ? " " : "", p->rounds, p->seconds);
	if (p->stop)
		buf_printf(&b, "%s" WIRE_CMDLINE_STOP "%s", b.len ? " " : "", p->stop);
	if (o->negative)
		buf_printf(&b, "%s" WIRE_CMDLINE_NEGATIVE, b.len ? " " : "");
	return b.data ? b.data : xstrdup("");
}

/* The pair's guest image, built or from the cache; -1 with the pair infra. */
static int pair_image(struct run_opts *o, struct pair *p)
{
	char *err = NULL, *args = case_args(p);
	char *binary = xasprintf("%s/build/repro/%s", o->root, p->kase->binary);
	char *init = xasprintf("%s/vm/init", o->root);
	char *knobs = xasprintf("%s/build/guest/knobs", o->root);
	struct image_spec spec = {
		.init = init, .busybox = o->busybox, .knobs = knobs, .case_name = p->kase->name,
		.binary = binary, .args = args, .kernel = p->kernel,
		.modules = p->kase->modules, .nmodules = p->kase->nmodules,
		.tools = p->kase->tools, .ntools = p->kase->ntools,
	};
	int built;

	if (!p->initrd) {
		double t = now_monotonic();

		p->initrd = initramfs_get(&spec, o->cache, &built, &err);
		p->image_built = built;
		p->image_s = built ? now_monotonic() - t : 0;
		if (built == 2)
			warnx_("cached guest image %s was damaged (cut short); built anew",
			       p->initrd);
		if (!p->initrd) {
			p->outcome = OUT_INFRA;
			set_detail(p, err);
		}
	}
	free(args);
	free(binary);
	free(init);
	free(knobs);
	return p->initrd ? 0 : -1;
}

/*
 * The VM of this attempt: a fresh marker and paths; knobs is malloc'd.
 * The kernel's parameters beyond the harness's own: norandmaps for a case
 * declared `aslr: off`.
 */
static void pair_vm_opts(struct run_opts *o, struct pair *p, struct vm_opts *vo)
{
	random_hex(p->marker, 16);
	*vo = (struct vm_opts){
		.qemu = o->qemu, .image = p->kernel->boot ? p->kernel->boot : p->kernel->image,
		.initrd = p->initrd,
		.marker = p->marker, .console = p->console, .channel = p->channel,
		.memory_mb = p->kase->memory_mb, .kvm = p->kvm,
		.params = p->kase->aslr_off ? "norandmaps" : NULL, .knobs = run_knobs(o, p),
		.log_cap = o->console_cap,
	};
}

/*
 * Under TCG a boot costs 1.2-1.6 s of every VM: restore the guest from
 * its snapshot instead, taking the snapshot first when the cache has
 * none.  A snapshot that cannot be taken leaves the VM to boot as usual
 * (with a warning), where whatever stopped it shows as the run's own.
 */
static void pair_snapshot(struct run_opts *o, struct pair *p, struct vm_opts *vo)
{
	char *path, *why = NULL;

	p->restored = false;
	free(p->snapshot);
	p->snapshot = NULL;
	if (!o->snapshots || vo->kvm || p->kernel->no_snapshot ||
	    !(path = snapshot_path(o->cache, vo)))
		return;
	if (!is_file(path)) {
		double t = now_monotonic();

		if (snapshot_take(vo, path, o->boot_deadline ? o->boot_deadline : 3600, &why)) {
			/*
			 * Once per kernel: what stopped it (a kernel that hangs or
			 * panics before init) would stop every other, at the cost of
			 * a boot deadline each.
			 */
			p->kernel->no_snapshot = true;
			if (!interrupted)
				warnx_("%s %s: no snapshot, booting its VMs instead: %s",
				       p->kernel->spec, p->kase->name, why);
			free(why);
			free(path);
			return;
		}
		p->snapshot_s += now_monotonic() - t;
		snapshot_evict(o->cache, o->snapshot_cap_mb);
	}
	snapshot_used(path);
	vo->incoming = p->snapshot = path;
	p->restored = true;
}

/* This attempt's files: a new set per attempt and per run. */
static void attempt_paths(struct run_opts *o, struct pair *p)
{
	free(p->console);
	free(p->channel);
	free(p->ktap);
	p->console = pair_path(o, p, "console.log");
	p->channel = pair_path(o, p, "chan.log");
	p->ktap = pair_path(o, p, "ktap");
}

/* The host job: the reproducer in the sandbox, its tests and knobs. */
static void host_job(struct run_opts *o, struct pair *p, struct target_job *j)
{
	char **tests = xcalloc(p->nonly + 1, sizeof(char *));

	for (int i = 0; i < p->nonly; i++)
		tests[i] = (char *)harness_test_name(p->only[i]);
	*j = (struct target_job){
		.kind = TARGET_HOST, .name = p->kase->name, .ktap = p->ktap,
		.binary = xasprintf("%s/build/repro/%s", o->root, p->kase->binary),
		.tests = tests, .ntests = p->nonly, .rounds = p->rounds,
		.seconds = p->seconds, .stop = p->stop, .negative = o->negative,
	};
}

/* The VM job: the guest image built (or cached) and a fresh marker. */
static int vm_job(struct run_opts *o, struct pair *p, struct target_job *j)
{
	if (pair_image(o, p))
		return -1;
	*j = (struct target_job){ .kind = TARGET_VM, .name = p->kase->name, .ktap = p->ktap };
	pair_vm_opts(o, p, &j->vm);
	pair_snapshot(o, p, &j->vm);
	return 0;
}

static void job_free(struct target_job *j)
{
	free((char *)j->binary);
	free((char **)j->tests);
	free((char *)j->vm.knobs);
}

static int start_target(struct run_opts *o, struct pair *p)
{
	struct target_job j;
	char *why = NULL;
	int ret;

	attempt_paths(o, p);
	if (p->kernel->kind == KERNEL_HOST)
		host_job(o, p, &j);
	else if (vm_job(o, p, &j))
		return -1;
	ret = target_start(&p->target, &j, &why);
	job_free(&j);
	if (ret) {
		p->outcome = OUT_INFRA;
		set_detail(p, why);
		target_free(&p->target);
	}
	return ret;
}

/*
 * A VM that never got to init under KVM: the accelerator's fault, not the
 * kernel's (a nested KVM may abort QEMU or hang a stock kernel).  The
 * pair, and every VM after it, runs under TCG.  True when so.
 */
static bool kvm_failed(struct run_opts *o, struct pair *p, const struct guest_report *g)
{
	if (!p->kvm || g->booted)
		return false;
	p->kvm = false;
	free(p->accel_reason);
	p->accel_reason = xstrdup("the VM never reached init under KVM; re-run under TCG");
	if (o->kvm) {
		char *why = xasprintf("%s, but a VM never reached init under KVM: TCG "
				      "from then on", o->accel_reason);

		o->kvm = false;
		o->accel_reason = why;
		warnx_("%s: the VM never reached init under KVM; TCG from now on",
		       p->kernel->spec);
	}
	return true;
}

/* A VM's serial log that reached the cap lost what came after it. */
static bool log_capped(const struct run_opts *o, const char *path)
{
	struct stat st;

	return o->console_cap > 0 && path && !stat(path, &st) && st.st_size >= o->console_cap;
}

/* Classify a reaped attempt; false when it does not count (KVM failed). */
static bool finish_target(struct run_opts *o, struct pair *p, int status)
{
	struct guest_report g = { 0 };
	char *why = NULL;
	bool counts = true;
	/* Asked first: finishing renames the KTAP, which may free space. */
	bool full = results_full(o->outdir);

	if (target_finish(&p->target, status, p->timed_out, &g, &why)) {
		p->outcome = OUT_INFRA;
		set_detail(p, why);
	} else if (full) {
		/* Its KTAP or serial logs may end early: no result from them, and
		 * no second attempt, which would meet the same full disk. */
		p->outcome = OUT_INFRA;
		p->attempt = 2;
		set_detail(p, xasprintf("no space left in %s: this attempt's logs may be "
					"cut short", o->outdir));
	} else if (p->kernel->kind != KERNEL_HOST && kvm_failed(o, p, &g)) {
		counts = false;
	} else if (p->kernel->kind != KERNEL_HOST && log_capped(o, p->channel)) {
		/* The results past the cap were dropped: none of them count. */
		p->outcome = OUT_ERROR;
		set_detail(p, xasprintf("the result channel reached its cap of %lld bytes: "
					"the case printed too much", o->console_cap));
		fold_all(p, OUT_ERROR, p->detail);
	} else {
		classify_run(p, &g, p->timed_out);
	}
	if (p->restored && !g.booted && p->snapshot) {
		/* A damaged snapshot would fail every restore: the next attempt takes it anew. */
		warnx_("%s %s: the guest did not come back from snapshot %s; removed",
		       p->kernel->spec, p->kase->name, p->snapshot);
		unlink(p->snapshot);
	}
	if (p->kernel->kind != KERNEL_HOST) {
		p->up_boot = g.up_boot;
		p->up_go = g.up_go;
		p->up_begin = g.up_begin;
		p->up_end = g.up_end;
	}
	if (p->kernel->kind != KERNEL_HOST)
		p->console_capped |= log_capped(o, p->console);
	guest_report_free(&g);
	target_free(&p->target);
	return counts;
}

static void plan_pair(struct run_opts *o, struct pair *p);

/* The restore a run would start, when the snapshot is in the cache (none is taken). */
static void show_snapshot(struct run_opts *o, struct vm_opts *vo)
{
	char *path = o->snapshots && !vo->kvm ? snapshot_path(o->cache, vo) : NULL;

	if (path && is_file(path))
		vo->incoming = path;
	else
		free(path);
}

int show_commands(struct run_opts *o)
{
	int rc = EXIT_OK;

	for (int i = 0; i < o->npairs; i++) {
		struct pair *p = &o->pairs[i];
		struct vm_opts vo;
		char **argv;

		if (p->kernel->kind == KERNEL_HOST)
			continue;
		/* The budget and stopping rules too: the command a run starts. */
		plan_pair(o, p);
		if (pair_image(o, p)) {
			warnx_("cannot build the guest image of %s %s: %s", p->kernel->spec,
			       p->kase->name, p->detail);
			rc = EXIT_INFRA;
			continue;
		}
		attempt_paths(o, p);
		pair_vm_opts(o, p, &vo);
		show_snapshot(o, &vo);
		argv = qemu_argv(&vo);
		for (char **a = argv; *a; a++) {
			if (a != argv)
				putchar(' ');
			char *word = shell_word(*a);

			fputs(word, stdout);
			free(word);
		}
		putchar('\n');
		qemu_argv_free(argv);
		free((char *)vo.knobs);
		free((char *)vo.incoming);
	}
	return rc;
}

#define ISOLATION_LINE "# krepro: cannot isolate: "

/* ---- output ---- */

static void progress(struct run_opts *o, struct pair *p, int finished, int total)
{
	fprintf(stderr, "[%*d/%d] %-40s %-16s %-8s %5.1fs%s%s\n",
		total >= 10 ? 2 : 1, finished, total, p->kernel->spec, p->kase->name,
		outcome_name(p->outcome), p->duration,
		p->detail ? "  " : "", p->detail ? p->detail : "");
}

/* ---- the scheduler ---- */

static int start_pair(struct run_opts *o, struct pair *p)
{
	int ret;

	p->timed_out = false;
	p->boot_late = 0;
	p->started = now_monotonic();
	p->deadline = p->started + p->timeout;
	ret = start_target(o, p);
	if (ret)
		p->target.pid = 0;
	p->vm_started = now_monotonic();
	/*
	 * From QEMU's start: building the guest image is not booting.  A
	 * restored guest says BOOT within a second; one that has not in 10 s
	 * will not, and its retry takes the snapshot anew.
	 */
	p->boot_limit = p->restored && o->boot_deadline > RESTORE_DEADLINE_S ?
			RESTORE_DEADLINE_S : o->boot_deadline;
	p->boot_by = now_monotonic() + p->boot_limit;
	return ret;
}

/*
 * The queued pair to start next: the longest expected first, so that the
 * -j slots finish together (longest processing time first); the plan's
 * order among equals.
 */
static int next_queued(struct run_opts *o)
{
	int best = -1;

	for (int i = 0; i < o->npairs; i++)
		if (o->pairs[i].queued &&
		    (best < 0 || o->pairs[i].expect_s > o->pairs[best].expect_s))
			best = i;
	return best;
}

/* Where the last measured duration of p's case is kept (host runs apart). */
static char *duration_path(struct run_opts *o, const struct pair *p)
{
	return xasprintf("%s/durations/%s%s", o->cache, p->kase->name,
			 p->kernel->kind == KERNEL_HOST ? ".host" : "");
}

/*
 * What a run of p's case is expected to take: the last one measured on
 * any kernel, else its declared racy budget (every subtest counted), else
 * a second.  Only the order of starts depends on it.
 */
static double expected_duration(struct run_opts *o, const struct pair *p)
{
	char *path = duration_path(o, p), *text = read_file(path, NULL);
	double s = text ? strtod(text, NULL) : 0;

	free(path);
	free(text);
	if (s > 0)
		return s;
	return p->kase->budget_rounds ? (double)p->kase->budget_seconds * p->kase->nsubs : 1;
}

/* Remember how long p's run took, for the next run's order (best effort). */
static void record_duration(struct run_opts *o, const struct pair *p)
{
	char *dir = xasprintf("%s/durations", o->cache), *path, text[32];
	int len;

	if (p->outcome == OUT_INFRA || p->duration <= 0 || p->vm_runs != 1 ||
	    mkdir_p(dir, 0755)) {
		free(dir);
		return;
	}
	path = duration_path(o, p);
	len = snprintf(text, sizeof(text), "%.1f\n", p->duration);
	write_file_atomic(path, text, len);
	free(path);
	free(dir);
}

/*
 * --until-confident: compare what has run so far (baseline: the first
 * kernel) and give every case with an inconclusive change one more run on
 * every kernel, until the comparison is decided or the budget is spent.
 */
/* The running pair a reaped pid belongs to, or NULL. */
static struct pair *pair_of_pid(struct run_opts *o, pid_t pid)
{
	for (int i = 0; i < o->npairs; i++)
		if (o->pairs[i].target.pid == pid)
			return &o->pairs[i];
	return NULL;
}

/* Counters of one scheduling pass, for the progress lines. */
struct sched {
	int running, finished, total;
};

static void pair_done(struct run_opts *o, struct pair *p, struct sched *sc)
{
	p->done = true;
	settle(p);
	record_duration(o, p);
	progress(o, p, ++sc->finished, sc->total);
}

/*
 * A run of p ended (its process was reaped).  Returns true when p goes
 * on - a KVM retry, an infrastructure retry or its next run started - and
 * false when it is done (or could not be started again).
 */
static bool pair_ended(struct run_opts *o, struct pair *p, int status)
{
	if (!finish_target(o, p, status) && !interrupted)
		return !start_pair(o, p);
	if (p->outcome == OUT_INFRA && p->attempt == 1 && !interrupted) {
		/* The VM never got to the case: once more. */
		p->attempt = 2;
		p->attempts++;
		return !start_pair(o, p);
	}
	if (p->outcome == OUT_INFRA)
		fold_all(p, OUT_INFRA, p->detail);
	if (++p->run_index < p->vm_runs && p->outcome != OUT_INFRA && !interrupted) {
		p->attempt = 1;
		p->attempts++;
		return !start_pair(o, p);
	}
	return false;
}

/* Start queued pairs while fewer than -j run. */
static void start_what_fits(struct run_opts *o, struct sched *sc)
{
	while (sc->running < o->jobs && next_queued(o) >= 0 && !interrupted) {
		struct pair *p = &o->pairs[next_queued(o)];

		p->queued = false;
		p->attempt = 1;
		p->attempts++;
		if (start_pair(o, p)) {
			p->duration = 0;
			fold_all(p, p->outcome, p->detail);
			pair_done(o, p, sc);
			continue;
		}
		sc->running++;
	}
}

/*
 * A VM whose init has not said BOOT by the boot deadline: its kernel hangs
 * before init (init runs ~2 s after QEMU starts under TCG here), and the
 * case's whole timeout would only prove it later.  The channel is read
 * once, at the deadline; true when the VM is to be killed.
 */
static bool boot_overdue(struct run_opts *o, struct pair *p, double now)
{
	if (p->kernel->kind == KERNEL_HOST || !o->boot_deadline || !p->boot_by ||
	    now < p->boot_by)
		return false;
	p->boot_by = 0;		/* asked once per attempt */
	if (channel_booted(p->channel, p->marker))
		return false;
	p->boot_late = p->boot_limit;
	return true;
}

/* Kill every pair past its deadline; it is reaped as timed out. */
static void enforce_deadlines(struct run_opts *o, double now)
{
	for (int i = 0; i < o->npairs; i++) {
		struct pair *p = &o->pairs[i];

		if (p->target.pid > 0 && !p->timed_out &&
		    (now > p->deadline || boot_overdue(o, p, now))) {
			p->timed_out = true;
			target_kill(&p->target);
		}
	}
}

/* Reap one child, or wait until a slot frees or a deadline passes. */
static void reap_or_wait(struct run_opts *o, struct sched *sc)
{
	for (;;) {
		int status;
		struct rusage ru;
		pid_t pid = wait4(-1, &status, WNOHANG, &ru);
		double now = now_monotonic();
		struct pair *p = pid > 0 ? pair_of_pid(o, pid) : NULL;

		if (p) {
			if (ru.ru_maxrss > p->peak_rss_kb)
				p->peak_rss_kb = ru.ru_maxrss;
			p->vm_s = now - p->vm_started;
			p->duration += now - p->started;
			if (!pair_ended(o, p, status)) {
				sc->running--;
				pair_done(o, p, sc);
			}
			return;
		}
		if (pid > 0)
			continue;
		enforce_deadlines(o, now);
		if (interrupted || !sc->running ||
		    (next_queued(o) >= 0 && sc->running < o->jobs))
			return;
		/* A restored VM is over in 0.5 s: 20 ms here was 3 % of it. */
		usleep(5000);
	}
}

/* Leave nothing behind: no VM, no namespace, no temp tree. */
static void stop_everything(struct run_opts *o)
{
	for (int i = 0; i < o->npairs; i++) {
		struct pair *p = &o->pairs[i];

		if (p->target.pid > 0) {
			pid_t pid = p->target.pid;

			/* Reaped and finished here, so its files are settled. */
			target_kill(&p->target);
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
			p->target.pid = 0;
			if (p->target.ktap_tmp)
				unlink(p->target.ktap_tmp);
			target_free(&p->target);
		}
		if (!p->done) {
			p->outcome = OUT_INFRA;
			set_detail(p, xstrdup("interrupted"));
			fold_all(p, OUT_INFRA, "interrupted");
			settle(p);
		}
	}
	fprintf(stderr, "%s: interrupted; partial results in %s\n", progname, o->outdir);
}

static const struct race_count *baseline_count(struct run_opts *o, const char *kase,
					       const char *sub)
{
	for (int i = 0; i < o->nbaseline; i++)
		if (!strcmp(o->baseline[i].kase, kase) && !strcmp(o->baseline[i].sub, sub))
			return &o->baseline[i];
	return NULL;
}

/*
 * The races' stopping rules, "NAME:WORD,...;..." (docs/ktap-stats.md):
 * a protection stops at its first failure or once its failure rate is
 * bounded at the level; a hazard once its rate is known to the precision,
 * or bounded at the level while it has not hit, or - against a baseline -
 * once it differs from it (and, unless strict, at its first hit: both
 * reproduce, so only a rate could still change, which only --strict
 * fails on).  -n asks for exactly that many rounds: no rules then.
 */
static char *stop_rules(struct run_opts *o, struct pair *p)
{
	struct buf b = { 0 };

	if (!p->kase->budget_rounds || o->runs_given || o->level <= 0)
		return NULL;
	for (int i = 0; i < p->kase->nsubs; i++) {
		const struct subtest_decl *s = &p->kase->subs[i];
		const struct race_count *base = baseline_count(o, p->kase->name, s->name);

		bool hazard = kind_is_hazard(s->kind);

		buf_printf(&b, "%s%s:bound=%g", i ? ";" : "", s->name, o->level);
		if (hazard && base)
			buf_printf(&b, ",base=%ld/%ld", base->k, base->n);
		if (!hazard || (base && !o->strict))
			buf_printf(&b, ",first");
		else
			buf_printf(&b, ",half=%g", o->precision);
	}
	return b.data;
}

/*
 * -n is runs per subtest: the rounds of a racy case's races in one run,
 * or that many runs of a case without a budget.  --repeat runs every
 * pair again on top.
 */
static void plan_pair(struct run_opts *o, struct pair *p)
{
	struct case_decl *c = p->kase;

	p->queued = true;
	p->expect_s = expected_duration(o, p);
	p->up_boot = p->up_go = p->up_begin = p->up_end = -1;
	p->timeout = c->timeout;
	p->kvm = o->kvm;
	p->accel_reason = xstrdup(p->kernel->kind == KERNEL_HOST ? "host mode" :
				  o->accel_reason ? o->accel_reason : "");
	p->vm_runs = (c->budget_rounds ? 1 : o->runs) * o->repeat;
	if (c->budget_rounds) {
		p->rounds = o->runs_given ? o->runs : c->budget_rounds;
		p->seconds = o->seconds ? o->seconds : c->budget_seconds;
		if (p->seconds > c->budget_seconds)
			p->timeout += (p->seconds - c->budget_seconds) * c->nsubs;
		p->stop = stop_rules(o, p);
	}
}

int run_prepare(struct run_opts *o, char **why)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	for (int i = 0; i < o->npairs; i++)
		plan_pair(o, &o->pairs[i]);
	for (int i = 0; i < o->nkernels; i++) {
		char *d = xasprintf("%s/%s", o->outdir, o->kernels[i].label);
		int ret = mkdir_p(d, 0755);

		if (ret) {
			*why = xasprintf("cannot create %s: %s", d, strerror(-ret));
			free(d);
			return -1;
		}
		free(d);
	}
	return 0;
}

void run_requeue(struct pair *p)
{
	p->queued = true;
	p->done = false;
	p->vm_runs++;
}

int run_pairs(struct run_opts *o)
{
	struct sched sc = { 0 };

	for (int i = 0; i < o->npairs; i++)
		sc.total += o->pairs[i].queued;
	while ((next_queued(o) >= 0 || sc.running) && !interrupted) {
		start_what_fits(o, &sc);
		reap_or_wait(o, &sc);
	}
	if (interrupted)
		stop_everything(o);
	return interrupted;
}

int run_exit_code(const struct run_opts *o, int signal)
{
	bool any_fail = false, any_infra = false;

	if (signal)
		return 128 + signal;
	for (int i = 0; i < o->npairs; i++) {
		enum outcome out = o->pairs[i].outcome;

		any_fail |= out == OUT_FAIL || out == OUT_ERROR || out == OUT_CRASH ||
			    out == OUT_TIMEOUT;
		any_infra |= out == OUT_INFRA;
	}
	return any_fail ? EXIT_FAILED : any_infra ? EXIT_INFRA : EXIT_OK;
}
