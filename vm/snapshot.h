/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Boot once, restore many: a TCG guest saved (QEMU migration to a file)
 * where its init waits for the knobs - booted, modules loaded, no case
 * run, no marker known - and restored for each run of the same (QEMU,
 * kernel, image, memory, kernel parameters) instead of booting again.
 * Each restored guest is a fresh copy of that pristine state; its knobs
 * reader reseeds its random pool and sets its clock (vm/guest/knobs.c).
 */
#ifndef KREPRO_SNAPSHOT_H
#define KREPRO_SNAPSHOT_H

#include "qemu.h"

/*
 * Where the snapshot of the guest o boots is kept: CACHE/snapshot/KEY,
 * KEY covering everything on QEMU's command line that the saved state
 * depends on and which QEMU, kernel and image files those are.  NULL when
 * one of them cannot be read.
 */
char *snapshot_path(const char *cache, const struct vm_opts *o);

/* QEMU's -incoming argument that restores the snapshot at path. */
char *snapshot_incoming_uri(const char *path);

/*
 * Boot o's guest as a snapshot source and save it at path (all or
 * nothing).  It has boot_s to reach its knobs reader.  0, or -1 with a
 * one-line reason in *why; a signal to krepro stops it early.
 */
int snapshot_take(const struct vm_opts *o, const char *path, double boot_s, char **why);

/* Touch path: it was used now (the eviction removes the least recent). */
void snapshot_used(const char *path);

/*
 * Remove the least recently used snapshots under CACHE/snapshot until the
 * rest take at most cap_mb.  Returns how many were removed.
 */
int snapshot_evict(const char *cache, long cap_mb);

#endif
