/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Programs run as probes of the filesystem they are stored on: a copy of
 * the test binary that checksums its own text as the kernel mapped it,
 * and a way to run such a copy that tells a failed exec (ENOEXEC, EIO
 * from a damaged image) apart from a program that ran and crashed.
 * Helpers return 0 (or a wait status where they say so) or -errno, and
 * never assert or exit, except in the child.
 */
#ifndef KREPRO_REPRO_PROBE_H
#define KREPRO_REPRO_PROBE_H

#include <stdint.h>

/*
 * A checksum of the calling executable's read-only loaded segments (its
 * text and rodata) as they are mapped now, read word by word so that
 * every page is faulted in from the file it was mapped from.  Two copies
 * of one binary give one sum; a page that came back zeroed or stale does
 * not.  -ENOEXEC when no read-only segment was found.
 */
int krepro_text_sum(uint64_t *sum);

/*
 * Run prog (argv, envp; no PATH search) as a tracked child with no core
 * files and, when cpu_seconds is not 0, that much CPU time (a program
 * that runs into zeroed text can spin).  Returns its wait status, or
 * -errno when no process could be made or waited for.  *exec_err is the
 * errno of a failed execve, reported by the child through a pipe, or 0
 * when the program ran.
 */
int krepro_probe_exec(const char *prog, char *const argv[], char *const envp[],
		      unsigned int cpu_seconds, int *exec_err);

#endif
