/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KREPRO_CASES_H
#define KREPRO_CASES_H

#include <stdbool.h>

/* What a subtest's pass means; see README "Verdicts". */
enum kind { KIND_REGRESSION, KIND_MITIGATION, KIND_HAZARD, KIND_BEHAVIOUR,
	    KIND_CONTROL, KIND_COUNT };

struct subtest_decl {
	char *name;
	enum kind kind;
	char *what;		/* one line: what pass means */
	/*
	 * A mitigation's danger (declared "guards:"): the hazard whose
	 * reproduction in the same run shows what the protection stops, as
	 * a full subtest name, or NULL with guard_within when the subtest
	 * runs its own unprotected twin (lib/wire.h WIRE_DANGER_SHOWN_TAG).
	 */
	char *guard;
	bool guard_within;
	/*
	 * The kernel behaviours the verdict rests on ("kernel:"), names of
	 * known-bad patches in vm/known-bad/, one space apart; "user-space"
	 * when only user space protects (--negative removes it); NULL when
	 * undeclared.
	 */
	char *kernel;
};

struct case_decl {
	char *name;
	char *path;		/* the declaration file */
	char *title, *story, *fix;
	char *binary;		/* name of the reproducer in build/repro/ */
	char **modules;		/* kernel modules the case needs */
	int nmodules;
	char **tools;		/* host programs copied into the guest */
	int ntools;
	int timeout;		/* seconds, whole case */
	int memory_mb;
	bool aslr_off;		/* `aslr: off`: its VMs boot with norandmaps */
	int budget_rounds;	/* racy subtests: rounds per run, 0 = not racy */
	int budget_seconds;	/* and the time cap per subtest */
	bool is_default;	/* part of a run without -c */
	struct subtest_decl *subs;
	int nsubs;
};

struct case_set {
	struct case_decl *cases;
	int n;
};

const char *kind_name(enum kind k);
/* The kind a name stands for (as declared and in run.json), or -1. */
int kind_parse(const char *name);
/* Parse one declaration; on error returns -1 with a one-line reason in err. */
int case_parse(const char *path, const char *text, struct case_decl *c, char **err);
/* Free what case_parse allocated (also after it failed). */
void case_free(struct case_decl *c);
/* Load every *.case file in dir, sorted by name; exits 2 on a bad one. */
void cases_load(const char *dir, struct case_set *set);
struct case_decl *case_find(struct case_set *set, const char *name);
struct subtest_decl *subtest_find(struct case_decl *c, const char *name);

#endif
