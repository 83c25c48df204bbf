/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KREPRO_KERNEL_H
#define KREPRO_KERNEL_H

#include <stdbool.h>

enum kernel_kind { KERNEL_HOST, KERNEL_DEBIAN, KERNEL_FILE, KERNEL_BUILD };

struct kernel {
	enum kernel_kind kind;
	char *spec;		/* as the user wrote it */
	char *label;		/* safe as a directory name */
	char *name;		/* debian: package image name; file: path */
	char *image;		/* bzImage / vmlinuz to boot */
	char *moddir;		/* lib/modules/RELEASE with modules.dep, or NULL */
	char *release;		/* from the package or modules dir; "" if unknown */
	char *pkg_version;	/* Debian version of the package, or "" */
	char sha256[65];	/* of the image */
	char *note;		/* a damaged cache entry that was repaired, or NULL */
};

/* Syntax only: returns -1 with a reason in *err on a bad spec. */
int kernel_parse(const char *spec, struct kernel *k, char **err);
/* Why a kernel could not be made bootable. */
enum kernel_error {
	KERNEL_OK = 0,
	KERNEL_BAD_INPUT,	/* the user's spec or files: exit 2 */
	KERNEL_UNAVAILABLE,	/* the archive, the cache, the disk: exit 3 */
};

/*
 * Make the kernel bootable: fetch and unpack a Debian package into the
 * cache, or check a local image.  Returns KERNEL_OK, or a kernel_error
 * with a one-line reason in *why (malloc'd).
 */
int kernel_prepare(struct kernel *k, const char *cache, char **why);

/* Debian kernel image names apt knows (linux-image-NAME), version-sorted. */
struct apt_kernel { char *name, *version; };
int apt_kernels(struct apt_kernel **out);
/* The newest cloud-amd64 image of a series ("6.1", "6.12"); NULL if none. */
char *apt_newest_cloud(struct apt_kernel *list, int n, const char *series);
/* Names of the kernels already unpacked in the cache. */
int cached_kernels(const char *cache, char ***names);

#endif
