/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KREPRO_INITRAMFS_H
#define KREPRO_INITRAMFS_H

#include <stddef.h>

#include "kernel.h"

/* A cpio "newc" archive being written into memory. */
struct cpio {
	char *data;
	size_t len, cap;
	char **dirs;		/* directories already emitted */
	int ndirs;
	unsigned int ino;
};

void cpio_dir(struct cpio *c, const char *path, unsigned int mode);
void cpio_file(struct cpio *c, const char *path, unsigned int mode,
	       const void *data, size_t len);
void cpio_symlink(struct cpio *c, const char *path, const char *target);
void cpio_finish(struct cpio *c);
void cpio_free(struct cpio *c);

/* What one guest image must hold. */
struct image_spec {
	const char *init;		/* vm/init */
	const char *busybox;		/* static busybox */
	const char *knobs;		/* vm/guest/knobs.c, built static */
	const char *case_name;
	const char *binary;		/* reproducer path on the host */
	const char *args;		/* extra arguments for it, or "" */
	const struct kernel *kernel;
	char **modules;			/* module names the case needs */
	int nmodules;
	char **tools;			/* host programs */
	int ntools;
};

/*
 * Build (or reuse from CACHE/initrd) the image for spec; returns the path.
 * A second call with the same inputs returns the cached file without
 * rebuilding (*built = 0); *built is 1 when it was built, 2 when a cached
 * file was there but damaged (cut short) and was built anew.  On failure
 * returns NULL with a reason in *err.
 */
char *initramfs_get(const struct image_spec *spec, const char *cache,
		    int *built, char **err);

#endif
