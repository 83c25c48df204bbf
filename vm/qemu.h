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
	const char *knobs;	/* init's knobs after the marker's (fw_cfg), or NULL */
	/*
	 * A snapshot: the guest to take it from waits in its knobs reader
	 * (knobs "wait", a QMP monitor on qmp_fd, READY on the debug console
	 * into the file ready); a restored guest's migration stream is read
	 * from the file incoming.
	 */
	bool snapshot_source;
	int qmp_fd;
	const char *ready;
	const char *incoming;
	long long log_cap;	/* bytes the console and channel files may reach; 0: no cap */
};

/* fw_cfg's name for init's knobs (vm/guest/knobs.c reads it) ... */
#define QEMU_KNOBS_FW_CFG "opt/krepro/knobs"
/* ... and what they are in a guest that is to be saved. */
#define QEMU_KNOBS_WAIT "wait"

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
