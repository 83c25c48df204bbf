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
	const char *channel;	/* file for ttyS1: the result channel */
	int memory_mb;
	bool kvm;
	const char *params;	/* more krepro.* words for the guest init, or NULL */
};

/* True when /dev/kvm can be opened for the accelerator. */
bool kvm_usable(void);
/*
 * Start QEMU in its own process group; it dies with krepro (parent-death
 * signal).  Returns the pid or -errno.
 */
pid_t vm_start(const struct vm_opts *o);

#endif
