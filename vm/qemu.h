/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KREPRO_QEMU_H
#define KREPRO_QEMU_H

#include <stdbool.h>
#include <sys/types.h>

struct vm_opts {
	const char *qemu;	/* qemu-system-x86_64 path */
	const char *image;	/* kernel */
	const char *initrd;
	const char *marker;	/* per-boot random frame marker */
	const char *console;	/* file for ttyS0 */
	const char *channel;	/* file for ttyS1: the result channel, or NULL */
	int memory_mb;
	bool kvm;		/* -accel kvm -cpu host, else TCG */
	const char *params;	/* more words for the kernel command line, or NULL */
	long long log_cap;	/* bytes the console and channel files may reach; 0: no cap */
};

/*
 * The QEMU command line for o, as data: a NULL-terminated array of
 * malloc'd strings (free with qemu_argv_free).  Pure: it can be printed
 * (krepro run --show-command) and tested.
 */
char **qemu_argv(const struct vm_opts *o);
void qemu_argv_free(char **argv);

/*
 * Start QEMU in its own process group; it dies with krepro (parent-death
 * signal).  QEMU's own messages go to the console file.  With log_cap,
 * QEMU cannot make a file longer than that (RLIMIT_FSIZE): a guest that
 * floods a serial port loses what is past the cap, and goes on.  Returns
 * the pid or -errno.
 */
pid_t vm_start(const struct vm_opts *o);

#endif
