/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KREPRO_KERNEL_H
#define KREPRO_KERNEL_H

#include <stdbool.h>

struct kbuild_spec;

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
	struct kbuild_spec *build;	/* build: what to build */
	/* What preparing it took this time, seconds; 0: not done (cached). */
	double fetch_s, unpack_s, depmod_s, pvh_s;
	char *boot;		/* what QEMU boots: the PVH vmlinux of image (pvh.h), or NULL: image */
	/* A snapshot of a guest on it could not be taken this run: its VMs boot. */
	bool no_snapshot;
};

/* Where kernels are cached and built, and whether to tell progress. */
struct kernel_env {
	const char *cache;	/* CACHE: kernels/, build/ */
	const char *root;	/* the project: vm/config, vm/setup-packages.sh */
	bool quiet;		/* no progress lines on stderr */
};

/* Syntax only: returns -1 with a reason in *err on a bad spec. */
int kernel_parse(const char *spec, struct kernel *k, char **err);
/* Why a kernel could not be made bootable. */
enum kernel_error {
	KERNEL_OK = 0,
	KERNEL_BAD_INPUT,	/* the user's spec or files: exit 2 */
	KERNEL_UNAVAILABLE,	/* the archive, the cache, the disk: exit 3 */
};

/* Set *why to a one-line reason (malloc'd) and return kind. */
int kernel_why(char **why, int kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Make the kernel bootable: fetch and unpack a Debian package into the
 * cache, or check a local image.  Returns KERNEL_OK, or a kernel_error
 * with a one-line reason in *why (malloc'd).
 */
int kernel_prepare(struct kernel *k, const struct kernel_env *env, char **why);

/* Debian kernel image names apt knows (linux-image-NAME), version-sorted. */
struct apt_kernel { char *name, *version; };
int apt_kernels(struct apt_kernel **out);
/* Debian version order of two apt_kernels (for qsort); names break ties. */
int apt_kernel_cmp(const void *a, const void *b);
/* The newest cloud-amd64 image of a series ("6.1", "6.12"); NULL if none. */
char *apt_newest_cloud(struct apt_kernel *list, int n, const char *series);
/* dpkg's version order: <0, 0, >0 (epochs, '~', revisions). */
int debian_version_cmp(const char *a, const char *b);
/* The flavour of an image name: "cloud-amd64" of 6.1.0-47-cloud-amd64. */
const char *kernel_flavour(const char *name);
/* A prepared Debian kernel's changelog in the cache, or NULL. */
char *kernel_changelog(const struct kernel *k, const char *cache);
/*
 * Remove what a krepro killed earlier left half-made in the cache: fetch
 * directories (kernels/.fetch.PID, when no fetch holds the lock) and guest
 * images being written (initrd/NAME.tmp.PID, when PID is gone).  Complete
 * entries are never touched.  Returns how many were removed.
 */
int cache_sweep(const char *cache);
/* Names of the kernels already unpacked in the cache. */
int cached_kernels(const char *cache, char ***names);

#endif
