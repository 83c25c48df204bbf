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
#include "json.h"
#include "compare.h"
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


static struct sub_result *sub_get(struct pair *p, const char *name)
{
	int i;

	for (i = 0; i < p->nsubs; i++)
		if (!strcmp(p->subs[i].name, name))
			return &p->subs[i];
	return NULL;
}

static void sub_add_stats(struct sub_result *s, const struct ktap_stats *st)
{
	int i, j;

	s->racy = true;
	s->k += st->k;
	s->n += st->n;
	s->elapsed_s += st->elapsed_s;
	s->first_hit_s = xrealloc(s->first_hit_s, sizeof(double) * (s->nfirst + 1));
	s->first_hit_s[s->nfirst++] = st->first_hit_s;
	s->budget_rounds = st->budget_rounds;
	s->budget_s = st->budget_s;
	for (i = 0; i < st->ncounts; i++) {
		for (j = 0; j < s->ncounts; j++)
			if (!strcmp(s->count_names[j], st->count_names[i]))
				break;
		if (j == s->ncounts) {
			s->count_names = xrealloc(s->count_names, sizeof(char *) * (j + 1));
			s->counts = xrealloc(s->counts, sizeof(long) * (j + 1));
			s->count_names[j] = xstrdup(st->count_names[i]);
			s->counts[j] = 0;
			s->ncounts++;
		}
		s->counts[j] += st->counts[i];
	}
}

/*
 * Fold one run's result for a subtest.  k counts hits - reproductions for
 * hazards and behaviours, failures otherwise - over n: runs, or for a racy
 * subtest the rounds its statistics line reports.
 */
static void sub_fold(struct sub_result *s, enum outcome o, const char *reason,
		     const char *diag, const struct ktap_stats *st)
{
	if (o == OUT_PASS || o == OUT_FAIL) {
		bool hit = kind_is_hazard(s->kind) ? o == OUT_PASS : o == OUT_FAIL;

		s->runs++;
		s->runs_hit += hit;
		if (st) {
			sub_add_stats(s, st);
		} else {
			s->n++;
			s->k += hit;
		}
	}
	s->outcome = outcome_fold(s->outcome, o, s->kind, s->runs_hit);
	if (reason && *reason) {
		free(s->reason);
		s->reason = xstrdup(reason);
	}
	if (diag) {
		free(s->diag);
		s->diag = xstrdup(diag);
	}
}

static void fold_all(struct pair *p, enum outcome o, const char *reason)
{
	int i;

	for (i = 0; i < p->nsubs; i++)
		sub_fold(&p->subs[i], o, reason, NULL, NULL);
}

/* The declared subtest a KTAP test line names, or NULL. */
static struct sub_result *sub_of_test(struct pair *p, const struct ktap_test *t)
{
	for (int i = 0; i < p->nsubs; i++)
		if (!strcmp(p->subs[i].name, t->name) || !strcmp(p->subs[i].name, t->full))
			return &p->subs[i];
	return NULL;
}

/* One reported subtest's outcome, from its result line and diagnostics. */
static void fold_test(struct sub_result *s, const struct ktap_test *t)
{
	struct ktap_stats st;
	char *why = ktap_setup_failed(t->diag);
	int ret;

	if (why) {
		char *reason = xasprintf("set-up failed: %s", why);

		sub_fold(s, OUT_ERROR, reason, t->diag, NULL);
		free(reason);
		free(why);
		return;
	}
	ret = ktap_stats_parse(t->diag, &st, &why);
	if (ret == -EINVAL) {
		sub_fold(s, OUT_ERROR, why, t->diag, NULL);
		free(why);
		return;
	}
	switch (t->result) {
	case KTAP_OK:
		sub_fold(s, OUT_PASS, t->reason, t->diag, ret ? NULL : &st);
		break;
	case KTAP_NOT_OK:
	case KTAP_XFAIL:
		sub_fold(s, OUT_FAIL, t->reason, t->diag, ret ? NULL : &st);
		break;
	case KTAP_SKIP:
		sub_fold(s, OUT_SKIP, t->reason, t->diag, NULL);
		break;
	}
	if (!ret)
		ktap_stats_free(&st);
}

/*
 * A mitigation that held counts only when the same run showed the danger
 * it guards against: its guard hazard reproduced, or (guards: within) its
 * own unprotected twin said so.  Returns why it does not count, or NULL.
 */
static char *danger_unshown(struct pair *p, struct ktap *k,
			    const struct sub_result *s, const struct ktap_test *t)
{
	const struct subtest_decl *d = subtest_find(p->kase, s->name);
	const struct ktap_test *g;
	char *failed;

	if (!d || d->kind != KIND_MITIGATION || t->result != KTAP_OK)
		return NULL;
	if (d->guard_within)
		return strstr(t->diag, "# " WIRE_DANGER_SHOWN_TAG) ? NULL :
			xstrdup("danger not shown: its unprotected twin came to no harm in this run");
	g = ktap_find(k, d->guard);
	if (!g)
		return xasprintf("danger not shown: %s did not run", d->guard);
	failed = ktap_setup_failed(g->diag);
	if (g->result == KTAP_OK && !failed)
		return NULL;
	free(failed);
	return xasprintf("danger not shown: %s was not reproduced in this run", d->guard);
}

/*
 * Per-subtest outcomes from the reproducer's KTAP.  stopped is OUT_COUNT
 * when the case ran to its end: a subtest without a result line is then
 * an error.  Otherwise the case was stopped (crash, timeout, VM gone):
 * the subtest that was running gets stopped with why, the ones that never
 * started are not-run, and the ones that reported keep their results.
 */
static void fold_ktap(struct pair *p, const char *text, int rc, enum outcome stopped,
		      const char *why)
{
	struct ktap k;
	int i;

	ktap_parse(text, &k);
	for (i = 0; i < p->nsubs; i++) {
		struct sub_result *s = &p->subs[i];
		struct ktap_test *t;
		char *why_unshown;

		if (!s->declared)
			continue;
		t = ktap_find(&k, s->name);
		if (t && (why_unshown = danger_unshown(p, &k, s, t))) {
			sub_fold(s, OUT_UNSHOWN, why_unshown, t->diag, NULL);
			free(why_unshown);
		} else if (t) {
			fold_test(s, t);
		} else if (stopped == OUT_COUNT) {
			char *none = xasprintf("no result line for %s (exit status %d)",
					       s->name, rc);

			sub_fold(s, OUT_ERROR, none, NULL, NULL);
			free(none);
		} else if (!k.running || !strcmp(s->name, k.running)) {
			/* Running when it stopped (or nothing names one). */
			sub_fold(s, stopped, why, NULL, NULL);
		} else {
			sub_fold(s, OUT_NOTRUN, "the case stopped before it started", NULL, NULL);
		}
	}
	/* A test the declaration does not name: the declaration is stale. */
	for (i = 0; i < k.n; i++) {
		struct sub_result *s;

		if (p->only || sub_of_test(p, &k.tests[i]))
			continue;
		p->subs = xrealloc(p->subs, sizeof(*p->subs) * (p->nsubs + 1));
		s = &p->subs[p->nsubs++];
		memset(s, 0, sizeof(*s));
		s->name = xstrdup(k.tests[i].name);
		s->kind = KIND_REGRESSION;
		s->outcome = OUT_COUNT;
		sub_fold(s, OUT_ERROR, "not declared in the case file", k.tests[i].diag, NULL);
	}
	ktap_free(&k);
}

static void set_detail(struct pair *p, char *detail)
{
	free(p->detail);
	p->detail = detail;
}

/* The console's last non-empty line, for a one-line reason. */
static char *last_line(const char *console)
{
	const char *end = console + strlen(console), *start;

	while (end > console && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		end--;
	start = end;
	while (start > console && start[-1] != '\n')
		start--;
	return strndup(start, end - start);
}

/*
 * The subtest that was running when the taint first gained a crash flag:
 * the last one to report before that TAINT frame (NULL: none reported).
 */
static struct sub_result *taint_culprit(struct pair *p, const struct guest_report *g)
{
	struct sub_result *s = NULL;
	size_t upto = strlen(g->ktap);
	struct ktap k;
	char *prefix;

	for (int i = 0; i < g->ntaints; i++)
		if (taint_crashed(g->taint_begin, g->taints[i].taint)) {
			upto = g->taints[i].ktap_offset;
			break;
		}
	prefix = strndup(g->ktap, upto);
	ktap_parse(prefix, &k);
	if (k.n)
		s = sub_of_test(p, &k.tests[k.n - 1]);
	ktap_free(&k);
	free(prefix);
	return s;
}

static void set_crash(struct pair *p, char *detail, char *excerpt)
{
	p->outcome = OUT_CRASH;
	set_detail(p, detail);
	free(p->excerpt);
	p->excerpt = excerpt ? excerpt : xstrdup("");
}

/* The VM never reached the case: infrastructure, whatever the reason. */
static void classify_no_case(struct pair *p, const struct guest_report *g,
			     const char *console, bool timed_out)
{
	char *excerpt = console_crash_excerpt(console, 40);
	char *last = last_line(console);

	p->outcome = OUT_INFRA;
	set_detail(p, xasprintf("kernel %s did not boot to the case%s%s%s%s",
				p->kernel->spec,
				timed_out ? " (timed out)" :
				g->booted ? " (init ran, no BEGIN)" : "",
				excerpt ? ": crashed during boot" : "",
				*last ? "; console: " : "", last));
	free(last);
	free(p->excerpt);
	p->excerpt = excerpt;
}

/*
 * Crash evidence is the kernel's own: a panic that stopped the VM, or a
 * crash flag (D, W, L, B, M) added to the taint while the case ran.  What
 * the console says otherwise - a user program's fault report, text a test
 * wrote to /dev/kmsg - is never a crash.
 */
void classify_vm(struct pair *p, const struct guest_report *g,
		 const char *console, bool timed_out)
{
	if (g->uname && *g->uname) {
		free(p->uname);
		p->uname = xstrdup(g->uname);
		free(p->version);
		p->version = xstrdup(g->version);
	}
	if (!g->begun) {
		classify_no_case(p, g, console, timed_out);
		return;
	}
	p->taint_before = g->taint_begin;
	p->taint_after = g->taint_end;
	if (!g->ended && !timed_out && console_has_panic(console)) {
		set_crash(p, xasprintf("kernel panic while %s ran", p->kase->name),
			  console_crash_excerpt(console, 40));
		fold_ktap(p, g->ktap, -1, OUT_CRASH, p->detail);
		return;
	}
	if (!g->ended) {
		p->outcome = timed_out ? OUT_TIMEOUT : OUT_ERROR;
		set_detail(p, timed_out ? xasprintf("%s did not finish within %d s",
						    p->kase->name, p->timeout)
					: xasprintf("the VM stopped before %s ended",
						    p->kase->name));
		fold_ktap(p, g->ktap, -1, p->outcome, p->detail);
		return;
	}
	p->outcome = OUT_PASS;
	fold_ktap(p, g->ktap, g->rc, OUT_COUNT, NULL);
	if (taint_crashed(g->taint_begin, g->taint_end)) {
		struct sub_result *culprit = taint_culprit(p, g);
		char *flags = taint_gained(g->taint_begin, g->taint_end);

		set_crash(p, xasprintf("kernel taint %s gained while %s ran%s%s", flags,
				       p->kase->name, culprit ? " subtest " : "",
				       culprit ? culprit->name : ""),
			  console_crash_excerpt(console, 40));
		if (culprit)
			sub_fold(culprit, OUT_CRASH, p->detail, NULL, NULL);
		else
			fold_all(p, OUT_CRASH, p->detail);
		free(flags);
		return;
	}
	if (*g->module_errors)
		set_detail(p, xasprintf("module load: %s", rtrim(g->module_errors)));
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

/*
 * Host mode: the reproducer runs as PID 1 of a new PID namespace with a
 * private mount namespace and a private tmpfs as TMPDIR, so killing it
 * kills everything it started and its mounts vanish with it.
 */
static int start_host(struct run_opts *o, struct pair *p)
{
	/* The case's /tmp: a tmpfs mounted over /tmp inside its own mount
	 * namespace, so nothing of it ever exists on the host, not even
	 * after a SIGKILL of krepro itself. */
	const char *tmpl = "/tmp";
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
	{
		FILE *t = fopen("/proc/sys/kernel/tainted", "r");

		p->taint_before = -1;
		if (t) {
			if (fscanf(t, "%ld", &p->taint_before) != 1)
				p->taint_before = -1;
			fclose(t);
		}
	}
	p->pid = fork();
	if (p->pid < 0) {
		p->outcome = OUT_INFRA;
		set_detail(p, xasprintf("cannot fork: %s", strerror(errno)));
		close(out);
		free(binary);
		return -1;
	}
	if (p->pid == 0) {
		char *argv[2 * 64 + 2];
		int a = 0, i, status;
		/* Opened before /tmp is covered: the project may live there. */
		int exe = open(binary, O_PATH | O_CLOEXEC);
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
		if (mount("krepro", tmpl, "tmpfs", 0, "mode=1777"))
			isolation_failed("mount a private tmpfs on /tmp", errno, NULL);
		init = fork();
		if (init < 0)
			isolation_failed("fork the namespace's init", errno, NULL);
		if (init == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (mount("proc", "/proc", "proc", 0, NULL))
				isolation_failed("mount /proc for the new PID namespace", errno, NULL);
			if (chdir(tmpl))
				isolation_failed("enter the private /tmp", errno, NULL);
			setenv("TMPDIR", tmpl, 1);
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
			for (i = 0; i < p->nonly && i < 64; i++) {
				argv[a++] = "-t";
				argv[a++] = (char *)harness_test_name(p->only[i]);
			}
			argv[a] = NULL;
			syscall(SYS_execveat, exe, "", argv, environ, AT_EMPTY_PATH);
			isolation_failed("execute the reproducer", errno, NULL);
		}
		while (waitpid(init, &status, 0) < 0 && errno == EINTR)
			;
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	}
	close(out);
	free(binary);
	return 0;
}

static void finish_host(struct pair *p, int status)
{
	char *text;
	long taint = -1;
	FILE *t;
	int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);

	if (rename(p->ktap_tmp, p->ktap))
		unlink(p->ktap_tmp);
	text = read_file(p->ktap, NULL);
	t = fopen("/proc/sys/kernel/tainted", "r");
	if (t) {
		if (fscanf(t, "%ld", &taint) != 1)
			taint = -1;
		fclose(t);
	}
	p->taint_after = taint;
	{
		struct utsname u;

		if (!uname(&u)) {
			free(p->uname);
			p->uname = xstrdup(u.release);
			free(p->version);
			p->version = xasprintf("%s %s %s", u.sysname, u.release, u.version);
		}
	}
	if (p->timed_out) {
		p->outcome = OUT_TIMEOUT;
		set_detail(p, xasprintf("%s did not finish within %d s", p->kase->name,
					p->timeout));
		fold_ktap(p, text ? text : "", rc, OUT_TIMEOUT, p->detail);
	} else if (rc == WIRE_ISOLATION_FAILED) {
		p->outcome = OUT_INFRA;
		set_detail(p, isolation_failure(p, text));
	} else {
		p->outcome = OUT_PASS;
		fold_ktap(p, text ? text : "", rc, OUT_COUNT, NULL);
		if (taint_crashed(p->taint_before, taint)) {
			char *flags = taint_gained(p->taint_before, taint);

			/* The live host has no per-subtest taint frames. */
			set_crash(p, xasprintf("kernel taint %s gained while %s ran "
					       "(host mode cannot place it on one subtest)",
					       flags, p->kase->name), NULL);
			fold_all(p, OUT_CRASH, p->detail);
			free(flags);
		}
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

/*
 * The pair's outcome over all its runs: its worst subtest, where a hazard
 * that was not reproduced is no failure and skips count as passes.
 */
static void settle(struct pair *p)
{
	enum outcome worst = p->nsubs ? OUT_PASS : p->outcome;
	bool all_skip = p->nsubs > 0;

	for (int i = 0; i < p->nsubs; i++) {
		struct sub_result *s = &p->subs[i];

		if (s->outcome == OUT_COUNT)
			s->outcome = OUT_ERROR;
		if (s->outcome != OUT_SKIP)
			all_skip = false;
		if (s->outcome == OUT_FAIL && kind_is_hazard(s->kind))
			continue;
		if (!outcome_no_verdict(s->outcome))
			worst = outcome_worse(worst, s->outcome);
	}
	p->outcome = all_skip ? OUT_SKIP : worst;
}

/* ---- output ---- */

static void progress(struct run_opts *o, struct pair *p, int finished, int total)
{
	fprintf(stderr, "[%*d/%d] %-40s %-16s %-8s %5.1fs%s%s\n",
		total >= 10 ? 2 : 1, finished, total, p->kernel->spec, p->kase->name,
		outcome_name(p->outcome), p->duration,
		p->detail ? "  " : "", p->detail ? p->detail : "");
}

static char *cell(const struct sub_result *s)
{
	return outcome_cell(s->outcome, s->kind, s->k, s->n, s->racy);
}

/* The result of one subtest of a case on one kernel, or NULL. */
static struct sub_result *result_of(struct run_opts *o, int kernel,
				    const struct case_decl *c, const char *sub)
{
	struct sub_result *s = NULL;

	for (int q = 0; q < o->npairs; q++)
		if (o->pairs[q].kernel == &o->kernels[kernel] && o->pairs[q].kase == c)
			s = sub_get(&o->pairs[q], sub);
	return s;
}

/* A racy subtest's count of name from its statistics lines, -1: none. */
static long count_of(const struct sub_result *s, const char *name)
{
	for (int i = 0; s && i < s->ncounts; i++)
		if (!strcmp(s->count_names[i], name))
			return s->counts[i];
	return -1;
}

/* The first pair of each case, in run order: one table row set per case. */
static bool first_of_case(struct run_opts *o, int i)
{
	for (int j = 0; j < i; j++)
		if (o->pairs[j].kase == o->pairs[i].kase)
			return false;
	return true;
}

/* Print one row: its name, then each kernel's cell ("-": none). */
static void print_row(struct run_opts *o, const struct pair *p, const char *sub,
		      const char *name, int width, int colw, const char *count)
{
	printf("%-*s", width, name);
	for (int kk = 0; kk < o->nkernels; kk++) {
		const struct sub_result *s = result_of(o, kk, p->kase, sub);
		char *c = NULL;
		long v;

		if (s && !count)
			c = cell(s);
		else if (s && (v = count_of(s, count)) >= 0)
			c = xasprintf("%ld", v);
		printf("  %-*s", colw, c ? c : "-");
		free(c);
	}
	printf("\n");
}

/*
 * A racy subtest's other anomalies, each a row of its own under the
 * headline k: never hits, but a reader must see them.  Counters that
 * stayed 0 on every kernel are left out.
 */
static void print_counts(struct run_opts *o, const struct pair *p, const char *sub,
			 int width, int colw)
{
	for (int kk = 0; kk < o->nkernels; kk++) {
		const struct sub_result *s = result_of(o, kk, p->kase, sub);

		for (int c = 0; s && c < s->ncounts; c++) {
			const char *count = s->count_names[c];
			bool shown = false, nonzero = false;
			char *name;

			for (int e = 0; e < kk; e++)
				shown |= count_of(result_of(o, e, p->kase, sub), count) >= 0;
			for (int e = 0; e < o->nkernels; e++)
				nonzero |= count_of(result_of(o, e, p->kase, sub), count) > 0;
			if (shown || !nonzero)
				continue;
			name = xasprintf("  %s", count);
			print_row(o, p, sub, name, width, colw, count);
			free(name);
		}
	}
}

/* Widest name and widest cell, so every column lines up. */
static void table_widths(struct run_opts *o, int *width, int *colw)
{
	*width = 20;
	*colw = 12;
	for (int i = 0; i < o->nkernels; i++)
		if ((int)strlen(o->kernels[i].spec) > *colw)
			*colw = strlen(o->kernels[i].spec);
	for (int i = 0; i < o->npairs; i++)
		for (int j = 0; j < o->pairs[i].nsubs; j++) {
			const struct sub_result *s = &o->pairs[i].subs[j];
			int w = strlen(o->pairs[i].kase->name) + 1 + strlen(s->name);
			char *c = cell(s);

			if (w > *width)
				*width = w;
			if ((int)strlen(c) > *colw)
				*colw = strlen(c);
			free(c);
		}
}

static void print_table(struct run_opts *o)
{
	int width, colw;

	table_widths(o, &width, &colw);
	printf("\n%-*s", width, "case/subtest");
	for (int i = 0; i < o->nkernels; i++)
		printf("  %-*s", colw, o->kernels[i].spec);
	printf("\n");
	/* Rows in case order, then subtest order, from each case's first pair. */
	for (int i = 0; i < o->npairs; i++) {
		struct pair *p = &o->pairs[i];

		if (!first_of_case(o, i))
			continue;
		for (int j = 0; j < p->nsubs; j++) {
			const char *sub = p->subs[j].name;
			char *name = xasprintf("%s/%s", p->kase->name, sub);

			print_row(o, p, sub, name, width, colw, NULL);
			print_counts(o, p, sub, width, colw);
			free(name);
		}
	}
}

/* Why each subtest that broke broke: the table shows only the word. */
static void print_reasons(struct run_opts *o)
{
	bool header = false;

	for (int i = 0; i < o->npairs; i++)
		for (int j = 0; j < o->pairs[i].nsubs; j++) {
			const struct sub_result *s = &o->pairs[i].subs[j];

			if (s->outcome != OUT_ERROR && s->outcome != OUT_CRASH &&
			    s->outcome != OUT_TIMEOUT && s->outcome != OUT_UNSHOWN)
				continue;
			if (!header)
				printf("\nwhy:\n");
			header = true;
			printf("  %s %s/%s: %s: %s\n", o->pairs[i].kernel->spec,
			       o->pairs[i].kase->name, s->name, outcome_name(s->outcome),
			       s->reason ? s->reason : o->pairs[i].detail ?
			       o->pairs[i].detail : "no reason given");
		}
}

static void iso_time(char *out, size_t n, time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static char *rel(struct run_opts *o, const char *path)
{
	size_t n = strlen(o->outdir);

	if (path && !strncmp(path, o->outdir, n) && path[n] == '/')
		return xstrdup(path + n + 1);
	return xstrdup(path ? path : "");
}

char *case_build_id(const char *root, const struct case_decl *c)
{
	char *bin = xasprintf("%s/build/repro/%s", root, c->binary);
	uint64_t h = 0xcbf29ce484222325ULL;
	char *decl = read_file(c->path, NULL);

	if (fnv1a_file(&h, bin))
		h = 0;
	if (decl)
		h = fnv1a(h, decl, strlen(decl));
	free(decl);
	free(bin);
	return xasprintf("%016llx", (unsigned long long)h);
}

/* A racy subtest's budget, first hits per run and breakdown counters. */
/* A mitigation's declared danger: "guards": HAZARD or "within". */
static void guard_json(struct buf *b, struct case_decl *c, const struct sub_result *s)
{
	const struct subtest_decl *d = subtest_find(c, s->name);

	if (d && d->kind == KIND_MITIGATION)
		json_kv_str(b, false, "guards", d->guard_within ? "within" : d->guard);
}

static void race_json(struct buf *b, const struct sub_result *s)
{
	int i;

	json_key(b, false, "race");
	buf_puts(b, "{");
	json_kv_int(b, true, "budget_rounds", s->budget_rounds);
	json_kv_num(b, false, "budget_s", s->budget_s);
	json_key(b, false, "first_hit_s");
	buf_puts(b, "[");
	for (i = 0; i < s->nfirst; i++) {
		if (i)
			buf_puts(b, ",");
		if (s->first_hit_s[i] < 0)
			buf_puts(b, "null");
		else
			buf_printf(b, "%.3f", s->first_hit_s[i]);
	}
	buf_puts(b, "]");
	json_key(b, false, "counts");
	buf_puts(b, "{");
	for (i = 0; i < s->ncounts; i++)
		json_kv_int(b, i == 0, s->count_names[i], s->counts[i]);
	buf_puts(b, "}}");
}

static int write_run_json(struct run_opts *o, time_t started, time_t finished,
			  bool was_interrupted)
{
	struct buf b = { 0 };
	char ts[32], *path;
	struct utsname u;
	int i, j, ret, nlisted;

	uname(&u);
	buf_puts(&b, "{");
	json_kv_str(&b, true, "schema", "krepro-run");
	json_kv_str(&b, false, "version", RUN_SCHEMA_VERSION);
	iso_time(ts, sizeof(ts), started);
	json_kv_str(&b, false, "started", ts);
	iso_time(ts, sizeof(ts), finished);
	json_kv_str(&b, false, "finished", ts);
	json_kv_bool(&b, false, "interrupted", was_interrupted);
	json_kv_int(&b, false, "runs", o->runs);
	json_kv_int(&b, false, "repeat", o->repeat);
	json_kv_bool(&b, false, "negative", o->negative);
	if (o->shard_n) {
		json_key(&b, false, "shard");
		buf_printf(&b, "{\"index\":%d,\"count\":%d}", o->shard_i, o->shard_n);
	}
	json_key(&b, false, "command");
	buf_puts(&b, "[");
	for (i = 0; i < o->argc; i++) {
		if (i)
			buf_puts(&b, ",");
		json_str(&b, o->argv[i]);
	}
	buf_puts(&b, "]");
	json_key(&b, false, "host");
	buf_puts(&b, "{");
	json_kv_str(&b, true, "uname_r", u.release);
	json_kv_str(&b, false, "arch", u.machine);
	json_kv_str(&b, false, "accel", o->kvm ? "kvm" : "tcg");
	json_kv_str(&b, false, "accel_reason", o->accel_reason ? o->accel_reason : "");
	buf_puts(&b, "}");

	json_key(&b, false, "kernels");
	buf_puts(&b, "[");
	for (i = 0, nlisted = 0; i < o->nkernels; i++) {
		struct kernel *k = &o->kernels[i];
		const char *uname_r = "", *version = "";
		bool has_pairs = false;

		for (j = 0; j < o->npairs; j++) {
			if (o->pairs[j].kernel != k)
				continue;
			has_pairs = true;
			if (o->pairs[j].uname) {
				uname_r = o->pairs[j].uname;
				version = o->pairs[j].version;
			}
		}
		/* A shard lists only the kernels it ran. */
		if (!has_pairs)
			continue;
		buf_puts(&b, nlisted++ ? ",{" : "{");
		json_kv_str(&b, true, "spec", k->spec);
		json_kv_str(&b, false, "label", k->label);
		json_kv_str(&b, false, "source", k->kind == KERNEL_HOST ? "host" :
			    k->kind == KERNEL_DEBIAN ? "debian" :
			    k->kind == KERNEL_FILE ? "file" : "build");
		json_kv_str(&b, false, "package_version", k->pkg_version);
		json_kv_str(&b, false, "release", k->release);
		json_kv_str(&b, false, "image_sha256", k->sha256);
		json_kv_str(&b, false, "uname_r", uname_r);
		json_kv_str(&b, false, "proc_version", version);
		json_kv_str(&b, false, "arch", u.machine);
		buf_puts(&b, "}");
	}
	buf_puts(&b, "]");

	json_key(&b, false, "results");
	buf_puts(&b, "[");
	for (i = 0; i < o->npairs; i++) {
		struct pair *p = &o->pairs[i];
		char *r;

		buf_puts(&b, i ? ",{" : "{");
		json_kv_str(&b, true, "kernel", p->kernel->spec);
		json_kv_str(&b, false, "case", p->kase->name);
		r = case_build_id(o->root, p->kase);
		json_kv_str(&b, false, "case_build", r);
		free(r);
		json_kv_str(&b, false, "outcome", outcome_name(p->outcome));
		json_kv_str(&b, false, "detail", p->detail);
		json_kv_num(&b, false, "duration_s", p->duration);
		json_kv_int(&b, false, "attempts", p->attempts);
		json_kv_str(&b, false, "accel", p->kernel->kind == KERNEL_HOST ? "none" :
			    p->kvm ? "kvm" : "tcg");
		json_kv_str(&b, false, "accel_reason", p->accel_reason);
		json_kv_int(&b, false, "taint_before", p->taint_before);
		json_kv_int(&b, false, "taint_after", p->taint_after);
		r = rel(o, p->ktap);
		json_kv_str(&b, false, "ktap", r);
		free(r);
		r = rel(o, p->console);
		json_kv_str(&b, false, "console", r);
		free(r);
		json_kv_str(&b, false, "excerpt", p->excerpt);
		json_kv_str(&b, false, "image", p->initrd);
		json_kv_bool(&b, false, "image_built", p->image_built);
		json_key(&b, false, "subtests");
		buf_puts(&b, "[");
		for (j = 0; j < p->nsubs; j++) {
			struct sub_result *s = &p->subs[j];

			buf_puts(&b, j ? ",{" : "{");
			json_kv_str(&b, true, "name", s->name);
			json_kv_str(&b, false, "kind", kind_name(s->kind));
			guard_json(&b, p->kase, s);
			json_kv_bool(&b, false, "declared", s->declared);
			json_kv_str(&b, false, "outcome", outcome_name(s->outcome));
			json_kv_int(&b, false, "k", s->k);
			json_kv_int(&b, false, "n", s->n);
			json_kv_str(&b, false, "reason", s->reason);
			json_kv_num(&b, false, "duration_s", s->racy ? s->elapsed_s : p->duration);
			json_kv_int(&b, false, "runs", s->runs);
			json_kv_int(&b, false, "runs_hit", s->runs_hit);
			json_kv_bool(&b, false, "racy", s->racy);
			if (s->racy)
				race_json(&b, s);
			buf_puts(&b, "}");
		}
		buf_puts(&b, "]}");
	}
	buf_puts(&b, "]}\n");
	path = xasprintf("%s/run.json", o->outdir);
	ret = write_file_atomic(path, b.data, b.len);
	if (ret)
		warnx_("cannot write %s: %s", path, strerror(-ret));
	free(path);
	buf_free(&b);
	return ret;
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
static bool requeue_undecided(struct run_opts *o, int *total)
{
	struct matrix m;
	char *dirs[1] = { (char *)o->outdir };
	bool more = false;
	int i;

	if (o->nkernels < 2 || o->confident_rounds >= o->until_confident)
		return false;
	write_run_json(o, time(NULL), time(NULL), false);
	matrix_load(&m, dirs, 1);
	matrix_set_baseline(&m, o->kernels[0].spec);
	matrix_classify(&m);
	for (i = 0; i < o->npairs; i++) {
		struct pair *p = &o->pairs[i];

		if (p->outcome == OUT_INFRA || !matrix_case_undecided(&m, p->kase->name))
			continue;
		p->queued = true;
		p->done = false;
		p->vm_runs++;
		(*total)++;
		more = true;
	}
	if (more) {
		o->confident_rounds++;
		fprintf(stderr, "%s: inconclusive; more runs (%d of at most %d)\n",
			progname, o->confident_rounds, o->until_confident);
	}
	return more;
}

int run_pairs(struct run_opts *o)
{
	struct sigaction sa = { .sa_handler = on_signal };
	time_t started = time(NULL);
	int running = 0, finished = 0, total = o->npairs, i, rc;
	bool any_fail = false, any_infra = false;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	/*
	 * -n is runs per subtest: the rounds of a racy case's races in one
	 * run, or that many runs of a case without a budget.  --repeat runs
	 * every pair again on top.
	 */
	for (i = 0; i < o->npairs; i++) {
		struct pair *p = &o->pairs[i];
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

	for (i = 0; i < o->nkernels; i++) {
		char *d = xasprintf("%s/%s", o->outdir, o->kernels[i].label);

		if (mkdir_p(d, 0755))
			die(EXIT_INFRA, "cannot create %s: %s", d, strerror(errno));
		free(d);
	}

	for (;;) {
		while ((next_queued(o) >= 0 || running) && !interrupted) {
			/* Start what fits. */
			while (running < o->jobs && next_queued(o) >= 0 && !interrupted) {
				struct pair *p = &o->pairs[next_queued(o)];

				p->queued = false;
				p->attempt = 1;
				p->attempts++;
				if (start_pair(o, p)) {
					p->duration = 0;
					fold_all(p, p->outcome, p->detail);
					p->done = true;
					settle(p);
					progress(o, p, ++finished, total);
					continue;
				}
				running++;
			}
			/* Reap, or enforce deadlines. */
			for (;;) {
				int status;
				pid_t pid = waitpid(-1, &status, WNOHANG);
				double now = now_monotonic();

				if (pid > 0) {
					struct pair *p = NULL;

					for (i = 0; i < o->npairs; i++)
						if (o->pairs[i].pid == pid)
							p = &o->pairs[i];
					if (!p)
						continue;
					p->pid = 0;
					p->duration += now - p->started;
					if (p->kernel->kind == KERNEL_HOST) {
						finish_host(p, status);
					} else if (!finish_vm(o, p) && !interrupted) {
						if (!start_pair(o, p))
							break;
					}
					if (p->outcome == OUT_INFRA && p->attempt == 1 && !interrupted) {
						/* The VM never got to the case: once more. */
						p->attempt = 2;
						p->attempts++;
						if (!start_pair(o, p))
							break;
					}
					if (p->outcome == OUT_INFRA)
						fold_all(p, OUT_INFRA, p->detail);
					if (++p->run_index < p->vm_runs && p->outcome != OUT_INFRA &&
					    !interrupted) {
						p->attempt = 1;
						p->attempts++;
						if (!start_pair(o, p))
							break;
					}
					running--;
					p->done = true;
					settle(p);
					progress(o, p, ++finished, total);
					break;
				}
				for (i = 0; i < o->npairs; i++) {
					struct pair *p = &o->pairs[i];

					if (p->pid > 0 && now > p->deadline && !p->timed_out) {
						p->timed_out = true;
						kill_pair(p);
					}
				}
				if (interrupted)
					break;
				if (next_queued(o) >= 0 && running < o->jobs)
					break;
				if (!running)
					break;
				usleep(20000);
			}
		}

		if (interrupted || !o->until_confident || !requeue_undecided(o, &total))
			break;
	}

	if (interrupted) {
		/* Leave nothing behind: no VM, no namespace, no temp tree. */
		for (i = 0; i < o->npairs; i++) {
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
		fprintf(stderr, "%s: interrupted; partial results in %s\n", progname,
			o->outdir);
	}

	write_run_json(o, started, time(NULL), interrupted);
	print_table(o);
	print_reasons(o);
	if (o->negative)
		printf("\nnegative control (--negative): protections were removed; every "
		       "mitigation, regression\nand control subtest is expected to fail here\n");
	for (i = 0; i < o->npairs; i++) {
		enum outcome out = o->pairs[i].outcome;

		if (out == OUT_FAIL || out == OUT_ERROR || out == OUT_CRASH ||
		    out == OUT_TIMEOUT)
			any_fail = true;
		if (out == OUT_INFRA)
			any_infra = true;
	}
	printf("\nresults: %s/run.json\n", o->outdir);
	fflush(stdout);
	for (i = 0; i < o->npairs; i++)
		if (o->pairs[i].outcome == OUT_INFRA)
			warnx_("%s %s: %s (after %d attempts)", o->pairs[i].kernel->spec,
			       o->pairs[i].kase->name, o->pairs[i].detail ?
			       o->pairs[i].detail : "infrastructure failure",
			       o->pairs[i].attempts);
	rc = any_fail ? EXIT_FAILED : any_infra ? EXIT_INFRA : EXIT_OK;
	if (interrupted)
		rc = 128 + interrupted;
	return rc;
}
