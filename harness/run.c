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
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "initramfs.h"
#include "classify.h"
#include "ktap.h"
#include "qemu.h"
#include "run.h"
#include "cli.h"
#include "evidence.h"
#include "wire.h"

static volatile sig_atomic_t interrupted;

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

static void free_attempt_paths(struct pair *p)
{
	free(p->console);
	free(p->channel);
	free(p->ktap);
	free(p->ktap_tmp);
	p->console = p->channel = p->ktap = p->ktap_tmp = NULL;
}

/* The guest init's knobs: racy budget and negative-control mode. */
static char *run_params(struct run_opts *o, struct pair *p)
{
	struct buf b = { 0 };

	if (p->rounds)
		buf_printf(&b, WIRE_CMDLINE_ROUNDS "%d " WIRE_CMDLINE_SECONDS "%d", p->rounds,
			   p->seconds);
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
	struct image_spec spec = {
		.init = init, .busybox = o->busybox, .case_name = p->kase->name,
		.binary = binary, .args = args, .kernel = p->kernel,
		.modules = p->kase->modules, .nmodules = p->kase->nmodules,
		.tools = p->kase->tools, .ntools = p->kase->ntools,
	};
	int built;

	if (!p->initrd) {
		p->initrd = initramfs_get(&spec, o->cache, &built, &err);
		p->image_built = built;
		if (!p->initrd) {
			p->outcome = OUT_INFRA;
			set_detail(p, err);
		}
	}
	free(args);
	free(binary);
	free(init);
	return p->initrd ? 0 : -1;
}

/* The VM of this attempt: a fresh marker and paths; params is malloc'd. */
static void pair_vm_opts(struct run_opts *o, struct pair *p, struct vm_opts *vo)
{
	random_hex(p->marker, 16);
	free_attempt_paths(p);
	p->console = pair_path(o, p, "console.log");
	p->channel = pair_path(o, p, "chan.log");
	p->ktap = pair_path(o, p, "ktap");
	*vo = (struct vm_opts){
		.qemu = o->qemu, .image = p->kernel->image, .initrd = p->initrd,
		.marker = p->marker, .console = p->console, .channel = p->channel,
		.memory_mb = p->kase->memory_mb, .kvm = p->kvm, .params = run_params(o, p),
	};
}

static int start_vm(struct run_opts *o, struct pair *p)
{
	struct vm_opts vo;

	if (pair_image(o, p))
		return -1;
	pair_vm_opts(o, p, &vo);
	unlink(p->console);
	unlink(p->channel);
	p->pid = vm_start(&vo);
	free((char *)vo.params);
	if (p->pid < 0) {
		p->outcome = OUT_INFRA;
		set_detail(p, xasprintf("cannot start %s: %s", o->qemu, strerror(-p->pid)));
		return -1;
	}
	return 0;
}

/* A word as the shell reads it back: quoted unless plainly safe. */
static void print_shell_word(const char *w)
{
	if (*w && strspn(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789-_=+/.,:@%") == strlen(w)) {
		fputs(w, stdout);
		return;
	}
	putchar('\'');
	for (; *w; w++)
		if (*w == '\'')
			fputs("'\\''", stdout);
		else
			putchar(*w);
	putchar('\'');
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
		p->kvm = o->kvm;
		if (pair_image(o, p)) {
			warnx_("cannot build the guest image of %s %s: %s", p->kernel->spec,
			       p->kase->name, p->detail);
			rc = EXIT_INFRA;
			continue;
		}
		pair_vm_opts(o, p, &vo);
		argv = qemu_argv(&vo);
		for (char **a = argv; *a; a++) {
			if (a != argv)
				putchar(' ');
			print_shell_word(*a);
		}
		putchar('\n');
		qemu_argv_free(argv);
		free((char *)vo.params);
	}
	return rc;
}

#define ISOLATION_LINE "# krepro: cannot isolate: "

/* In the sandbox's child: name the step that failed, then give up. */
static void __attribute__((noreturn)) isolation_failed(const char *step, int err,
							const char *hint)
{
	printf(ISOLATION_LINE "%s: %s%s%s\n", step, strerror(err), hint ? "; " : "",
	       hint ? hint : "");
	fflush(stdout);
	_exit(WIRE_ISOLATION_FAILED);
}

/* "cannot isolate CASE on the host: STEP: ERRNO[; HINT]" from the child's line. */
static char *isolation_failure(const struct pair *p, const char *text)
{
	const char *line = text ? strstr(text, ISOLATION_LINE) : NULL;

	if (!line)
		return xasprintf("cannot isolate %s on the host", p->kase->name);
	line += strlen(ISOLATION_LINE);
	return xasprintf("cannot isolate %s on the host: %.*s", p->kase->name,
			 (int)strcspn(line, "\n"), line);
}

/* The live kernel's taint now, -1 when it cannot be read. */
static long host_taint(void)
{
	FILE *t = fopen("/proc/sys/kernel/tainted", "r");
	long taint = -1;

	if (t) {
		if (fscanf(t, "%ld", &taint) != 1)
			taint = -1;
		fclose(t);
	}
	return taint;
}

/*
 * In the namespace's init (pid 1 of the new PID namespace): /proc for
 * it, the private /tmp as working directory and TMPDIR, the budget and
 * negative knobs, then the reproducer.  Never returns.
 */
static void __attribute__((noreturn))
sandbox_exec(struct run_opts *o, struct pair *p, int exe, char *binary)
{
	char *argv[2 * 64 + 2];
	int a = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (mount("proc", "/proc", "proc", 0, NULL))
		isolation_failed("mount /proc for the new PID namespace", errno, NULL);
	if (chdir("/tmp"))
		isolation_failed("enter the private /tmp", errno, NULL);
	setenv("TMPDIR", "/tmp", 1);
	if (p->rounds) {
		char v[32];

		snprintf(v, sizeof(v), "%d", p->rounds);
		setenv(WIRE_ENV_ROUNDS, v, 1);
		snprintf(v, sizeof(v), "%d", p->seconds);
		setenv(WIRE_ENV_SECONDS, v, 1);
	}
	if (o->negative)
		setenv(WIRE_ENV_NEGATIVE, "1", 1);
	argv[a++] = binary;
	for (int i = 0; i < p->nonly && i < 64; i++) {
		argv[a++] = "-t";
		argv[a++] = (char *)harness_test_name(p->only[i]);
	}
	argv[a] = NULL;
	syscall(SYS_execveat, exe, "", argv, environ, AT_EMPTY_PATH);
	isolation_failed("execute the reproducer", errno, NULL);
}

/*
 * The forked sandbox: its own process group, output to the KTAP file,
 * new mount and PID namespaces with / private and a tmpfs on /tmp (so
 * nothing of the case ever exists on the host, not even after a SIGKILL
 * of krepro itself), then the namespace's init.  Exits with its status.
 */
static void __attribute__((noreturn))
sandbox(struct run_opts *o, struct pair *p, int out, char *binary)
{
	/* Opened before /tmp is covered: the project may live there. */
	int exe = open(binary, O_PATH | O_CLOEXEC), status;
	pid_t init;

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	dup2(out, 1);
	dup2(out, 2);
	if (unshare(CLONE_NEWNS | CLONE_NEWPID))
		isolation_failed("unshare a mount and PID namespace", errno, NULL);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		isolation_failed("make / private (mount --make-rprivate /)", errno,
				 errno == EINVAL ? "/ is not a mount point (a chroot?); "
				 "bind the root onto itself first: mount --bind DIR DIR, "
				 "then chroot DIR" : NULL);
	if (mount("krepro", "/tmp", "tmpfs", 0, "mode=1777"))
		isolation_failed("mount a private tmpfs on /tmp", errno, NULL);
	init = fork();
	if (init < 0)
		isolation_failed("fork the namespace's init", errno, NULL);
	if (init == 0)
		sandbox_exec(o, p, exe, binary);
	while (waitpid(init, &status, 0) < 0 && errno == EINTR)
		;
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

static int start_host(struct run_opts *o, struct pair *p)
{
	char *binary = xasprintf("%s/build/repro/%s", o->root, p->kase->binary);
	int out;

	p->ktap = pair_path(o, p, "ktap");
	p->ktap_tmp = xasprintf("%s.tmp", p->ktap);
	out = open(p->ktap_tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		p->outcome = OUT_INFRA;
		set_detail(p, xasprintf("cannot write %s: %s", p->ktap_tmp, strerror(errno)));
		free(binary);
		return -1;
	}
	p->taint_before = host_taint();
	p->pid = fork();
	if (p->pid == 0)
		sandbox(o, p, out, binary);
	close(out);
	free(binary);
	if (p->pid < 0) {
		p->outcome = OUT_INFRA;
		set_detail(p, xasprintf("cannot fork: %s", strerror(errno)));
		return -1;
	}
	return 0;
}
static void finish_host(struct pair *p, int status)
{
	char *text;
	struct utsname u;
	int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);

	if (rename(p->ktap_tmp, p->ktap))
		unlink(p->ktap_tmp);
	text = read_file(p->ktap, NULL);
	p->taint_after = host_taint();
	if (!uname(&u)) {
		free(p->uname);
		p->uname = xstrdup(u.release);
		free(p->version);
		p->version = xasprintf("%s %s %s", u.sysname, u.release, u.version);
	}
	if (rc == WIRE_ISOLATION_FAILED && !p->timed_out) {
		p->outcome = OUT_INFRA;
		set_detail(p, isolation_failure(p, text));
	} else {
		classify_host(p, text ? text : "", rc, p->timed_out);
	}
	free(text);
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

/* False when the attempt does not count: KVM failed, run it again. */
static bool finish_vm(struct run_opts *o, struct pair *p)
{
	size_t n;
	char *chan = read_file(p->channel, &n), *console = read_file(p->console, NULL);
	struct guest_report g;

	channel_parse(chan ? chan : "", p->marker, &g);
	if (kvm_failed(o, p, &g)) {
		guest_report_free(&g);
		free(chan);
		free(console);
		return false;
	}
	classify_vm(p, &g, console ? console : "", p->timed_out);
	if (p->outcome != OUT_INFRA)
		write_file_atomic(p->ktap, g.ktap, strlen(g.ktap));
	guest_report_free(&g);
	free(chan);
	free(console);
	return true;
}

/* ---- output ---- */

static void progress(struct run_opts *o, struct pair *p, int finished, int total)
{
	fprintf(stderr, "[%*d/%d] %-40s %-16s %-8s %5.1fs%s%s\n",
		total >= 10 ? 2 : 1, finished, total, p->kernel->spec, p->kase->name,
		outcome_name(p->outcome), p->duration,
		p->detail ? "  " : "", p->detail ? p->detail : "");
}

/* ---- the scheduler ---- */

static void kill_pair(struct pair *p)
{
	if (p->pid > 0) {
		kill(-p->pid, SIGKILL);
		kill(p->pid, SIGKILL);
	}
}

static int start_pair(struct run_opts *o, struct pair *p)
{
	int ret;

	p->timed_out = false;
	p->started = now_monotonic();
	p->deadline = p->started + p->timeout;
	free_attempt_paths(p);
	if (p->kernel->kind == KERNEL_HOST)
		ret = start_host(o, p);
	else
		ret = start_vm(o, p);
	if (ret)
		p->pid = 0;
	return ret;
}

static int next_queued(struct run_opts *o)
{
	for (int i = 0; i < o->npairs; i++)
		if (o->pairs[i].queued)
			return i;
	return -1;
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
		if (o->pairs[i].pid == pid)
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
	progress(o, p, ++sc->finished, sc->total);
}

/*
 * A run of p ended (its process was reaped).  Returns true when p goes
 * on - a KVM retry, an infrastructure retry or its next run started - and
 * false when it is done (or could not be started again).
 */
static bool pair_ended(struct run_opts *o, struct pair *p, int status)
{
	if (p->kernel->kind == KERNEL_HOST)
		finish_host(p, status);
	else if (!finish_vm(o, p) && !interrupted)
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

/* Kill every pair past its deadline; it is reaped as timed out. */
static void enforce_deadlines(struct run_opts *o, double now)
{
	for (int i = 0; i < o->npairs; i++) {
		struct pair *p = &o->pairs[i];

		if (p->pid > 0 && now > p->deadline && !p->timed_out) {
			p->timed_out = true;
			kill_pair(p);
		}
	}
}

/* Reap one child, or wait until a slot frees or a deadline passes. */
static void reap_or_wait(struct run_opts *o, struct sched *sc)
{
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		double now = now_monotonic();
		struct pair *p = pid > 0 ? pair_of_pid(o, pid) : NULL;

		if (p) {
			p->pid = 0;
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
		usleep(20000);
	}
}

/* Leave nothing behind: no VM, no namespace, no temp tree. */
static void stop_everything(struct run_opts *o)
{
	for (int i = 0; i < o->npairs; i++) {
		struct pair *p = &o->pairs[i];

		if (p->pid > 0) {
			kill_pair(p);
			while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
				;
			p->pid = 0;
		}
		if (p->ktap_tmp)
			unlink(p->ktap_tmp);
		if (!p->done) {
			p->outcome = OUT_INFRA;
			set_detail(p, xstrdup("interrupted"));
			fold_all(p, OUT_INFRA, "interrupted");
			settle(p);
		}
	}
	fprintf(stderr, "%s: interrupted; partial results in %s\n", progname, o->outdir);
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
