/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which accelerator the VMs use.  A /dev/kvm that opens proves nothing:
 * a nested, paravirtualised KVM may abort QEMU or hang a stock kernel.
 * So "auto" boots a real kernel under KVM once and uses KVM only when it
 * reaches init; the answer is cached per (host kernel, QEMU).
 */
#ifndef KREPRO_ACCEL_H
#define KREPRO_ACCEL_H

#include <stdbool.h>

enum accel_mode { ACCEL_AUTO, ACCEL_KVM, ACCEL_TCG };

/* "auto", "kvm", "tcg" -> mode; -1 on anything else. */
int accel_mode_parse(const char *s, enum accel_mode *mode);

struct accel_choice {
	bool kvm;
	char *reason;		/* one line: why this accelerator */
	bool probed;		/* a probe boot ran now (not from the cache) */
	double probe_s;		/* how long it took */
};

/*
 * Choose for mode.  probe_image/probe_modules_kernel: a bootable kernel to
 * probe with; busybox: static busybox for the probe's init; cache: where
 * answers are kept.  Returns 0, or -1 when mode is ACCEL_KVM and KVM
 * cannot boot a kernel here (the reason in out->reason).
 */
int accel_choose(enum accel_mode mode, const char *qemu, const char *busybox,
		 const char *probe_image, const char *cache, struct accel_choice *out);

/* The device krepro checks: KREPRO_KVM_DEVICE, else /dev/kvm. */
const char *kvm_device(void);

#endif
