// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests of the harness's parsers and the outcome classification. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "channel.h"
#include "evidence.h"
#include "initramfs.h"
#include "kernel.h"
#include "ktap.h"
#include "classify.h"
#include "run.h"
#include "cli.h"
#include "kselftest_harness.h"

/* A check inside a test: the test fails, the others still run. */
#define CHECK(cond) EXPECT_TRUE(!!(cond))

/* A VM's report: the console given, a taint read after every result line. */
static void classify_vm(struct pair *p, struct guest_report *g, const char *console,
			bool timed_out)
{
	g->console = (char *)console;
	g->taint_frames = true;
	classify_run(p, g, timed_out);
}


TEST(ktap_parser_keeps_results_diagnostics_and_the_running_test)
{
	struct ktap k;

	ktap_parse("TAP version 13\n1..3\n# hello\nok 1 fix.a\n"
		   "not ok 2 fix.b\n# seen 0:0\nok 3 fix.c # SKIP no overlay\n", &k);
	CHECK(k.has_version);
	CHECK(k.plan == 3);
	CHECK(k.n == 3);
	CHECK(ktap_find(&k, "a") && ktap_find(&k, "a")->result == KTAP_OK);
	CHECK(ktap_find(&k, "b") && ktap_find(&k, "b")->result == KTAP_NOT_OK);
	CHECK(ktap_find(&k, "c") && ktap_find(&k, "c")->result == KTAP_SKIP);
	CHECK(ktap_find(&k, "c") && !strcmp(ktap_find(&k, "c")->reason, "no overlay"));
	CHECK(ktap_find(&k, "a") && strstr(ktap_find(&k, "a")->diag, "hello"));
	CHECK(!ktap_find(&k, "d"));
	ktap_free(&k);
	ktap_parse("ok 1 fix.tmpfs.t\nok 2 fix.xfs.t\n", &k);
	CHECK(k.n == 2 && ktap_find(&k, "xfs.t") == &k.tests[1]);
	ktap_free(&k);
}

TEST(case_declarations_parse_or_name_the_bad_line)
{
	struct case_decl c;
	char *err = NULL;

	CHECK(case_parse("x.case", "name: x\nbinary: x\n\n# c\n"
			 "subtest: t_one regression the thing holds\n", &c, &err) == 0);
	CHECK(c.nsubs == 1 && c.subs[0].kind == KIND_REGRESSION);
	CHECK(c.is_default && c.timeout == 120 && !c.aslr_off);
	CHECK(case_parse("x.case", "name: x\nbinary: x\naslr: off\n"
			 "subtest: t_one regression the thing holds\n", &c, &err) == 0);
	CHECK(c.aslr_off);
	err = NULL;
	CHECK(case_parse("x.case", "name: x\naslr: no\n", &c, &err));
	CHECK(err && !strcmp(err, "x.case:2: aslr must be on or off"));
	err = NULL;
	CHECK(case_parse("x.case", "name: x\nbinary: x\nsubtest: t odd what\n", &c, &err));
	CHECK(err && strstr(err, "x.case:3: subtest t: unknown kind 'odd'"));
	err = NULL;
	CHECK(case_parse("x.case", "name: x\nbogus: 1\n", &c, &err));
	CHECK(err && !strcmp(err, "x.case:2: unknown key 'bogus'"));
	err = NULL;
	CHECK(case_parse("x.case", "name: x\nbinary: x\n", &c, &err));
	CHECK(err && !strcmp(err, "x.case: no subtest"));
	err = NULL;
	CHECK(case_parse("x.case", "name: x\nbinary: x\nsubtest: a hazard h\n"
			 "subtest: a hazard h\n", &c, &err));
	CHECK(err && strstr(err, "declared twice"));
}

TEST(kernel_specs_parse_or_are_refused)
{
	struct kernel k;
	char *err = NULL;

	CHECK(kernel_parse("host", &k, &err) == 0 && k.kind == KERNEL_HOST);
	CHECK(kernel_parse("debian:6.1.0-47-cloud-amd64", &k, &err) == 0 &&
	      k.kind == KERNEL_DEBIAN && !strcmp(k.label, "debian-6.1.0-47-cloud-amd64"));
	CHECK(kernel_parse("file:/b/bzImage,modules=/m", &k, &err) == 0 &&
	      !strcmp(k.image, "/b/bzImage") && !strcmp(k.moddir, "/m"));
	CHECK(kernel_parse("debian:", &k, &err) == -1);
	CHECK(kernel_parse("debian:../x", &k, &err) == -1);
	CHECK(kernel_parse("file:/b,foo=1", &k, &err) == -1);
	CHECK(kernel_parse("vmlinuz", &k, &err) == -1 && strstr(err, "bad kernel spec"));
}

TEST(the_newest_cloud_kernel_of_a_series_is_picked)
{
	struct apt_kernel l[] = {
		{ "6.1.0-9-cloud-amd64", "" }, { "6.1.0-47-cloud-amd64", "" },
		{ "6.12.99+deb12-cloud-amd64", "" }, { "6.12.117+deb12-cloud-amd64", "" },
		{ "6.1.0-50-amd64", "" },
	};
	char *a = apt_newest_cloud(l, 5, "6.1"), *b = apt_newest_cloud(l, 5, "6.12");

	CHECK(a && !strcmp(a, "6.1.0-47-cloud-amd64"));
	CHECK(b && !strcmp(b, "6.12.117+deb12-cloud-amd64"));
	CHECK(!apt_newest_cloud(l, 5, "5.10"));
}

TEST(channel_frames_need_the_boot_marker)
{
	struct guest_report g;

	channel_parse("noise\r\nKREPRO-abc BOOT uname=6.1.0 taint=0\r\n"
		      "KREPRO-abc BEGIN c taint=0\r\nok 1 f.t\r\n"
		      "KREPRO-xyz END rc=9 taint=0\r\n"	/* wrong marker: case output */
		      "KREPRO-abc END rc=0 taint=512\r\n", "abc", &g);
	CHECK(g.booted && g.begun && g.ended);
	CHECK(g.rc == 0 && g.taint_begin == 0 && g.taint_end == 512);
	CHECK(!strcmp(g.uname, "6.1.0"));
	CHECK(strstr(g.ktap, "ok 1 f.t") && strstr(g.ktap, "KREPRO-xyz"));
	guest_report_free(&g);
	CHECK(console_crash_excerpt("boot\n[1] Kernel panic - not syncing: x\r\n[2] y\n", 5) != NULL);
	/* A user program's fault report is no crash sign. */
	CHECK(console_crash_excerpt("[3] traps: prog[103] general protection fault "
				    "ip:4a2000 sp:7ffc error:0 in prog[401000+a2000]\n", 5) == NULL);
	CHECK(console_crash_excerpt("boot ok\n", 5) == NULL);
}

TEST(frames_out_of_init_order_garble_the_channel)
{
	static const char *const forged[] = {
		/* a test that learnt the marker and says END early */
		"KREPRO-m BOOT uname=6.1 taint=0\nKREPRO-m BEGIN c taint=0\n"
		"KREPRO-m END rc=0 taint=0\nok 1 f.a\nKREPRO-m TAINT 0\n"
		"KREPRO-m END rc=0 taint=0\n",
		"KREPRO-m BEGIN c taint=0\n",			/* before BOOT */
		"KREPRO-m BOOT uname=6.1 taint=0\nKREPRO-m BOOT uname=6.1 taint=0\n",
		"KREPRO-m BOOT uname=6.1 taint=0\nKREPRO-m BEGIN c taint=0\n"
		"KREPRO-m BEGIN c taint=0\n",
		"KREPRO-m BOOT uname=6.1 taint=0\nKREPRO-m PASS all\n",	/* unknown */
	};
	struct guest_report g;

	for (unsigned i = 0; i < sizeof(forged) / sizeof(forged[0]); i++) {
		channel_parse(forged[i], "m", &g);
		EXPECT_TRUE(g.garbled != NULL) TH_LOG("not garbled: %s", forged[i]);
		guest_report_free(&g);
	}
	channel_parse("KREPRO-m BOOT uname=6.1 taint=0\nKREPRO-m VERSION Linux\n"
		      "KREPRO-m MODULE loop failed\nKREPRO-m BEGIN c taint=0\n"
		      "ok 1 f.a\nKREPRO-m TAINT 0\nKREPRO-m END rc=0 taint=0\n", "m", &g);
	CHECK(!g.garbled && g.ended && g.ntaints == 1);
	guest_report_free(&g);
}

TEST(a_line_cut_off_mid_way_is_no_result)
{
	struct guest_report g;
	struct ktap k;

	/* QEMU killed in the middle of the END frame: the case did not end. */
	channel_parse("KREPRO-m BOOT uname=6.1 taint=0\nKREPRO-m BEGIN c taint=0\n"
		      "ok 1 f.a\nKREPRO-m END rc=0 ta", "m", &g);
	CHECK(g.begun && !g.ended && !g.garbled);
	guest_report_free(&g);
	/* "ok 2 f.a_long" cut to "ok 2 f.a" would be another subtest's pass. */
	ktap_parse("not ok 1 f.a\nok 2 f.a", &k);
	CHECK(k.n == 1 && ktap_count(&k, "a") == 1 && k.tests[0].result == KTAP_NOT_OK);
	ktap_free(&k);
}

/* The boot deadline asks the channel log whether this boot's init ran. */
TEST(a_boot_is_seen_only_with_its_own_marker)
{
	char path[] = "/tmp/krepro-unit-chan.XXXXXX";
	int fd = mkstemp(path);
	static const char log[] = "[ 0.5] KREPRO-other BOOT uname=6.1 taint=0\n"
				  "KREPRO-m BOOT uname=6.1 taint=0\n";

	CHECK(fd >= 0);
	CHECK(!channel_booted(path, "m"));	/* empty: QEMU has just started */
	CHECK(write(fd, log, strlen(log)) == (ssize_t)strlen(log));
	close(fd);
	CHECK(channel_booted(path, "m"));
	CHECK(!channel_booted(path, "x"));	/* another boot's marker */
	unlink(path);
	CHECK(!channel_booted(path, "m"));	/* no log at all */
}

static struct pair make_pair(struct case_decl *c, struct kernel *k)
{
	struct pair p = { .kernel = k, .kase = c };
	int i;

	p.nsubs = c->nsubs;
	p.subs = xcalloc(c->nsubs, sizeof(*p.subs));
	for (i = 0; i < c->nsubs; i++)
		p.subs[i] = (struct sub_result){ .name = c->subs[i].name,
			.kind = c->subs[i].kind, .declared = true, .outcome = OUT_COUNT };
	return p;
}

TEST(a_run_is_classified_from_the_kernel_evidence)
{
	struct case_decl c;
	struct kernel k;
	struct guest_report g = { 0 };
	struct pair p;
	char *err = NULL;

	case_parse("c.case", "name: c\nbinary: c\nsubtest: a regression x\n"
		   "subtest: b hazard y\n", &c, &err);
	kernel_parse("debian:6.1.0-1-cloud-amd64", &k, &err);

	/* Never reached the case: infra. */
	p = make_pair(&c, &k);
	g.uname = g.version = g.ktap = g.module_errors = "";
	classify_vm(&p, &g, "qemu: bad kernel", false);
	CHECK(p.outcome == OUT_INFRA);

	/* Killed at the boot deadline: infra, and the detail says why. */
	p = make_pair(&c, &k);
	p.boot_late = 30;
	classify_vm(&p, &g, "[0.6] hanging before init\n", true);
	CHECK(p.outcome == OUT_INFRA && strstr(p.detail, "init did not start within 30 s"));

	/* Panic after BEGIN: crash, never pass. */
	p = make_pair(&c, &k);
	g.booted = g.begun = true;
	classify_vm(&p, &g, "[1] Kernel panic - not syncing\n", false);
	CHECK(p.outcome == OUT_CRASH && p.subs[0].outcome == OUT_CRASH);

	/* The live host reads no taint per result line: it cannot place a crash. */
	p = make_pair(&c, &k);
	g.ended = true;
	g.taint_begin = 0;
	g.taint_end = 512;
	g.ktap = "ok 1 f.a\nok 2 f.b\n";
	g.console = "";
	g.taint_frames = false;
	classify_run(&p, &g, false);
	CHECK(p.outcome == OUT_CRASH && p.subs[0].outcome == OUT_CRASH &&
	      p.subs[1].outcome == OUT_CRASH);
	CHECK(strstr(p.detail, "host mode cannot place it on one subtest"));

	/* Taint gained after the last result line: the last subtest's. */
	p = make_pair(&c, &k);
	g.ended = true;
	g.taint_begin = 0;
	g.taint_end = 512;
	g.ktap = "ok 1 f.a\nok 2 f.b\n";
	classify_vm(&p, &g, "", false);
	CHECK(p.outcome == OUT_CRASH && p.subs[0].outcome == OUT_PASS &&
	      p.subs[1].outcome == OUT_CRASH);

	/* Clean: regression ok = pass, hazard not ok = not reproduced. */
	p = make_pair(&c, &k);
	g.taint_end = 0;
	g.ktap = "ok 1 f.a\nnot ok 2 f.b\n";
	classify_vm(&p, &g, "", false);
	CHECK(p.subs[0].outcome == OUT_PASS && p.subs[0].k == 0 && p.subs[0].n == 1);
	CHECK(p.subs[1].outcome == OUT_FAIL && p.subs[1].k == 0);
	CHECK(!strcmp(outcome_label(p.subs[1].outcome, KIND_HAZARD), "not-reproduced"));

	/* A declared subtest without a result line is an error. */
	p = make_pair(&c, &k);
	g.ktap = "not ok 1 f.a\n";
	classify_vm(&p, &g, "", false);
	CHECK(p.subs[0].outcome == OUT_FAIL && p.subs[0].k == 1);
	CHECK(p.subs[1].outcome == OUT_ERROR);

	/* A program's GP fault or SIGSEGV, and panic/BUG text written by a
	 * test to /dev/kmsg, with the taint unchanged: no crash. */
	p = make_pair(&c, &k);
	g.ended = true;
	g.taint_begin = g.taint_end = 0;
	g.ktap = "ok 1 f.a\nok 2 f.b\n";
	classify_vm(&p, &g, "[5] traps: prog[103] general protection fault ip:4a2000 "
		    "sp:7ffc error:0 in prog[401000+a2000]\n[6] prog[104]: segfault at 0 "
		    "ip 0 sp 0 error 4\n[7] Kernel panic - not syncing: fake\n"
		    "[8] BUG: fake\n", false);
	CHECK(p.outcome == OUT_PASS && p.subs[0].outcome == OUT_PASS &&
	      p.subs[1].outcome == OUT_PASS && !p.excerpt);

	/* A panic in the second of three subtests: the first keeps its
	 * result, the second is the crash, the third never ran. */
	{
		struct case_decl c3;

		case_parse("c3.case", "name: c3\nbinary: c3\nsubtest: a regression x\n"
			   "subtest: b hazard y\nsubtest: d regression z\n", &c3, &err);
		p = make_pair(&c3, &k);
		g.ended = false;
		g.ktap = "#  RUN           f.a ...\nok 1 f.a\n#  RUN           f.b ...\n";
		classify_vm(&p, &g, "[9] Kernel panic - not syncing: Fatal exception\n", false);
		CHECK(p.outcome == OUT_CRASH && p.subs[0].outcome == OUT_PASS &&
		      p.subs[1].outcome == OUT_CRASH && p.subs[2].outcome == OUT_NOTRUN);
		CHECK(p.excerpt && strstr(p.excerpt, "Kernel panic"));

		/* A warning the kernel survived, placed by the TAINT frames. */
		p = make_pair(&c3, &k);
		struct taint_mark marks[3] = { { 0, 0 }, { 0, 512 }, { 0, 512 } };
		g.ended = true;
		g.ktap = "ok 1 f.a\nok 2 f.b\nok 3 f.d\n";
		marks[0].ktap_offset = strlen("ok 1 f.a\n");
		marks[1].ktap_offset = strlen("ok 1 f.a\nok 2 f.b\n");
		marks[2].ktap_offset = strlen(g.ktap);
		g.taints = marks;
		g.ntaints = 3;
		g.taint_end = 512;
		classify_vm(&p, &g, "[9] WARNING: CPU: 0 PID: 9 at fs/x.c:1 f+0x1/0x2\n", false);
		CHECK(p.outcome == OUT_CRASH && p.subs[0].outcome == OUT_PASS &&
		      p.subs[1].outcome == OUT_CRASH && p.subs[2].outcome == OUT_PASS);
		CHECK(p.detail && strstr(p.detail, "W (warning)"));
		g.taints = NULL;
		g.ntaints = 0;
		/* A taint flag that is no crash (U: requested by user space). */
		p = make_pair(&c3, &k);
		g.taint_end = 64;
		classify_vm(&p, &g, "", false);
		CHECK(p.outcome == OUT_PASS);
	}

	/* A hazard whose set-up failed is an error with the reason, never
	 * not-reproduced; so is a regression. */
	p = make_pair(&c, &k);
	g.ended = true;
	g.taint_begin = g.taint_end = 0;
	g.ktap = "# krepro-setup-failed: cannot mount the lower layer: Invalid argument\n"
		 "not ok 1 f.a\n# krepro-setup-failed: cannot make the stand-in socket: "
		 "Function not implemented\nnot ok 2 f.b\n";
	classify_vm(&p, &g, "", false);
	CHECK(p.subs[0].outcome == OUT_ERROR && p.subs[1].outcome == OUT_ERROR);
	CHECK(p.subs[1].reason && !strcmp(p.subs[1].reason, "set-up failed: cannot make the "
					  "stand-in socket: Function not implemented"));

	/* A test process killed before its verdict (the guest's OOM killer),
	 * or past its kselftest timeout: no verdict, whatever "not ok" says. */
	p = make_pair(&c, &k);
	g.ktap = "# a: Test terminated unexpectedly by signal 9\nnot ok 1 f.a\n"
		 "# b: Test terminated by timeout\nnot ok 2 f.b\n";
	classify_vm(&p, &g, "", false);
	CHECK(p.subs[0].outcome == OUT_ERROR && p.subs[1].outcome == OUT_TIMEOUT);
	CHECK(p.subs[0].reason && strstr(p.subs[0].reason, "killed by signal 9 (SIGKILL) before "
					 "its verdict"));
	/* A test that failed on its own ("Test failed", an assertion) keeps its verdict. */
	p = make_pair(&c, &k);
	g.ktap = "# a: Test terminated by assertion\nnot ok 1 f.a\n# b: Test failed\nnot ok 2 f.b\n";
	classify_vm(&p, &g, "", false);
	CHECK(p.subs[0].outcome == OUT_FAIL && p.subs[1].outcome == OUT_FAIL);

	/* Hung case: timeout. */
	p = make_pair(&c, &k);
	g.ended = false;
	g.ktap = "ok 1 f.a\n";
	classify_vm(&p, &g, "", true);
	CHECK(p.outcome == OUT_TIMEOUT && p.subs[0].outcome == OUT_PASS &&
	      p.subs[1].outcome == OUT_TIMEOUT);
}

TEST(racy_statistics_lines_fold_into_k_of_n)
{
	struct ktap_stats st;
	char *why;
	struct case_decl c;
	struct kernel k;
	struct guest_report g = { 0 };
	struct pair p;
	char *err = NULL;

	CHECK(ktap_stats_parse("# hello\n# krepro-stats: k=3 n=200 elapsed_ms=8012 "
			       "first_hit_ms=417 budget_rounds=200 budget_ms=8000 "
			       "stop=rounds placeholder=2 exit=1\n", &st, &why) == 0);
	CHECK(st.k == 3 && st.n == 200 && st.first_hit_s > 0.416 && st.first_hit_s < 0.418);
	CHECK(st.ncounts == 2 && !strcmp(st.count_names[1], "exit") && st.counts[1] == 1);
	CHECK(!strcmp(st.stop, "rounds") && st.budget_rounds == 200);
	ktap_stats_free(&st);
	CHECK(ktap_stats_parse("# krepro-stats: k=0 n=5 elapsed_ms=1 first_hit_ms=none "
			       "budget_rounds=5 budget_ms=10 stop=time\n", &st, &why) == 0);
	CHECK(st.first_hit_s < 0);
	CHECK(ktap_stats_parse("# nothing here\n", &st, &why) == -ENOENT);
	CHECK(ktap_stats_parse("# krepro-stats: k=9 n=5 elapsed_ms=1 first_hit_ms=3 "
			       "budget_rounds=5 budget_ms=10 stop=time\n", &st, &why) == -EINVAL);
	CHECK(why && strstr(why, "k=9 is more than n=5"));
	CHECK(ktap_stats_parse("# krepro-stats: k=1 n=5 elapsed_ms=1\n", &st, &why) == -EINVAL);
	CHECK(why && strstr(why, "missing"));
	/* Too large for the counts it feeds (a fuzzer's find). */
	CHECK(ktap_stats_parse("# krepro-stats: k=1 n=5e300 elapsed_ms=1 first_hit_ms=3 "
			       "budget_rounds=5 budget_ms=10 stop=time\n", &st, &why) == -EINVAL);
	CHECK(why && strstr(why, "n=5e300 is not a number up to 1e9"));
	CHECK(ktap_stats_parse("# krepro-stats: k=x n=5 elapsed_ms=1 first_hit_ms=3 "
			       "budget_rounds=5 budget_ms=10 stop=time\n", &st, &why) == -EINVAL);

	/* The budget key. */
	CHECK(case_parse("r.case", "name: r\nbinary: r\nbudget: 200 8\nsubtest: a hazard x\n", &c, &err) == 0);
	CHECK(c.budget_rounds == 200 && c.budget_seconds == 8);
	err = NULL;
	CHECK(case_parse("r.case", "name: r\nbinary: r\nbudget: 200\n", &c, &err));
	CHECK(err && strstr(err, "r.case:3: budget must be"));

	/* k/n of a racy subtest are its rounds, summed over runs. */
	CHECK(case_parse("r.case", "name: r\nbinary: r\nbudget: 10 5\nsubtest: race hazard x\n"
			 "subtest: lock mitigation y\nguards: race\n", &c, &err) == 0);
	kernel_parse("debian:6.1.0-1-cloud-amd64", &k, &err);
	p = make_pair(&c, &k);
	g.uname = g.version = g.module_errors = "";
	g.booted = g.begun = g.ended = true;
	g.ktap = "# krepro-stats: k=2 n=10 elapsed_ms=900 first_hit_ms=120 budget_rounds=10 "
		 "budget_ms=5000 stop=rounds eio=2\nok 1 f.race\n"
		 "# krepro-stats: k=0 n=10 elapsed_ms=900 first_hit_ms=none budget_rounds=10 "
		 "budget_ms=5000 stop=rounds\nok 2 f.lock\n";
	classify_vm(&p, &g, "", false);
	g.ktap = "# krepro-stats: k=0 n=7 elapsed_ms=5000 first_hit_ms=none budget_rounds=10 "
		 "budget_ms=5000 stop=time\nnot ok 1 f.race\n"
		 "# krepro-stats: k=1 n=10 elapsed_ms=900 first_hit_ms=800 budget_rounds=10 "
		 "budget_ms=5000 stop=rounds\nnot ok 2 f.lock\n";
	classify_vm(&p, &g, "", false);
	CHECK(p.subs[0].racy && p.subs[0].k == 2 && p.subs[0].n == 17);
	CHECK(p.subs[0].outcome == OUT_PASS && p.subs[0].runs == 2 && p.subs[0].runs_hit == 1);
	CHECK(p.subs[0].nfirst == 2 && p.subs[0].first_hit_s[1] < 0);
	CHECK(p.subs[0].ncounts == 1 && p.subs[0].counts[0] == 2);
	CHECK(p.subs[1].k == 1 && p.subs[1].n == 20 && p.subs[1].outcome == OUT_FAIL);

	/* A malformed statistics line is the test's error, never a pass. */
	p = make_pair(&c, &k);
	g.ktap = "# krepro-stats: k=2\nok 1 f.race\n";
	classify_vm(&p, &g, "", false);
	CHECK(p.subs[0].outcome == OUT_ERROR && p.subs[0].reason &&
	      strstr(p.subs[0].reason, "missing"));
}

/* Every mitigation names its danger; a pass without it shown does not count. */
TEST(a_mitigation_counts_only_with_its_danger_shown)
{
	struct case_decl c;
	struct kernel k;
	struct guest_report g = { 0 };
	struct pair p;
	char *err = NULL;

	CHECK(case_parse("g.case", "name: g\nbinary: g\nsubtest: lock mitigation y\n", &c, &err));
	CHECK(err && strstr(err, "g.case: mitigation lock needs 'guards: HAZARD'"));
	err = NULL;
	CHECK(case_parse("g.case", "name: g\nbinary: g\nsubtest: ctl control y\nguards: x\n",
			 &c, &err));
	CHECK(err && strstr(err, "g.case:4: guards must follow the mitigation"));
	err = NULL;
	CHECK(case_parse("g.case", "name: g\nbinary: g\nsubtest: lock mitigation y\n"
			 "guards: nope\n", &c, &err));
	CHECK(err && strstr(err, "guards nope, which the case does not declare"));
	err = NULL;
	CHECK(case_parse("g.case", "name: g\nbinary: g\nsubtest: b behaviour x\n"
			 "subtest: lock mitigation y\nguards: b\n", &c, &err));
	CHECK(err && strstr(err, "a behaviour (a guard is a hazard)"));
	err = NULL;
	CHECK(case_parse("g.case", "name: g\nbinary: g\nsubtest: lock mitigation y\n"
			 "guards: within\nguards: within\n", &c, &err));
	CHECK(err && strstr(err, "g.case:5: subtest lock: guards given twice"));

	/* A variant's guard resolves inside its own variant first. */
	err = NULL;
	CHECK(case_parse("g.case", "name: g\nbinary: g\nsubtest: v1.haz hazard x\n"
			 "subtest: v2.haz hazard x\nsubtest: v2.lock mitigation y\nguards: haz\n"
			 "subtest: twin mitigation y\nguards: within\n", &c, &err) == 0);
	CHECK(!strcmp(c.subs[2].guard, "v2.haz") && c.subs[3].guard_within);

	/* Same run: the guard reproduced, or the twin said so. */
	kernel_parse("debian:6.1.0-1-cloud-amd64", &k, &err);
	p = make_pair(&c, &k);
	g.uname = g.version = g.module_errors = "";
	g.booted = g.begun = g.ended = true;
	g.ktap = "ok 1 v1.haz\nnot ok 2 v2.haz\nok 3 v2.lock\nok 4 twin\n";
	classify_vm(&p, &g, "", false);
	CHECK(p.subs[2].outcome == OUT_UNSHOWN && strstr(p.subs[2].reason, "v2.haz was not reproduced"));
	CHECK(p.subs[3].outcome == OUT_UNSHOWN && strstr(p.subs[3].reason, "twin came to no harm"));
	CHECK(!strcmp(outcome_label(OUT_UNSHOWN, KIND_MITIGATION), "not-comparable (danger not shown)"));
	/* A second run with the danger shown gives a verdict. */
	g.ktap = "ok 1 v1.haz\nok 2 v2.haz\nok 3 v2.lock\n# krepro-danger-shown: hurt\nok 4 twin\n";
	classify_vm(&p, &g, "", false);
	CHECK(p.subs[2].outcome == OUT_PASS && p.subs[2].n == 1);
	CHECK(p.subs[3].outcome == OUT_PASS && p.subs[3].n == 1);
	/* A protection that failed fails, danger shown or not. */
	p = make_pair(&c, &k);
	g.ktap = "ok 1 v1.haz\nnot ok 2 v2.haz\nnot ok 3 v2.lock\nnot ok 4 twin\n";
	classify_vm(&p, &g, "", false);
	CHECK(p.subs[2].outcome == OUT_FAIL && p.subs[3].outcome == OUT_FAIL);
}

TEST(the_guest_image_is_a_valid_newc_cpio)
{
	struct cpio c = { 0 };

	cpio_file(&c, "/a/b/c", 0644, "hi", 2);
	cpio_finish(&c);
	/* Parents first: a, a/b, then the file, then the trailer. */
	CHECK(c.len % 512 == 0);
	CHECK(!memcmp(c.data, "070701", 6));
	CHECK(memmem(c.data, c.len, "a/b/c", 6) != NULL);
	CHECK(memmem(c.data, c.len, "TRAILER!!!", 10) != NULL);
	CHECK((char *)memmem(c.data, c.len, "a\0", 2) < (char *)memmem(c.data, c.len, "a/b/c", 5));
	cpio_free(&c);
}

/* Write a test file; a test body's check, so a macro. */
#define put(path, text) CHECK(write_file_atomic((path), (text), strlen(text)) == 0)

/* Modules come with their dependencies, deps first; '-' and '_' alike. */
TEST(guest_image_modules_resolve_with_their_dependencies)
{
	char dir[] = "/tmp/krepro-unit.XXXXXX";
	struct kernel k = { 0 };
	char *path, *err = NULL, *data, *mods[] = { "xfs", "over-lay" };
	struct image_spec spec = { 0 };
	int built;
	size_t len;

	CHECK(mkdtemp(dir) != NULL);
	k.moddir = xasprintf("%s/mods", dir);
	CHECK(mkdir_p(xasprintf("%s/kernel/fs", k.moddir), 0755) == 0);
	put(xasprintf("%s/modules.dep", k.moddir),
	    "kernel/fs/xfs.ko: kernel/fs/libcrc32c.ko kernel/fs/a_dep.ko\n"
	    "kernel/fs/over_lay.ko:\nkernel/fs/libcrc32c.ko:\nkernel/fs/a_dep.ko:\n");
	put(xasprintf("%s/kernel/fs/xfs.ko", k.moddir), "x");
	put(xasprintf("%s/kernel/fs/over_lay.ko", k.moddir), "o");
	put(xasprintf("%s/kernel/fs/libcrc32c.ko", k.moddir), "c");
	put(xasprintf("%s/kernel/fs/a_dep.ko", k.moddir), "a");
	put(xasprintf("%s/init", dir), "#!/bin/sh\n");
	spec.init = spec.busybox = spec.knobs = spec.binary = xasprintf("%s/init", dir);
	spec.case_name = "t";
	spec.kernel = &k;
	spec.modules = mods;
	spec.nmodules = 2;
	path = initramfs_get(&spec, dir, &built, &err);
	CHECK(path && built == 1);
	data = path ? read_file(path, &len) : NULL;
	CHECK(data && memmem(data, len, "MODULES='a_dep.ko libcrc32c.ko xfs.ko over_lay.ko'", 50));
	free(data);
	/* Same inputs: the cached image, not rebuilt. */
	CHECK(initramfs_get(&spec, dir, &built, &err) && built == 0);
	remove_tree(dir);
}

TEST_HARNESS_MAIN
