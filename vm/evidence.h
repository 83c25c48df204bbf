/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel evidence of a crash: taint flags and the console's panic line.
 * Only the kernel's own word counts; a user program's fault report
 * ("traps: ... general protection fault", "segfault at") and text a test
 * prints are never a crash.
 */
#ifndef KREPRO_EVIDENCE_H
#define KREPRO_EVIDENCE_H

#include <stdbool.h>

/* The taint bits that mean the kernel itself went wrong: M B D W L. */
#define TAINT_CRASH_MASK ((1L << 4) | (1L << 5) | (1L << 7) | (1L << 9) | (1L << 14))

/*
 * The flags set in after but not in before, by letter and meaning:
 * "D (die/oops), W (warning)"; malloc'd, "" when none (or unknown).
 */
char *taint_gained(long before, long after);
/* True when after carries a crash flag that before did not. */
bool taint_crashed(long before, long after);

/* True when the console holds the kernel's panic line. */
bool console_has_panic(const char *console);

/*
 * The console from the first kernel crash report (panic, oops, BUG,
 * WARNING, soft lockup) on, at most max_lines lines; malloc'd, or NULL.
 * For display only: whether it was a crash is decided from the taint or
 * from a panic that stopped the VM.
 */
char *console_crash_excerpt(const char *console, int max_lines);

#endif
