/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a run needs from the machine, checked before anything is touched
 * (a result directory it can fill), and watched while it runs (the
 * result directory filling up).
 */
#ifndef KREPRO_PREFLIGHT_H
#define KREPRO_PREFLIGHT_H

#include <stdbool.h>

/* The least free space a run starts with: run.json and the first logs. */
#define PREFLIGHT_MIN_FREE (1024 * 1024)

/*
 * The result directory dir (made later, if it does not exist) can be
 * written: its nearest existing ancestor is a writable directory with
 * PREFLIGHT_MIN_FREE bytes free.  -1 with a one-line reason.
 */
int preflight_results(const char *dir, char **why);

/* The cap on a VM's serial logs when KREPRO_CONSOLE_CAP is not set. */
#define CONSOLE_CAP_DEFAULT (8LL << 20)

/*
 * The cap on each VM's console and channel logs: KREPRO_CONSOLE_CAP
 * (bytes, or with a K or M suffix; 64K to 4096M), else the default.
 * -1 with a one-line reason when the variable is malformed.
 */
int console_cap_env(long long *cap, char **why);

/*
 * Seconds a VM's init has, from QEMU's start, to say BOOT on the channel
 * when KREPRO_BOOT_DEADLINE is not set.  A Debian cloud kernel gets there
 * in about 2 s under TCG on a busy 2-core machine (README, Reliability).
 */
#define BOOT_DEADLINE_DEFAULT 30
/*
 * KREPRO_BOOT_DEADLINE (seconds, 0: none, at most 3600), else the default.
 * -1 with a one-line reason when the variable is malformed.
 */
int boot_deadline_env(int *seconds, char **why);
/*
 * What the guest snapshots in CACHE/snapshot may take when
 * KREPRO_SNAPSHOT_MB is not set: one is 15-30 MB compressed
 * (BENCHMARKS.md), so this holds the 114 of the Debian cloud kernel
 * matrix with room to spare.
 */
#define SNAPSHOT_CAP_DEFAULT_MB 4096
/*
 * KREPRO_SNAPSHOT_MB (whole MB, 0: no snapshots, every VM boots), else the
 * default.  -1 with a one-line reason when the variable is malformed.
 */
int snapshot_cap_env(long *mb, char **why);
/*
 * True when the filesystem holding dir has no block left: the files an
 * attempt wrote there (or a VM's serial logs) may have been cut short.
 */
bool results_full(const char *dir);

#endif
