// SPDX-License-Identifier: GPL-2.0-only
/*
 * krepro - run kernel failure-mode reproducers on any kernel, in throwaway
 * QEMU VMs or on the live host, and compare the outcomes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <dirent.h>
#include <getopt.h>
#include <limits.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "accel.h"
#include "bisect.h"
#include "bisect_report.h"
#include "cases.h"
#include "compare.h"
#include "json.h"
#include "kbuild.h"
#include "kernel.h"
#include "plan.h"
#include "preflight.h"
#include "qemu.h"
#include "run.h"
#include "runtable.h"
#include "store.h"
#include "target.h"
#include "view.h"
#include "cli.h"

#define KREPRO_VERSION "0.1"

/* Long-only options. */
enum { OPT_REPEAT = CHAR_MAX + 1, OPT_SECONDS, OPT_NEGATIVE, OPT_STRICT,
       OPT_FORMAT, OPT_BASELINE, OPT_SHARD, OPT_UNTIL, OPT_CANDIDATE,
       OPT_STORE, OPT_MAX_AGE, OPT_RERUN, OPT_ACCEL, OPT_ALLOW_SKIP,
       OPT_SHOW_COMMAND, OPT_TREE, OPT_PATCH, OPT_CONFIG, OPT_GOOD, OPT_BAD,
       OPT_KERNELS, OPT_ERROR, OPT_ALL, OPT_RATES, OPT_LEVEL, OPT_PRECISION, OPT_NO_SNAPSHOT, OPT_LAST };

static const char usage_text[] =
	"usage: krepro COMMAND [OPTIONS]\n"
	"\n"
	"  list [--json]                       the cases and their subtests\n"
	"  kernels                             Debian kernels apt knows, and cached ones\n"
	"  run [-k KERNEL]... [-c CASE[/SUBTEST]]... [-n RUNS] [-j JOBS] [-o DIR]\n"
	"      [--repeat R] [--seconds S] [--negative]\n"
	"                                      run cases on kernels, print a table\n"
	"      -n RUNS      runs per subtest: rounds of each race in a racy case,\n"
	"                   otherwise that many runs (VMs) of the case\n"
	"      --repeat R   run every (kernel, case) R times, racy or not\n"
	"      --seconds S  time cap per racy subtest (default: the declaration's)\n"
	"      --level PCT  a race stops once decided: a protection when it fails or\n"
	"                   its failure rate is bounded at PCT %% (95 %%), a hazard\n"
	"                   while unseen likewise (default 10; 0: run every budget)\n"
	"      --precision PCT\n"
	"                   a hazard that hit stops once its rate is known to +-PCT %%\n"
	"                   (95 %% interval; default 25)\n"
	"      --negative   negative control: mitigations and regressions run with\n"
	"                   their protection removed and must fail\n"
	"      --until-confident[=R]\n"
	"                   while a change between the first kernel and another is\n"
	"                   inconclusive, run its case again on every kernel (at\n"
	"                   most R more runs, default 10)\n"
	"      --shard I/N  run only share I of N of the (kernel, case) pairs; the\n"
	"                   N run directories together compare as one run\n"
	"      --show-command\n"
	"                   print each VM's QEMU command line (shell-quoted) and\n"
	"                   start nothing\n"
	"      --accel auto|kvm|tcg\n"
	"                   VM accelerator (default: KREPRO_ACCEL, else auto: KVM\n"
	"                   only when a probe boot under KVM reaches init)\n"
	"      --no-snapshot\n"
	"                   boot every VM; by default a TCG guest is restored from\n"
	"                   a snapshot of its booted state (cached, taken once)\n"
	"\n"
	"  compare [--strict] [--allow-skip] [--format text|md|json|junit|html]\n"
	"          [--baseline KERNEL] [--all] [--rates] DIR...\n"
	"                                      the matrix of run directories (shards\n"
	"                                      merge) and the changes against the\n"
	"                                      baseline (default: the oldest kernel)\n"
	"      --all        text: every row, not only those that differ\n"
	"      --rates      every rate comparison, also those that decide nothing\n"
	"  gate --baseline KERNEL --candidate KERNEL [-c CASE]... [-n RUNS] [-o DIR]\n"
	"       [--strict] [--allow-skip] [--format F] [--store DIR] [--max-age HOURS]\n"
	"       [--rerun] [--accel auto|kvm|tcg] [--level PCT] [--precision PCT]\n"
	"                                      run both kernels (or reuse fresh results\n"
	"                                      from the store, default results/), print\n"
	"                                      the md summary (and gate.md, gate.xml,\n"
	"                                      gate.html in DIR); exit 0 only when the\n"
	"                                      candidate has no regression (a subtest\n"
	"                                      the baseline passed and the candidate\n"
	"                                      skipped fails it unless --allow-skip);\n"
	"                                      with the baseline from the store, the\n"
	"                                      candidate's races stop once decided\n"
	"                                      against its counts\n"
	"  build [--tree DIR] [--patch FILE]... [--config FRAGMENT]\n"
	"                                      build a kernel (cached); prints file:\n"
	"  bisect --good KERNEL --bad KERNEL -c CASE/SUBTEST [--kernels FILE]\n"
	"         [-n ROUNDS] [--error P] [-o DIR] [--format text|md|json]\n"
	"                                      the first bad kernel, with its error bound\n"
	"  bisect-run -c CASE/SUBTEST [--tree DIR] for git bisect run: 0 good, 1 bad,\n"
	"                                      125 skip\n"
	"\n"
	"KERNEL: host | debian:NAME | file:BZIMAGE[,modules=DIR]\n"
	"        | build:TREE[,patch=FILE]...[,config=FRAGMENT]\n"
	"Without -k, run uses the newest 6.1 and 6.12 cloud kernels apt knows.\n"
	"\n"
	"Exit status: 0 as expected, 1 a regression or failed case, 2 usage or\n"
	"bad input, 3 infrastructure (a VM that would not boot after a retry,\n"
	"a package that cannot be fetched).\n";

static void usage_error(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\ntry 'krepro --help'\n");
	exit(EXIT_USAGE);
}

/*
 * getopt's own message is off (opterr = 0): one line naming the option
 * and the hint, like every other misuse.
 */
static void bad_option(const char *cmd, char **argv) __attribute__((noreturn));
static void bad_option(const char *cmd, char **argv)
{
	const char *word = argv[optind - 1];

	if (optopt && word[0] == '-' && word[1] != '-')
		usage_error("%s: unknown option or missing value: -%c", cmd, optopt);
	usage_error("%s: unknown option or missing value: %s", cmd, word);
}

/* Where the project lives: KREPRO_ROOT, else two levels above build/krepro. */
static char *project_root(void)
{
	const char *env = getenv("KREPRO_ROOT");
	char exe[PATH_MAX];
	ssize_t n;

	if (env && *env)
		return xstrdup(env);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		die(EXIT_USAGE, "cannot find myself: /proc/self/exe: %s (is /proc mounted? "
		    "else set KREPRO_ROOT)", strerror(errno));
	exe[n] = '\0';
	return xstrdup(dirname(dirname(exe)));
}

static char *cases_dir(const char *root)
{
	const char *env = getenv("KREPRO_CASES");

	return env && *env ? xstrdup(env) : xasprintf("%s/cases", root);
}

static const char *cache_dir(void)
{
	static char *dir;
	const char *env = getenv("KREPRO_CACHE");

	if (!dir)
		dir = absolute_path(env && *env ? env : "/var/cache/krepro");
	return dir;
}

/* --accel, else KREPRO_ACCEL, else auto. */
static enum accel_mode accel_option(const char *val)
{
	enum accel_mode mode = ACCEL_AUTO;
	const char *env = getenv("KREPRO_ACCEL");

	if (!val && env && *env)
		val = env;
	if (val && accel_mode_parse(val, &mode))
		usage_error("bad accelerator '%s': expected auto, kvm or tcg", val);
	return mode;
}

/* Make a kernel bootable, or exit: 2 for the user's input, 3 otherwise. */
static void prepare_or_die(struct kernel *k, const char *root)
{
	struct kernel_env env = { .cache = cache_dir(), .root = root };
	char *why;
	int rc = kernel_prepare(k, &env, &why);

	if (rc)
		die(rc == KERNEL_BAD_INPUT ? EXIT_USAGE : EXIT_INFRA, "%s",
		    why ? why : "cannot prepare the kernel");
	if (k->note)
		warnx_("%s; fetched again", k->note);
}

/* ---- list ---- */

/* What a mitigation is attacked by: a hazard's name, or its own twin. */
static const char *guard_text(const struct subtest_decl *d)
{
	return d->guard_within ? "within" : d->guard;
}

static void list_text(const struct case_set *set)
{
	for (int i = 0; i < set->n; i++) {
		const struct case_decl *c = &set->cases[i];

		printf("%s%s - %s\n", c->name, c->is_default ? "" : " (not run by default)",
		       c->title ? c->title : "");
		if (c->budget_rounds)
			printf("  (racy: each race runs %d rounds or %d s, whichever ends first)\n",
			       c->budget_rounds, c->budget_seconds);
		for (int j = 0; j < c->nsubs; j++) {
			const struct subtest_decl *d = &c->subs[j];

			printf("  %-50s %s", d->name, kind_name(d->kind));
			if (d->kind == KIND_MITIGATION)
				printf(" (guards %s)", guard_text(d));
			if (d->kernel)
				printf(" [kernel: %s]", d->kernel);
			printf("\n");
		}
	}
}

/* One case for `list --json`: its declaration, subtests included. */
static json_t *case_json(const struct case_decl *c)
{
	json_t *jc = json_object(), *subs = json_array();

	json_object_set_new(jc, "name", jstr(c->name));
	json_object_set_new(jc, "title", jstr(c->title));
	json_object_set_new(jc, "story", jstr(c->story));
	json_object_set_new(jc, "fix", jstr(c->fix));
	json_object_set_new(jc, "default", json_boolean(c->is_default));
	json_object_set_new(jc, "timeout", json_integer(c->timeout));
	json_object_set_new(jc, "memory_mb", json_integer(c->memory_mb));
	json_object_set_new(jc, "aslr", json_boolean(!c->aslr_off));
	if (c->budget_rounds)
		json_object_set_new(jc, "budget", json_pack("{s:i, s:i}", "rounds", c->budget_rounds,
							     "seconds", c->budget_seconds));
	for (int j = 0; j < c->nsubs; j++) {
		const struct subtest_decl *d = &c->subs[j];
		json_t *js = json_object();

		json_object_set_new(js, "name", jstr(d->name));
		json_object_set_new(js, "kind", json_string(kind_name(d->kind)));
		json_object_set_new(js, "pass_means", jstr(d->what));
		if (d->kind == KIND_MITIGATION)
			json_object_set_new(js, "guards", jstr(guard_text(d)));
		if (d->kernel)
			json_object_set_new(js, "kernel", jstr(d->kernel));
		json_array_append_new(subs, js);
	}
	json_object_set_new(jc, "subtests", subs);
	return jc;
}

static int cmd_list(int argc, char **argv, const char *root)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct case_set set;
	bool json = false;
	int opt, i;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'J':
			json = true;
			break;
		case 'h':
			printf("usage: krepro list [--json]\n");
			return 0;
		default:
			bad_option("list", argv);
		}
	}
	if (optind < argc)
		usage_error("list: unexpected argument '%s'", argv[optind]);
	cases_load(cases_dir(root), &set);
	if (json) {
		json_t *list = json_array();
		char *text;

		for (i = 0; i < set.n; i++)
			json_array_append_new(list, case_json(&set.cases[i]));
		text = jdump(list, 0);
		fputs(text, stdout);
		free(text);
		return 0;
	}
	list_text(&set);
	return 0;
}

/* ---- kernels ---- */

static int cmd_kernels(int argc, char **argv)
{
	struct apt_kernel *list;
	char **cached;
	int n, nc, i;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: krepro kernels\n");
		return 0;
	}
	if (argc > 1)
		usage_error("kernels: unexpected argument '%s'", argv[1]);
	n = apt_kernels(&list);
	if (n < 0)
		die(EXIT_INFRA, "cannot ask apt for kernels: apt-cache failed");
	printf("%-44s %s\n", "KERNEL", "DEBIAN VERSION");
	for (i = 0; i < n; i++)
		printf("debian:%-37s %s\n", list[i].name, list[i].version);
	nc = cached_kernels(cache_dir(), &cached);
	printf("\ncached in %s:\n", cache_dir());
	for (i = 0; i < nc; i++)
		printf("%s\n", cached[i]);
	if (!nc)
		printf("(none)\n");
	return 0;
}

/* ---- run ---- */

static int parse_count(const char *opt, const char *val, int lo, int hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(val, &end, 10);
	if (errno || end == val || *end || v < lo || v > hi)
		usage_error("bad %s '%s': expected a whole number from %d to %d",
			    opt, val, lo, hi);
	return v;
}

/* --shard I/N: this is share I of N, 1 <= I <= N. */
static void parse_shard(const char *val, int *i, int *n)
{
	char *end;
	long a, b;

	errno = 0;
	a = strtol(val, &end, 10);
	if (errno || end == val || *end != '/')
		goto bad;
	b = strtol(end + 1, &end, 10);
	if (errno || *end || b < 1 || b > PLAN_SHARDS_MAX || a < 1 || a > b)
		goto bad;
	*i = a;
	*n = b;
	return;
bad:
	usage_error("bad --shard '%s': expected I/N with 1 <= I <= N", val);
}

/* The VMs' accelerator, said once; --accel kvm that cannot boot is infra. */
static void choose_accel(struct run_opts *o, enum accel_mode mode)
{
	struct accel_choice ch;
	const char *image = NULL;
	int i;

	for (i = 0; i < o->nkernels && !image; i++)
		if (o->kernels[i].kind != KERNEL_HOST)
			image = o->kernels[i].image;
	if (accel_choose(mode, o->qemu, o->busybox, image, o->cache, &ch))
		die(EXIT_INFRA, "cannot use kvm: %s", ch.reason);
	o->kvm = ch.kvm;
	o->accel_reason = ch.reason;
	if (ch.probed)
		fprintf(stderr, "%s: accelerator %s: %s (probe %.1f s)\n", progname,
			ch.kvm ? "kvm" : "tcg", ch.reason, ch.probe_s);
	else
		fprintf(stderr, "%s: accelerator %s: %s\n", progname,
			ch.kvm ? "kvm" : "tcg", ch.reason);
}

/*
 * Options of run that exclude each other, checked once after parsing
 * (losetup's exclusive groups): each row names two options and why.
 */
static const struct {
	int a, b;
	const char *why;
} run_exclusive[] = {
	{ OPT_SHARD, OPT_UNTIL, "a shard holds only part of each comparison" },
	{ OPT_SHOW_COMMAND, OPT_UNTIL, "nothing runs, so nothing is compared" },
	{ OPT_SHOW_COMMAND, OPT_SHARD, "--show-command prints every VM" },
};

static const char *run_option_name(const struct option *opts, int val)
{
	for (; opts->name; opts++)
		if (opts->val == val)
			return opts->name;
	return "?";
}

static void check_run_exclusive(const struct option *opts, const bool *given)
{
	for (unsigned int i = 0; i < sizeof(run_exclusive) / sizeof(run_exclusive[0]); i++)
		if (given[run_exclusive[i].a - OPT_REPEAT] && given[run_exclusive[i].b - OPT_REPEAT])
			usage_error("run: --%s and --%s cannot be used together: %s",
				    run_option_name(opts, run_exclusive[i].a),
				    run_option_name(opts, run_exclusive[i].b),
				    run_exclusive[i].why);
}


/*
 * --until-confident: the cases with an inconclusive change against the
 * first kernel run once more on every kernel, up to R more times.  The
 * matrix comes from the pairs in memory; nothing is read back.
 */
static bool requeue_undecided(struct run_opts *o)
{
	struct matrix m;
	bool more = false;

	if (o->nkernels < 2 || o->confident_rounds >= o->until_confident)
		return false;
	matrix_from_pairs(&m, o);
	matrix_set_baseline(&m, o->kernels[0].spec);
	matrix_classify(&m);
	for (int i = 0; i < o->npairs; i++) {
		struct pair *p = &o->pairs[i];

		if (p->outcome == OUT_INFRA || !matrix_case_undecided(&m, p->kase->name))
			continue;
		run_requeue(p);
		more = true;
	}
	if (more) {
		o->confident_rounds++;
		fprintf(stderr, "%s: inconclusive; more runs (%d of at most %d)\n",
			progname, o->confident_rounds, o->until_confident);
	}
	return more;
}

/* Infrastructure failures, one line each on stderr, after the table. */
static void warn_infra(const struct run_opts *o)
{
	for (int i = 0; i < o->npairs; i++) {
		const struct pair *p = &o->pairs[i];

		if (p->outcome == OUT_INFRA)
			warnx_("%s %s: %s (after %d attempts)", p->kernel->spec, p->kase->name,
			       p->detail ? p->detail : "infrastructure failure", p->attempts);
	}
}

/*
 * Run the pairs (and more, while --until-confident finds a change
 * undecided), then record run.json and print the table: the run
 * directory holds a result even when interrupted.
 */
static int run_and_record(struct run_opts *o)
{
	FILE *out = o->table ? o->table : stdout;
	time_t started = time(NULL);
	char *why = NULL;
	int sig;

	if (run_prepare(o, &why))
		die(EXIT_INFRA, "%s", why);
	sig = run_pairs(o);
	while (!sig && o->until_confident && requeue_undecided(o))
		sig = run_pairs(o);
	/* No run.json, no result: the one line is store_write's. */
	if (store_write(o, started, time(NULL), sig != 0))
		return EXIT_INFRA;
	runtable_print(o, out);
	if (o->negative)
		fprintf(out, "\nnegative control (--negative): protections were removed; "
			"every mitigation, regression\nand control subtest is expected to "
			"fail here\n");
	fprintf(out, "\nresults: %s/run.json\n", o->outdir);
	fflush(out);
	warn_infra(o);
	return run_exit_code(o, sig);
}

/* What `krepro run` was asked, as parsed. */
struct run_cli {
	struct run_opts o;
	struct selection *sel;
	int nsel;
	char **kspecs;
	int nk;
	char *outdir;
	const char *accel;
	bool show_command;
	bool no_snapshot;
	int shard_i, shard_n;
	bool given[OPT_LAST - OPT_REPEAT];
};

static const struct option run_options[] = {
	{ "kernel", required_argument, NULL, 'k' },
	{ "case", required_argument, NULL, 'c' },
	{ "runs", required_argument, NULL, 'n' },
	{ "jobs", required_argument, NULL, 'j' },
	{ "output", required_argument, NULL, 'o' },
	{ "repeat", required_argument, NULL, OPT_REPEAT },
	{ "seconds", required_argument, NULL, OPT_SECONDS },
	{ "level", required_argument, NULL, OPT_LEVEL },
	{ "precision", required_argument, NULL, OPT_PRECISION },
	{ "negative", no_argument, NULL, OPT_NEGATIVE },
	{ "shard", required_argument, NULL, OPT_SHARD },
	{ "until-confident", optional_argument, NULL, OPT_UNTIL },
	{ "accel", required_argument, NULL, OPT_ACCEL },
	{ "show-command", no_argument, NULL, OPT_SHOW_COMMAND },
	{ "no-snapshot", no_argument, NULL, OPT_NO_SNAPSHOT },
	{ "help", no_argument, NULL, 'h' },
	{ 0 }
};

/* -c CASE or -c CASE/SUBTEST. */
static void add_selection(struct run_cli *r, const char *arg)
{
	const char *slash = strchr(arg, '/');
	struct selection *s;

	r->sel = xrealloc(r->sel, sizeof(*r->sel) * (r->nsel + 1));
	s = &r->sel[r->nsel++];
	s->kase = slash ? strndup(arg, slash - arg) : xstrdup(arg);
	s->sub = slash ? xstrdup(slash + 1) : NULL;
	if (!*s->kase || (slash && !slash[1]))
		usage_error("bad case '%s': expected CASE or CASE/SUBTEST", arg);
}

/* --level and --precision, the races' stopping rules (run and gate); false for others. */
static bool stop_rule_option(int opt, double *level, double *precision)
{
	if (opt == OPT_LEVEL)
		*level = parse_count("--level", optarg, 0, 99) / 100.0;
	else if (opt == OPT_PRECISION)
		*precision = parse_count("--precision", optarg, 1, 99) / 100.0;
	return opt == OPT_LEVEL || opt == OPT_PRECISION;
}

/* One option of run; false for --help (printed). */
static bool run_option(struct run_cli *r, int opt, char **argv)
{
	struct run_opts *o = &r->o;

	if (opt >= OPT_REPEAT && opt < OPT_LAST)
		r->given[opt - OPT_REPEAT] = true;
	if (stop_rule_option(opt, &o->level, &o->precision))
		return true;
	switch (opt) {
	case 'k':
		r->kspecs = xrealloc(r->kspecs, sizeof(char *) * (r->nk + 1));
		r->kspecs[r->nk++] = optarg;
		break;
	case 'c':
		add_selection(r, optarg);
		break;
	case 'n':
		o->runs = parse_count("-n", optarg, 1, 10000000);
		o->runs_given = true;
		break;
	case OPT_REPEAT:
		o->repeat = parse_count("--repeat", optarg, 1, 100000);
		break;
	case OPT_SECONDS:
		o->seconds = parse_count("--seconds", optarg, 1, 86400);
		break;
	case OPT_NEGATIVE:
		o->negative = true;
		break;
	case OPT_SHARD:
		parse_shard(optarg, &r->shard_i, &r->shard_n);
		break;
	case OPT_UNTIL:
		o->until_confident = optarg ? parse_count("--until-confident", optarg,
							  1, 100000) : 10;
		break;
	case 'j':
		o->jobs = parse_count("-j", optarg, 1, 256);
		break;
	case 'o':
		r->outdir = optarg;
		break;
	case OPT_ACCEL:
		r->accel = optarg;
		break;
	case OPT_SHOW_COMMAND:
		r->show_command = true;
		break;
	case OPT_NO_SNAPSHOT:
		r->no_snapshot = true;
		break;
	case 'h':
		fputs(usage_text, stdout);
		return false;
	default:
		bad_option("run", argv);
	}
	return true;
}

/*
 * The default stopping rules (docs/ktap-stats.md): a protection's failure
 * rate bounded at 10 % (29 clean rounds), a hazard's rate to +-25 %.
 */
#define RACE_LEVEL 0.10
#define RACE_PRECISION 0.25

/* A run with every default: one run, no repeat, one VM per CPU. */
static void run_cli_init(struct run_cli *r)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	memset(r, 0, sizeof(*r));
	r->o.runs = 1;
	r->o.repeat = 1;
	r->o.level = RACE_LEVEL;
	r->o.precision = RACE_PRECISION;
	r->o.jobs = ncpu > 0 ? ncpu : 1;
}

/* Parse run's command line; false when --help was printed. */
static bool parse_run(struct run_cli *r, int argc, char **argv)
{
	int opt;

	run_cli_init(r);
	while ((opt = getopt_long(argc, argv, "k:c:n:j:o:h", run_options, NULL)) != -1)
		if (!run_option(r, opt, argv))
			return false;
	if (optind < argc)
		usage_error("run: unexpected argument '%s'", argv[optind]);
	check_run_exclusive(run_options, r->given);
	return true;
}

/* The -k kernels, parsed; true when any of them needs a VM. */
static bool parse_kernels(struct run_cli *r)
{
	struct run_opts *o = &r->o;
	bool need_vm = r->nk == 0;

	o->kernels = xcalloc(r->nk ? r->nk : 2, sizeof(struct kernel));
	for (int i = 0; i < r->nk; i++) {
		char *err = NULL;

		for (int j = 0; j < i; j++)
			if (!strcmp(r->kspecs[i], r->kspecs[j]))
				die(EXIT_USAGE, "kernel %s given twice", r->kspecs[i]);
		if (kernel_parse(r->kspecs[i], &o->kernels[i], &err))
			die(EXIT_USAGE, "%s", err);
		need_vm |= o->kernels[i].kind != KERNEL_HOST;
	}
	o->nkernels = r->nk;
	return need_vm;
}

/* Root, QEMU and busybox: what running at all needs; the host's, for host mode. */
static void check_can_run(struct run_opts *o, bool need_vm)
{
	char *why = NULL;

	if (geteuid() != 0)
		die(EXIT_USAGE, "cannot run cases: not root (mounts, namespaces and "
		    "loop devices need it)");
	for (int i = 0; i < o->nkernels; i++)
		if (o->kernels[i].kind == KERNEL_HOST && target_host_check(&why))
			die(EXIT_USAGE, "cannot run on the host kernel: %s", why);
	if (!need_vm)
		return;
	o->qemu = which("qemu-system-x86_64");
	if (!o->qemu)
		die(EXIT_USAGE, "cannot run VMs: qemu-system-x86_64 not found (run make setup)");
	o->busybox = "/bin/busybox";
	if (!is_file(o->busybox))
		die(EXIT_USAGE, "cannot build guest images: %s not found (install "
		    "busybox-static)", o->busybox);
}

/* -o, or results/DATE-TIME, pinned absolute; never over an earlier run. */
static char *run_outdir(const char *given)
{
	char *outdir, *rj;

	if (given) {
		outdir = absolute_path(given);
	} else {
		char stamp[40];
		time_t t = time(NULL);
		struct tm tm;

		localtime_r(&t, &tm);
		strftime(stamp, sizeof(stamp), "results/%Y%m%d-%H%M%S", &tm);
		outdir = absolute_path(stamp);
	}
	rj = xasprintf("%s/run.json", outdir);
	if (access(rj, F_OK) == 0)
		die(EXIT_USAGE, "cannot write results to %s: it already holds a run "
		    "(choose another -o)", outdir);
	free(rj);
	return outdir;
}

/* Without -k: the newest 6.1 and 6.12 cloud images apt knows. */
static void default_kernels(struct run_opts *o)
{
	static const char *const series[] = { "6.1", "6.12" };
	struct apt_kernel *list;
	int n = apt_kernels(&list);

	for (int i = 0; i < 2; i++) {
		char *name = n > 0 ? apt_newest_cloud(list, n, series[i]) : NULL;
		char *spec, *err = NULL;

		if (!name)
			die(EXIT_INFRA, "cannot pick a default kernel: apt knows no "
			    "linux-image-%s*-cloud-amd64 (run apt-get update)", series[i]);
		spec = xasprintf("debian:%s", name);
		if (kernel_parse(spec, &o->kernels[o->nkernels], &err))
			die(EXIT_INFRA, "%s", err);
		o->nkernels++;
	}
}

/* What a krepro killed earlier left half-made in the cache goes, in one line. */
static void sweep_cache(const char *cache)
{
	int n = cache_sweep(cache);

	if (n > 0)
		warnx_("removed %d half-made cache entr%s in %s (left by a krepro that was "
		       "killed)", n, n == 1 ? "y" : "ies", cache);
}

/*
 * Check everything, prepare the kernels, plan the pairs and run them:
 * the run that r describes, whether parsed from run's command line or
 * built by gate.  argv is recorded in run.json.
 */
static int execute_run(struct run_cli *r, const char *root, int argc, char **argv)
{
	struct run_opts *o = &r->o;
	enum accel_mode accel_mode = accel_option(r->accel);
	struct case_set set;
	char *why = NULL;
	bool need_vm;

	/* Everything is checked before anything touches the system. */
	if (console_cap_env(&o->console_cap, &why) || boot_deadline_env(&o->boot_deadline, &why) ||
	    snapshot_cap_env(&o->snapshot_cap_mb, &why))
		die(EXIT_USAGE, "%s", why);
	o->snapshots = o->snapshot_cap_mb > 0 && !r->no_snapshot;
	cases_load(cases_dir(root), &set);
	if (plan_check_selection(&set, r->sel, r->nsel, &why))
		die(EXIT_USAGE, "%s", why);
	need_vm = parse_kernels(r);
	check_can_run(o, need_vm);
	if (plan_check_built(root, &set, r->sel, r->nsel, &why) ||
	    plan_check_tools(&set, r->sel, r->nsel, &why))
		die(EXIT_USAGE, "%s", why);
	o->outdir = run_outdir(r->outdir);
	if (preflight_results(o->outdir, &why))
		die(EXIT_USAGE, "%s", why);
	o->root = root;
	if (!r->nk)
		default_kernels(o);
	o->cache = cache_dir();
	if (need_vm)
		sweep_cache(o->cache);
	for (int i = 0; i < o->nkernels; i++)
		prepare_or_die(&o->kernels[i], root);
	if (need_vm)
		choose_accel(o, accel_mode);
	plan_pairs(o, &set, r->sel, r->nsel);
	if (r->shard_n)
		plan_shard(o, r->shard_i, r->shard_n);
	else if (!o->npairs)
		die(EXIT_USAGE, "nothing to run: no case selected");
	if (r->show_command)
		return show_commands(o);
	if (mkdir_p(o->outdir, 0755))
		die(EXIT_USAGE, "cannot create %s: %s", o->outdir, strerror(errno));
	o->argc = argc;
	o->argv = argv;
	return run_and_record(o);
}

static int cmd_run(int argc, char **argv, const char *root)
{
	struct run_cli r;

	if (!parse_run(&r, argc, argv))
		return 0;
	return execute_run(&r, root, argc, argv);
}
/* ---- compare ---- */

static enum format format_option(const char *val)
{
	enum format f;

	if (format_parse(val, &f))
		usage_error("bad --format '%s': expected text, md, json, junit or html", val);
	return f;
}

/* Print a report; Markdown also goes to a GitHub job summary when there is one. */
static void emit_report(const struct matrix *m, enum format f, struct view_opts *o,
			bool strict)
{
	char *text;

	o->width = terminal_width(1);
	text = matrix_render(m, f, o, f == FMT_TEXT && isatty(1), strict);
	const char *summary = getenv("GITHUB_STEP_SUMMARY");

	fputs(text, stdout);
	fflush(stdout);
	if (f == FMT_MD && summary && *summary) {
		FILE *out = fopen(summary, "a");

		if (!out || fputs(text, out) == EOF || fclose(out))
			warnx_("cannot append to %s: %s", summary, strerror(errno));
	}
	free(text);
}

static int cmd_compare(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "baseline", required_argument, NULL, OPT_BASELINE },
		{ "allow-skip", no_argument, NULL, OPT_ALLOW_SKIP },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "rates", no_argument, NULL, OPT_RATES },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct view_opts vo = { 0 };
	bool allow_skip = false;
	enum format f = FMT_TEXT;
	const char *baseline = NULL;
	bool strict = false;
	struct matrix m;
	char *why = NULL;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_ALLOW_SKIP:
			allow_skip = true;
			break;
		case OPT_ALL:
			vo.all = true;
			break;
		case OPT_RATES:
			vo.rates = true;
			break;
		case OPT_STRICT:
			strict = true;
			break;
		case OPT_FORMAT:
			f = format_option(optarg);
			break;
		case OPT_BASELINE:
			baseline = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			bad_option("compare", argv);
		}
	}
	if (optind >= argc)
		usage_error("compare: no run directory given");
	if (matrix_load(&m, argv + optind, argc - optind, &why))
		die(EXIT_USAGE, "%s", why);
	if (!m.nk)
		die(EXIT_USAGE, "cannot compare: no kernel in %s", argv[optind]);
	if (matrix_set_baseline(&m, baseline) < 0)
		die(EXIT_USAGE, "cannot compare: baseline %s is not in the run directories",
		    baseline);
	m.allow_skip = allow_skip;
	for (int i = 0; i < m.nincomplete; i++)
		warnx_("%s is an incomplete run: it was interrupted; the pairs it had not "
		       "finished are infra (interrupted)", m.incomplete[i]);
	matrix_classify(&m);
	emit_report(&m, f, &vo, strict);
	rc = matrix_exit_code(&m, strict);
	/* So that valgrind's leak check sees compare's own leaks, if any. */
	matrix_free(&m);
	return rc;
}


/* ---- gate ---- */

struct gate_kernel {
	const char *spec;
	struct kernel k;
	char *reuse;		/* a run directory with fresh results, or NULL */
};

/* The gate's decision as files for the CI system: md, JUnit, HTML. */
static void gate_reports(const struct matrix *m, const char *outdir, bool strict)
{
	static const struct { const char *name; enum format f; } files[] = {
		{ "gate.md", FMT_MD }, { "gate.xml", FMT_JUNIT }, { "gate.html", FMT_HTML },
	};

	if (mkdir_p(outdir, 0755)) {
		warnx_("cannot create %s: %s", outdir, strerror(errno));
		return;
	}
	for (unsigned i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *path = xasprintf("%s/%s", outdir, files[i].name);
		struct view_opts every = { .all = true };
		char *text = matrix_render(m, files[i].f, &every, false, strict);
		int ret = write_file_atomic(path, text, strlen(text));

		if (ret)
			warnx_("cannot write %s: %s", path, strerror(-ret));
		free(text);
		free(path);
	}
}

/* What `krepro gate` was asked, as parsed. */
struct gate_cli {
	struct gate_kernel g[2];
	char **cases;
	int ncases;
	char *outdir, *runs;
	const char *store, *accel;
	int hours;
	bool strict, rerun, allow_skip;
	double level, precision;	/* the races' stopping rules */
	enum format f;
};

static const struct option gate_options[] = {
	{ "baseline", required_argument, NULL, OPT_BASELINE },
	{ "candidate", required_argument, NULL, OPT_CANDIDATE },
	{ "case", required_argument, NULL, 'c' },
	{ "runs", required_argument, NULL, 'n' },
	{ "output", required_argument, NULL, 'o' },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "store", required_argument, NULL, OPT_STORE },
	{ "max-age", required_argument, NULL, OPT_MAX_AGE },
	{ "rerun", no_argument, NULL, OPT_RERUN },
	{ "accel", required_argument, NULL, OPT_ACCEL },
	{ "allow-skip", no_argument, NULL, OPT_ALLOW_SKIP },
	{ "level", required_argument, NULL, OPT_LEVEL },
	{ "precision", required_argument, NULL, OPT_PRECISION },
	{ "help", no_argument, NULL, 'h' },
	{ 0 }
};

/* One option of gate; false for --help (printed). */
static bool gate_option(struct gate_cli *gc, int opt, char **argv)
{
	if (stop_rule_option(opt, &gc->level, &gc->precision))
		return true;
	switch (opt) {
	case OPT_BASELINE:
		gc->g[0].spec = optarg;
		break;
	case OPT_CANDIDATE:
		gc->g[1].spec = optarg;
		break;
	case 'c':
		if (strchr(optarg, '/'))
			usage_error("gate: bad case '%s': a gate runs whole cases", optarg);
		gc->cases = xrealloc(gc->cases, sizeof(char *) * (gc->ncases + 1));
		gc->cases[gc->ncases++] = optarg;
		break;
	case 'n':
		parse_count("-n", optarg, 1, 10000000);
		gc->runs = optarg;
		break;
	case 'o':
		gc->outdir = optarg;
		break;
	case OPT_STRICT:
		gc->strict = true;
		break;
	case OPT_FORMAT:
		gc->f = format_option(optarg);
		break;
	case OPT_STORE:
		gc->store = optarg;
		break;
	case OPT_MAX_AGE:
		gc->hours = parse_count("--max-age", optarg, 0, 100000);
		break;
	case OPT_RERUN:
		gc->rerun = true;
		break;
	case OPT_ACCEL:
		gc->accel = optarg;
		accel_option(optarg);
		break;
	case OPT_ALLOW_SKIP:
		gc->allow_skip = true;
		break;
	case 'h':
		fputs(usage_text, stdout);
		return false;
	default:
		bad_option("gate", argv);
	}
	return true;
}

/* Parse gate's command line; false when --help was printed. */
static bool parse_gate(struct gate_cli *gc, int argc, char **argv)
{
	int opt;

	memset(gc, 0, sizeof(*gc));
	gc->store = "results";
	gc->hours = 24;
	gc->level = RACE_LEVEL;
	gc->precision = RACE_PRECISION;
	gc->f = FMT_MD;
	while ((opt = getopt_long(argc, argv, "c:n:o:h", gate_options, NULL)) != -1)
		if (!gate_option(gc, opt, argv))
			return false;
	if (optind < argc)
		usage_error("gate: unexpected argument '%s'", argv[optind]);
	if (!gc->g[0].spec || !gc->g[1].spec)
		usage_error("gate: needs --baseline KERNEL and --candidate KERNEL");
	if (!strcmp(gc->g[0].spec, gc->g[1].spec))
		die(EXIT_USAGE, "cannot gate: baseline and candidate are both %s", gc->g[0].spec);
	return true;
}

/* The gated cases (-c, or the default ones), checked against set. */
static void gate_cases(struct gate_cli *gc, struct case_set *set)
{
	for (int i = 0; i < gc->ncases; i++)
		if (!case_find(set, gc->cases[i]))
			die(EXIT_USAGE, "unknown case '%s' (see krepro list)", gc->cases[i]);
	if (gc->ncases)
		return;
	for (int i = 0; i < set->n; i++)
		if (set->cases[i].is_default) {
			gc->cases = xrealloc(gc->cases, sizeof(char *) * (gc->ncases + 1));
			gc->cases[gc->ncases++] = set->cases[i].name;
		}
}

/*
 * The baseline's racy counts, when they come from the store and only the
 * candidate runs: its races then stop once they are decided against them
 * (docs/ktap-stats.md).  Nothing when the baseline runs too.
 */
static void gate_baseline_counts(const struct gate_cli *gc, struct run_opts *o)
{
	struct race_count *counts = NULL;
	const char *only = gc->g[0].spec;
	char *dir = gc->g[0].reuse, *why = NULL;
	struct matrix m;
	int n = 0;

	if (!dir || gc->g[1].reuse || matrix_load_only(&m, &dir, &only, 1, &why)) {
		free(why);
		return;
	}
	for (int i = 0; i < m.nrows; i++) {
		const struct cmp_cell *c = &m.rows[i].cells[0];

		if (!c->present || !c->racy)
			continue;
		counts = xrealloc(counts, sizeof(*counts) * (n + 1));
		counts[n++] = (struct race_count){ .kase = xstrdup(m.rows[i].kase),
			.sub = xstrdup(m.rows[i].sub), .k = c->k, .n = c->n };
	}
	matrix_free(&m);
	o->baseline = counts;
	o->nbaseline = n;
}

/*
 * Run the gated cases on the kernels without fresh results, into
 * gc->outdir, as `krepro run` would; its table goes to stderr so that
 * stdout holds only the gate's report.
 */
static int gate_run(struct gate_cli *gc, const char *root, int argc, char **argv)
{
	struct run_cli r;
	int rc;

	run_cli_init(&r);
	r.o.strict = gc->strict;
	r.o.level = gc->level;
	r.o.precision = gc->precision;
	gate_baseline_counts(gc, &r.o);
	for (int i = 0; i < 2; i++)
		if (!gc->g[i].reuse) {
			r.kspecs = xrealloc(r.kspecs, sizeof(char *) * (r.nk + 1));
			r.kspecs[r.nk++] = (char *)gc->g[i].spec;
		}
	for (int i = 0; i < gc->ncases; i++)
		add_selection(&r, gc->cases[i]);
	if (gc->runs) {
		r.o.runs = parse_count("-n", gc->runs, 1, 10000000);
		r.o.runs_given = true;
	}
	r.accel = gc->accel;
	r.outdir = gc->outdir;
	r.o.table = stderr;
	rc = execute_run(&r, root, argc, argv);
	return rc;
}

/* Where each kernel's results come from: this gate's run or a fresh one. */
static int gate_sources(const struct gate_cli *gc, char **dirs, const char **only)
{
	int ndirs = 0;

	for (int i = 0; i < 2; i++)
		if (!gc->g[i].reuse) {
			dirs[ndirs] = gc->outdir;
			only[ndirs++] = gc->g[i].spec;
		}
	for (int i = 0; i < 2; i++)
		if (gc->g[i].reuse) {
			dirs[ndirs] = gc->g[i].reuse;
			only[ndirs++] = gc->g[i].spec;
		}
	return ndirs;
}

/* A fresh result for each kernel, if the store holds one (not --rerun). */
static void gate_find_fresh(struct gate_cli *gc, struct case_set *set, const char *root)
{
	char **builds = xcalloc(gc->ncases, sizeof(char *));

	for (int i = 0; i < gc->ncases; i++)
		builds[i] = case_build_id(root, case_find(set, gc->cases[i]));
	for (int i = 0; i < 2 && !gc->rerun; i++) {
		struct store_want w = {
			.k = &gc->g[i].k, .cases = gc->cases, .builds = builds,
			.ncases = gc->ncases, .max_age_s = gc->hours * 3600.0,
		};

		prepare_or_die(&gc->g[i].k, root);
		gc->g[i].reuse = store_find_fresh(gc->store, &w);
		if (gc->g[i].reuse)
			fprintf(stderr, "%s: reusing %s for %s\n", progname, gc->g[i].reuse,
				gc->g[i].spec);
	}
	for (int i = 0; i < gc->ncases; i++)
		free(builds[i]);
	free(builds);
}

static int cmd_gate(int argc, char **argv, const char *root)
{
	struct gate_cli gc;
	struct case_set set;
	struct matrix m;
	char *dirs[2], *err = NULL, *why = NULL;
	const char *only[2];
	int ndirs;

	if (!parse_gate(&gc, argc, argv))
		return 0;
	for (int i = 0; i < 2; i++)
		if (kernel_parse(gc.g[i].spec, &gc.g[i].k, &err))
			die(EXIT_USAGE, "%s", err);
	cases_load(cases_dir(root), &set);
	gate_cases(&gc, &set);
	/* Reuse what is fresh; run the rest in one go. */
	gate_find_fresh(&gc, &set, root);
	if (!gc.outdir) {
		char stamp[32];
		time_t t = time(NULL);
		struct tm tm;

		localtime_r(&t, &tm);
		strftime(stamp, sizeof(stamp), "gate-%Y%m%d-%H%M%S", &tm);
		gc.outdir = xasprintf("%s/%s", gc.store, stamp);
	}
	if (!gc.g[0].reuse || !gc.g[1].reuse) {
		int rc = gate_run(&gc, root, argc, argv);

		if (rc >= 128)
			return rc;
	}
	ndirs = gate_sources(&gc, dirs, only);
	if (matrix_load_only(&m, dirs, only, ndirs, &why))
		die(EXIT_USAGE, "%s", why);
	matrix_keep_cases(&m, gc.cases, gc.ncases);
	if (matrix_set_baseline(&m, gc.g[0].spec) < 0)
		die(EXIT_INFRA, "cannot gate: no results for %s", gc.g[0].spec);
	m.allow_skip = gc.allow_skip;
	matrix_classify(&m);
	emit_report(&m, gc.f, &(struct view_opts){ 0 }, gc.strict);
	gate_reports(&m, gc.outdir, gc.strict);
	return matrix_exit_code(&m, gc.strict);
}
/* ---- bisect ---- */

/* What `krepro bisect` was asked, and what each step needs. */
struct bisect_cli {
	const char *good, *bad, *list_file, *sel, *outdir, *accel;
	enum format format;
	int rounds;		/* -n: rounds at the ends of a racy subtest */
	double alpha;
	const char *root;
	char *subtest;		/* CASE/SUBTEST, resolved */
	struct kernel *kernels;
	char **specs;
	int n;
	char *dir;		/* where the steps' run directories go */
	int nstep;
	int jobs;		/* -j: kernels run at once */
};

/* A kernel list file: one spec a line; '#' starts a comment. */
static void read_kernel_list(struct bisect_cli *bc)
{
	char *text = read_file(bc->list_file, NULL), *line, *save = NULL;

	if (!text)
		die(EXIT_USAGE, "cannot read kernel list %s: %s", bc->list_file, strerror(errno));
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *hash = strchr(line, '#'), *spec = line;

		if (hash)
			*hash = '\0';
		spec += strspn(spec, " \t");
		rtrim(spec);
		if (!*spec)
			continue;
		bc->specs = xrealloc(bc->specs, (bc->n + 1) * sizeof(char *));
		bc->specs[bc->n++] = xstrdup(spec);
	}
	free(text);
}

/* Keep the list from --good to --bad (either order: a fix bisects too). */
static void slice_list(struct bisect_cli *bc)
{
	int g = bc->good ? -1 : 0, b = bc->bad ? -1 : bc->n - 1, lo, hi, dir;
	char **kept;

	for (int i = 0; i < bc->n; i++) {
		if (bc->good && !strcmp(bc->specs[i], bc->good))
			g = i;
		if (bc->bad && !strcmp(bc->specs[i], bc->bad))
			b = i;
	}
	if (g < 0 || b < 0)
		die(EXIT_USAGE, "bisect: %s is not in %s", g < 0 ? bc->good : bc->bad,
		    bc->list_file);
	if (g == b)
		die(EXIT_USAGE, "bisect: the good and the bad kernel are the same");
	lo = g;
	hi = b;
	dir = g < b ? 1 : -1;
	kept = xcalloc(abs(hi - lo) + 1, sizeof(char *));
	for (int i = lo, j = 0; ; i += dir) {
		kept[j++] = bc->specs[i];
		if (i == hi)
			break;
	}
	bc->n = abs(hi - lo) + 1;
	bc->specs = kept;
}

/* Without a list: the Debian images of one flavour from --good to --bad. */
static void debian_list(struct bisect_cli *bc)
{
	const char *g, *b;
	struct apt_kernel *all;
	int n, i;

	if (!bc->good || !bc->bad)
		die(EXIT_USAGE, "bisect: give --good and --bad, or --kernels FILE");
	if (!str_starts(bc->good, "debian:") || !str_starts(bc->bad, "debian:"))
		die(EXIT_USAGE, "bisect: only debian: kernels make a list by themselves; "
		    "give --kernels FILE for %s", str_starts(bc->good, "debian:") ? bc->bad : bc->good);
	g = bc->good + 7;
	b = bc->bad + 7;
	if (strcmp(kernel_flavour(g), kernel_flavour(b)))
		die(EXIT_USAGE, "bisect: --good and --bad are of different flavours (%s, %s); "
		    "give --kernels FILE", kernel_flavour(g), kernel_flavour(b));
	n = apt_kernels(&all);
	if (n < 0)
		die(EXIT_INFRA, "cannot list Debian kernels (apt-cache failed)");
	qsort(all, n, sizeof(*all), apt_kernel_cmp);
	for (i = 0; i < n; i++)
		if (!strcmp(kernel_flavour(all[i].name), kernel_flavour(g))) {
			bc->specs = xrealloc(bc->specs, (bc->n + 1) * sizeof(char *));
			bc->specs[bc->n++] = xasprintf("debian:%s", all[i].name);
		}
	bc->list_file = "apt's kernel list";
	slice_list(bc);
}

/* Every spec parses before anything runs: an unknown one is bad input. */
static void parse_list(struct bisect_cli *bc)
{
	if (bc->list_file)
		read_kernel_list(bc), slice_list(bc);
	else
		debian_list(bc);
	bc->kernels = xcalloc(bc->n, sizeof(struct kernel));
	for (int i = 0; i < bc->n; i++) {
		char *err = NULL;

		if (kernel_parse(bc->specs[i], &bc->kernels[i], &err))
			die(EXIT_USAGE, "bisect: %s", err);
		if (bc->kernels[i].kind == KERNEL_HOST)
			die(EXIT_USAGE, "bisect: the host kernel cannot be a step of a bisection");
	}
	if (bc->n < 2)
		die(EXIT_USAGE, "bisect: needs at least two kernels");
}

/* Seconds that give a race `rounds` rounds at its declared pace, thrice over. */
static int racy_seconds(const struct case_decl *c, int rounds)
{
	double per_round = (double)c->budget_seconds / c->budget_rounds;
	double s = 3 * per_round * rounds;

	return s < c->budget_seconds ? c->budget_seconds : s > 86400 ? 86400 : (int)s;
}

/* The subtest's result in the step's one pair. */
static void read_step(const struct pair *p, const char *name, struct step_result *r)
{
	r->outcome = p->outcome == OUT_PASS || p->outcome == OUT_FAIL ? OUT_NOTRUN : p->outcome;
	for (int i = 0; i < p->nsubs; i++) {
		const struct sub_result *sr = &p->subs[i];

		if (strcmp(sr->name, name))
			continue;
		r->outcome = sr->outcome;
		r->k = sr->k;
		r->n = sr->n;
		r->racy = sr->racy;
		if (sr->reason && !r->why && r->outcome != OUT_PASS && r->outcome != OUT_FAIL)
			r->why = xstrdup(sr->reason);
	}
	if (!r->why && p->detail && r->outcome != OUT_PASS && r->outcome != OUT_FAIL)
		r->why = xstrdup(p->detail);
}

/* A kernel that cannot be had is a step to skip, not the end of it all. */
static bool step_kernel_ready(struct bisect_cli *bc, int i, struct step_result *res)
{
	struct kernel_env env = { .cache = cache_dir(), .root = bc->root };
	char *why = NULL;

	if (!kernel_prepare(&bc->kernels[i], &env, &why))
		return true;
	res->outcome = OUT_INFRA;
	res->why = why;
	return false;
}

/*
 * One round of a bisection: a krepro run of the subtest on the kernels
 * idx[] at once (as many VMs as -j allows), in a directory of its own.
 */
static int bisect_step(void *ctx, const int *idx, int n, int rounds, struct step_result *res)
{
	struct bisect_cli *bc = ctx;
	struct case_set set;
	struct run_cli r;
	char *sub = strchr(bc->subtest, '/') + 1, *dir;
	int rc, *run_of = xcalloc(n, sizeof(int));

	run_cli_init(&r);
	r.o.jobs = bc->jobs ? bc->jobs : r.o.jobs;
	r.o.table = stderr;
	/*
	 * Each step runs a kernel once, with a one-subtest image: taking its
	 * snapshot would cost a boot more than it saves (the deterministic
	 * bisection took 16 s with snapshots, 13 s booting).
	 */
	r.no_snapshot = true;
	r.kspecs = xcalloc(n, sizeof(char *));
	for (int j = 0; j < n; j++) {
		run_of[j] = -1;
		if (step_kernel_ready(bc, idx[j], &res[j]))
			run_of[j] = r.nk, r.kspecs[r.nk++] = bc->specs[idx[j]];
	}
	dir = xasprintf("%s/%02d-%s", bc->dir, ++bc->nstep, r.nk == 1 ?
			bc->kernels[idx[0]].label : "round");
	for (int j = 0; j < n; j++)
		res[j].dir = xstrdup(dir);
	fprintf(stderr, "%s: bisect: round %d: %d kernel%s", progname, bc->nstep, r.nk,
		r.nk == 1 ? "" : "s");
	fprintf(stderr, rounds ? ", %d rounds\n" : "\n", rounds);
	if (r.nk) {
		r.outdir = dir;
		r.accel = bc->accel;
		/* Bisection has its own statistics: an end's race estimates the
		 * rate the later steps' rounds come from, so it spends its budget
		 * rather than stopping at a first failure. */
		r.o.level = 0;
		add_selection(&r, bc->subtest);
		if (rounds) {
			cases_load(cases_dir(bc->root), &set);
			r.o.runs = rounds;
			r.o.runs_given = true;
			r.o.seconds = racy_seconds(case_find(&set, r.sel[0].kase), rounds);
		}
		rc = execute_run(&r, bc->root, 0, NULL);
		if (rc >= 128)
			exit(rc);	/* interrupted: the round's run.json says so */
		for (int j = 0; j < n; j++)
			if (run_of[j] >= 0)
				read_step(&r.o.pairs[run_of[j]], sub, &res[j]);
	}
	free(run_of);
	free(dir);
	return 0;
}

static const char bisect_usage[] =
	"usage: krepro bisect --good KERNEL --bad KERNEL -c CASE[/SUBTEST]\n"
	"                     [--kernels FILE] [-n ROUNDS] [--error P] [-j JOBS] [-o DIR]\n"
	"                     [--format text|md|json] [--accel MODE]\n"
	"  Find the first kernel where the subtest turns bad.  Debian kernels of one\n"
	"  flavour make the list by themselves; --kernels FILE gives any list.\n"
	"  --error P   the chance of a wrong culprit allowed (default 0.05)\n"
	"  -n ROUNDS   rounds of a racy subtest at the two ends (default: declared)\n"
	"  -j JOBS     kernels tried at once (default: one per CPU); with 2, each\n"
	"              round cuts the range in three\n"
	"  Exit: 0 found, 2 bad input (an end that is not what it is called),\n"
	"  3 undecided (skipped steps, a race too unstable).\n";

static void parse_bisect(struct bisect_cli *bc, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "good", required_argument, NULL, OPT_GOOD },
		{ "bad", required_argument, NULL, OPT_BAD },
		{ "kernels", required_argument, NULL, OPT_KERNELS },
		{ "case", required_argument, NULL, 'c' },
		{ "error", required_argument, NULL, OPT_ERROR },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "accel", required_argument, NULL, OPT_ACCEL },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "c:n:o:j:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'j': bc->jobs = parse_count("-j", optarg, 1, 64); break;
		case OPT_GOOD: bc->good = optarg; break;
		case OPT_BAD: bc->bad = optarg; break;
		case OPT_KERNELS: bc->list_file = optarg; break;
		case 'c': bc->sel = optarg; break;
		case 'n': bc->rounds = parse_count("-n", optarg, 1, 10000000); break;
		case 'o': bc->outdir = optarg; break;
		case OPT_FORMAT: bc->format = format_option(optarg); break;
		case OPT_ACCEL: bc->accel = optarg; break;
		case OPT_ERROR:
			bc->alpha = strtod(optarg, NULL);
			if (bc->alpha <= 0.025 || bc->alpha >= 1)
				usage_error("bad --error '%s': expected a probability above 0.025 "
					    "and below 1", optarg);
			break;
		case 'h':
			fputs(bisect_usage, stdout);
			exit(EXIT_OK);
		default:
			bad_option("bisect", argv);
		}
	}
	if (optind < argc)
		usage_error("bisect: unexpected argument '%s'", argv[optind]);
	if (!bc->sel)
		usage_error("bisect: which subtest? give -c CASE/SUBTEST");
	if (bc->format != FMT_TEXT && bc->format != FMT_MD && bc->format != FMT_JSON)
		usage_error("bisect: --format takes text, md or json");
}

/* CASE/SUBTEST, or CASE when it has one subtest; the subtest's kind. */
static enum kind bisect_subject(struct bisect_cli *bc)
{
	const char *slash = strchr(bc->sel, '/');
	char *name = slash ? strndup(bc->sel, slash - bc->sel) : xstrdup(bc->sel);
	struct case_set set;
	struct case_decl *c;
	struct subtest_decl *sub;

	cases_load(cases_dir(bc->root), &set);
	c = case_find(&set, name);
	if (!c)
		die(EXIT_USAGE, "bisect: unknown case '%s' (krepro list)", name);
	if (!slash && c->nsubs != 1)
		die(EXIT_USAGE, "bisect: %s has %d subtests; name one: -c %s/SUBTEST",
		    name, c->nsubs, name);
	sub = slash ? subtest_find(c, slash + 1) : &c->subs[0];
	if (!sub)
		die(EXIT_USAGE, "bisect: %s has no subtest '%s' (krepro list)", name, slash + 1);
	bc->subtest = xasprintf("%s/%s", name, sub->name);
	free(name);
	return sub->kind;
}

/* The changelog entries the first bad Debian package adds over the last good. */
static void bisect_changelog(struct bisect_cli *bc, const struct bisect *b,
			     struct bisect_report *r)
{
	struct kernel *good, *bad;
	char *path;

	r->nlog = -1;
	if (b->first_bad < 0)
		return;
	good = &bc->kernels[b->last_good];
	bad = &bc->kernels[b->first_bad];
	path = kernel_changelog(bad, cache_dir());
	if (!path || !*good->pkg_version || !*bad->pkg_version) {
		free(path);
		return;
	}
	r->good_version = good->pkg_version;
	r->bad_version = bad->pkg_version;
	r->nlog = changelog_since(path, good->pkg_version, &r->log);
	free(path);
}

static void write_report_file(const char *dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);

	if (write_file_atomic(path, text, strlen(text)))
		warnx_("cannot write %s: %s", path, strerror(errno));
	free(path);
}

static void save_bisect(const struct bisect_report *r)
{
	char *json = bisect_render(r, FMT_JSON), *text = bisect_render(r, FMT_TEXT);
	struct buf log = { 0 };

	write_report_file(r->dir, "bisect.json", json);
	write_report_file(r->dir, "bisect.txt", text);
	for (int i = 0; i < r->nlog; i++)
		buf_printf(&log, "%s\n", r->log[i].text);
	if (r->nlog > 0)
		write_report_file(r->dir, "changelog.txt", log.data);
	buf_free(&log);
	free(json);
	free(text);
}

static int cmd_bisect(int argc, char **argv, const char *root)
{
	struct bisect_cli bc = { .root = root, .alpha = 0.05, .format = FMT_TEXT };
	struct bisect b = { 0 };
	struct bisect_report rep = { .b = &b, .nlog = -1 };
	char *text;
	int rc;

	parse_bisect(&bc, argc, argv);
	b.kind = bisect_subject(&bc);
	parse_list(&bc);
	check_can_run(&(struct run_opts){ 0 }, true);
	bc.dir = run_outdir(bc.outdir);
	if (mkdir_p(bc.dir, 0755))
		die(EXIT_USAGE, "cannot create %s: %s", bc.dir, strerror(errno));
	b.specs = bc.specs;
	b.nspecs = bc.n;
	b.alpha = bc.alpha;
	b.start_rounds = bc.rounds;
	b.max_rounds = 100000;
	b.step = bisect_step;
	b.ctx = &bc;
	b.parallel = bc.jobs ? bc.jobs : sysconf(_SC_NPROCESSORS_ONLN);
	rc = bisect_run(&b);
	rep.subject = bc.subtest;
	rep.dir = bc.dir;
	bisect_changelog(&bc, &b, &rep);
	save_bisect(&rep);
	/* Bad input is one line; the steps that showed it stay in the directory. */
	if (rc == BISECT_BAD_INPUT)
		die(EXIT_USAGE, "bisect: %s", b.why);
	text = bisect_render(&rep, bc.format);
	fputs(text, stdout);
	free(text);
	return rc == BISECT_FOUND ? EXIT_OK : EXIT_INFRA;
}

/* ---- bisect-run ---- */

enum { GIT_GOOD = 0, GIT_BAD = 1, GIT_SKIP = 125 };

static const char bisect_run_usage[] =
	"usage: krepro bisect-run -c CASE[/SUBTEST] [--tree DIR] [--config FRAGMENT]\n"
	"                         [--bad-if reproduced|not-reproduced] [--rate P]\n"
	"  For `git bisect run`: build DIR (default: .), run the case, and exit\n"
	"  0 good, 1 bad (a failed regression or mitigation, a crash), 125 skip\n"
	"  (the build failed, the VM never ran the case, a race undecided).\n"
	"  A hazard or behaviour is bad when reproduced (--bad-if to turn that\n"
	"  round).  A race that did not hit is good only with --rate P, the hit\n"
	"  rate on a bad kernel: it then runs enough rounds to miss at most 1 %.\n";

struct bisect_run_cli {
	struct kbuild_spec spec;
	const char *sel, *outdir, *accel;
	bool bad_if_missing;	/* --bad-if not-reproduced */
	double rate;		/* --rate: 0 when not given */
};

static void parse_bisect_run(struct bisect_run_cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "case", required_argument, NULL, 'c' },
		{ "tree", required_argument, NULL, OPT_TREE },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "bad-if", required_argument, NULL, OPT_GOOD },
		{ "rate", required_argument, NULL, OPT_ERROR },
		{ "accel", required_argument, NULL, OPT_ACCEL },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int opt;

	kbuild_set_tree(&c->spec, ".");
	while ((opt = getopt_long(argc, argv, "c:o:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': c->sel = optarg; break;
		case 'o': c->outdir = optarg; break;
		case OPT_TREE: kbuild_set_tree(&c->spec, optarg); break;
		case OPT_CONFIG: kbuild_set_fragment(&c->spec, optarg); break;
		case OPT_ACCEL: c->accel = optarg; break;
		case OPT_GOOD:
			if (strcmp(optarg, "reproduced") && strcmp(optarg, "not-reproduced"))
				usage_error("bad --bad-if '%s': expected reproduced or "
					    "not-reproduced", optarg);
			c->bad_if_missing = !strcmp(optarg, "not-reproduced");
			break;
		case OPT_ERROR:
			c->rate = strtod(optarg, NULL);
			if (c->rate <= 0 || c->rate > 1)
				usage_error("bad --rate '%s': expected a hit rate in (0, 1]", optarg);
			break;
		case 'h':
			fputs(bisect_run_usage, stdout);
			exit(EXIT_OK);
		default:
			bad_option("bisect-run", argv);
		}
	}
	if (optind < argc)
		usage_error("bisect-run: unexpected argument '%s'", argv[optind]);
	if (!c->sel)
		usage_error("bisect-run: which case? give -c CASE[/SUBTEST]");
}

/* What git bisect should hear about one step's result. */
static int git_verdict(const struct bisect_run_cli *c, enum kind kind,
		       const struct step_result *r, int rounds)
{
	bool hazard = kind_is_hazard(kind), reproduced = r->outcome == OUT_PASS;

	if (r->outcome == OUT_CRASH)
		return GIT_BAD;
	if (r->outcome != OUT_PASS && r->outcome != OUT_FAIL)
		return GIT_SKIP;
	if (!hazard)
		return r->outcome == OUT_FAIL ? GIT_BAD : GIT_GOOD;
	if (r->racy && !reproduced && (!rounds || r->n < rounds))
		return GIT_SKIP;	/* a race that did not hit says nothing unsized */
	return reproduced != c->bad_if_missing ? GIT_BAD : GIT_GOOD;
}

static int cmd_bisect_run(int argc, char **argv, const char *root)
{
	struct bisect_run_cli c = { 0 };
	struct bisect_cli bc = { .root = root };
	struct kernel_env env = { .cache = cache_dir(), .root = root };
	struct step_result r = { 0 };
	char *image, *release, *why;
	enum kind kind;
	int rc, rounds;

	cli_infra_exit = GIT_SKIP;
	parse_bisect_run(&c, argc, argv);
	bc.sel = c.sel;
	bc.accel = c.accel;
	kind = bisect_subject(&bc);
	check_can_run(&(struct run_opts){ 0 }, true);
	rc = kbuild_image(&c.spec, &env, &image, &release, &why);
	if (rc == KERNEL_BAD_INPUT)
		die(EXIT_USAGE, "bisect-run: %s", why);
	if (rc) {
		fprintf(stderr, "%s: bisect-run: skip: %s\n", progname, why);
		return GIT_SKIP;
	}
	bc.specs = xcalloc(1, sizeof(char *));
	bc.specs[0] = xasprintf("file:%s", image);
	bc.n = 1;
	bc.kernels = xcalloc(1, sizeof(struct kernel));
	if (kernel_parse(bc.specs[0], &bc.kernels[0], &why))
		die(EXIT_INFRA, "%s", why);
	bc.dir = run_outdir(c.outdir);
	if (mkdir_p(bc.dir, 0755))
		die(EXIT_USAGE, "cannot create %s: %s", bc.dir, strerror(errno));
	rounds = c.rate ? bisect_rounds_for(c.rate, 0.01, 1000000) : 0;
	bisect_step(&bc, (int[]){ 0 }, 1, rounds, &r);
	rc = git_verdict(&c, kind, &r, rounds);
	fprintf(stderr, "%s: bisect-run: %s on %s: %s -> %s\n", progname, bc.subtest, release,
		outcome_label(r.outcome, kind), rc == GIT_GOOD ? "good" : rc == GIT_BAD ?
		"bad" : "skip");
	return rc;
}

/* ---- build ---- */

static const char build_usage[] =
	"usage: krepro build [--tree DIR] [--patch FILE]... [--config FRAGMENT]\n"
	"  Build an x86_64 bzImage: tinyconfig with FRAGMENT merged over it\n"
	"  (default vm/config/krepro.config), from DIR or Debian's\n"
	"  " KBUILD_DEFAULT_SOURCE ", with each patch applied (patch -p1).  Images are\n"
	"  cached by what went in; the last line on stdout is the file: spec.\n";

static int cmd_build(int argc, char **argv, const char *root)
{
	static const struct option opts[] = {
		{ "tree", required_argument, NULL, OPT_TREE },
		{ "patch", required_argument, NULL, OPT_PATCH },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct kbuild_spec s = { .package = xstrdup(KBUILD_DEFAULT_SOURCE) };
	struct kernel_env env = { .cache = cache_dir(), .root = root };
	char *image, *release, *why;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (opt == OPT_TREE)
			kbuild_set_tree(&s, optarg);
		else if (opt == OPT_PATCH)
			kbuild_add_patch(&s, optarg);
		else if (opt == OPT_CONFIG)
			kbuild_set_fragment(&s, optarg);
		else if (opt == 'h')
			return fputs(build_usage, stdout), EXIT_OK;
		else
			bad_option("build", argv);
	}
	if (optind < argc)
		usage_error("build: unexpected argument '%s'", argv[optind]);
	rc = kbuild_image(&s, &env, &image, &release, &why);
	if (rc)
		die(rc == KERNEL_BAD_INPUT ? EXIT_USAGE : EXIT_INFRA, "%s", why);
	fprintf(stderr, "%s: kernel %s\n", progname, release);
	printf("file:%s\n", image);
	kbuild_free(&s);
	free(image);
	free(release);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	char *root;

	if (argc < 2)
		usage_error("no command given");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("krepro %s\n", KREPRO_VERSION);
		return 0;
	}
	opterr = 0;
	/* compare reads only the directories it is given: no root needed. */
	if (!strcmp(argv[1], "compare"))
		return cmd_compare(argc - 1, argv + 1);
	root = project_root();
	if (!strcmp(argv[1], "list"))
		return cmd_list(argc - 1, argv + 1, root);
	if (!strcmp(argv[1], "kernels"))
		return cmd_kernels(argc - 1, argv + 1);
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1, root);
	if (!strcmp(argv[1], "gate"))
		return cmd_gate(argc - 1, argv + 1, root);
	if (!strcmp(argv[1], "build"))
		return cmd_build(argc - 1, argv + 1, root);
	if (!strcmp(argv[1], "bisect"))
		return cmd_bisect(argc - 1, argv + 1, root);
	if (!strcmp(argv[1], "bisect-run"))
		return cmd_bisect_run(argc - 1, argv + 1, root);
	usage_error("unknown command '%s'", argv[1]);
}
