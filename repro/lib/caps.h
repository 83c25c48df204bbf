/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Capability helpers (libcap): drop some capabilities from a process that
 * keeps running as root, and check what its effective set holds.  Return 0
 * or -errno; a drop is read back, so success means the sets changed.
 * (krepro_become_user in util.h drops everything along with the ids.)
 */
#ifndef KREPRO_REPRO_CAPS_H
#define KREPRO_REPRO_CAPS_H

#include <stdbool.h>
#include <sys/capability.h>

/*
 * Clear caps[0..n) from the effective, permitted and inheritable sets of
 * the calling thread; -EPERM if one is still effective afterwards.
 */
int krepro_caps_drop(const cap_value_t *caps, int n);

/* *on = cap is in the calling thread's effective set. */
int krepro_cap_effective(cap_value_t cap, bool *on);

/* *empty = the effective, permitted and inheritable sets are all empty. */
int krepro_caps_empty(bool *empty);

#endif
