/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A reader of /proc/self/mountinfo (proc(5), "mountinfo"): which mount a
 * path is the root of, and that mount's propagation - the optional fields
 * shared:N (member of peer group N), master:N (slave of peer group N),
 * unbindable, or none of them (private).  Helpers return 0 or -errno.
 */
#ifndef KREPRO_REPRO_MOUNTINFO_H
#define KREPRO_REPRO_MOUNTINFO_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

struct krepro_mount {
	int id, parent_id;
	unsigned int major, minor;
	char root[PATH_MAX];		/* the mounted subtree's root in its fs */
	char mount_point[PATH_MAX];	/* relative to the process's root */
	char fstype[64];
	char source[PATH_MAX];		/* "none" and the like when there is none */
	char mount_options[256];	/* per mount: rw,nosuid,relatime... */
	char super_options[512];	/* per superblock: rw,size=...,mode=... */
	int shared;		/* N of shared:N; 0 when not shared */
	int master;		/* N of master:N; 0 when not a slave */
	bool unbindable;
};

/* Parse one mountinfo line (octal escapes such as \040 undone). */
int krepro_mountinfo_parse(const char *line, struct krepro_mount *m);

/* The entry with mount id `id` in a mountinfo file; -ENOENT if none. */
int krepro_mountinfo_by_id(const char *file, int id, struct krepro_mount *m);

/* The mount that holds path (its mount id, read from fdinfo). */
int krepro_mount_containing(const char *path, struct krepro_mount *m);

/*
 * The mount whose root path is: 0 and *m filled when path is a mount
 * point, -EINVAL when it is not (as umount(2) says), -errno otherwise.
 * A path with mounts stacked on it gives the top one, the one a lookup
 * sees; mounts hidden under others (propagated shadows) are not found.
 */
int krepro_mount_at(const char *path, struct krepro_mount *m);

/* How many mountinfo entries have mount point path (shadows included). */
int krepro_mounts_listed_at(const char *path, int *count);

/* Whether a comma-separated option list holds opt exactly ("ro", "noatime"). */
bool krepro_mount_option(const char *options, const char *opt);

/* True when the mount has no shared, master or unbindable field. */
bool krepro_mount_private(const struct krepro_mount *m);

/* "shared:3 master:1", "private", "unbindable": for messages. */
const char *krepro_mount_propagation(const struct krepro_mount *m, char *buf,
				     size_t len);

#endif
